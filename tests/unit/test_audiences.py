"""Who reads orders as which audience, nested views, and where an account's alert goes."""

from __future__ import annotations

import pytest

from app.events import Audience, View
from app.events.reads import BOARD_CARD, ORDER, audience_of
from realtime.projection import COURIER, KANBAN, KDS, POS, QUEUE, Route, project


@pytest.mark.parametrize(
    ("roles", "audience"),
    [
        (("admin",), Audience.BOARD),
        (("manager", "kitchen"), Audience.BOARD),
        (("cashier",), Audience.TILL),
        (("kitchen", "courier"), Audience.KITCHEN),
        (("courier",), Audience.COURIER),
        (("hr",), None),
        ((), None),
    ],
)
def test_a_person_reads_as_the_widest_audience_of_their_roles(
    roles: tuple[str, ...], audience: Audience | None
) -> None:
    assert audience_of(roles) is audience


def test_a_nested_view_picks_inside_the_object_and_drops_the_rest() -> None:
    view = View(("order_id",), objects={"card": View(("token",), object_lists={"items": ("name",)})})
    data = {
        "order_id": "o1",
        "payment_status": "paid",
        "card": {"token": 7, "total": "10.00", "items": [{"name": "Tea", "note": "x"}]},
    }
    assert view.pick(data) == {"order_id": "o1", "card": {"token": 7, "items": [{"name": "Tea"}]}}
    # A nested view accepts an object only: a smuggled scalar under its name is dropped.
    assert view.pick({"order_id": "o1", "card": "everything"}) == {"order_id": "o1"}


def test_no_restricted_read_view_names_money_or_the_customer() -> None:
    for views in (ORDER, BOARD_CARD):
        for audience in (Audience.KITCHEN, Audience.COURIER):
            view = views[audience]
            assert isinstance(view, View)
            assert not {"customer_id", "paid_total", "payments", "shift_id"} & set(view.fields)
    kitchen = ORDER[Audience.KITCHEN]
    assert isinstance(kitchen, View)
    assert not {"balance", "payment_status", "totals", "delivery"} & {*kitchen.fields, *kitchen.objects}


def test_an_accounts_second_factor_alert_reaches_the_managers_board_only() -> None:
    locked = {
        "kind": "second_factor_locked",
        "user_id": 4,
        "username": "amira",
        "failures": 5,
        "locked_until": "2026-12-05T05:00:00+00:00",
        "message": "m",
        "raised_at": "2026-12-05T04:59:00+00:00",
    }
    assert project(KANBAN, "alert.raised", 3, locked) == [Route(("branch:3",), None)]
    for namespace in (POS, KDS, QUEUE, COURIER):
        assert project(namespace, "alert.raised", 3, {**locked, "courier_id": 4, "channel": "pickup"}) == []
