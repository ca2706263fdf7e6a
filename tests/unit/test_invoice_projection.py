"""`invoice.issued` reaches the staff boards (/kanban, /pos) in full, and never the kitchen, the TV or a
courier, whatever fields it carries."""

from __future__ import annotations

import pytest

from app.events import REGISTRY
from realtime.projection import COURIER, KANBAN, KDS, POS, QUEUE, Route, project

ISSUED = {"order_id": "o1", "invoice_id": "i1", "number": "DT1-2026-000042", "total": "114.00"}
AMENDED = {**ISSUED, "kind": "amendment", "amends": "i0", "number": "DT1-AM-2026-000001"}
# Fields that would open another audience's door if the projections looked at them for unknown types.
SMUGGLED = {**ISSUED, "courier_id": 5, "channel": "counter", "token": 12, "station_code": "grill"}


@pytest.mark.parametrize("namespace", [KANBAN, POS])
@pytest.mark.parametrize("data", [ISSUED, AMENDED])
def test_staff_boards_get_invoice_events_unchanged(namespace: str, data: dict[str, object]) -> None:
    assert "invoice.issued" in REGISTRY
    assert project(namespace, "invoice.issued", 7, data) == [Route(("branch:7",), None)]


@pytest.mark.parametrize("namespace", [KDS, QUEUE, COURIER])
@pytest.mark.parametrize("data", [ISSUED, AMENDED, SMUGGLED])
def test_kitchen_tv_and_couriers_never_get_invoice_events(namespace: str, data: dict[str, object]) -> None:
    assert project(namespace, "invoice.issued", 7, data) == []
