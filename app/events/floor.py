"""Events of the floor: late-order alerts for managers."""

from __future__ import annotations

import msgspec

from app.events.registry import FULL, Audience, EventType, View, Visibility


class AlertRaised(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """`alert.raised`: an order over its state's time limit (`state_overdue`), a delivery past its slot
    (`slot_missed`), or a product of the branch below its reorder point (`low_stock`: no order, `product_id`
    says which). Managers only (kanban)."""

    alert_id: int
    order_id: str | None
    kind: str
    state: str
    message: str
    token: int | None
    channel: str
    version: int
    raised_at: str
    product_id: int | None = None

    @classmethod
    def about_branch(
        cls, *, alert_id: int, kind: str, message: str, raised_at: str, product_id: int | None = None
    ) -> AlertRaised:
        """An alert about the branch itself (its stock, a forgotten clock-in), with no order behind it: the
        kind stands where an order alert names its state."""
        return cls(
            alert_id=alert_id,
            order_id=None,
            product_id=product_id,
            kind=kind,
            state=kind,
            message=message,
            token=None,
            channel="",
            version=0,
            raised_at=raised_at,
        )


class AlertAcknowledged(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """`alert.acknowledged`: a manager dealt with an alert, or its order finished (`acknowledged_by` None);
    every board drops it."""

    alert_id: int
    order_id: str | None
    acknowledged_by: int | None
    acknowledged_at: str
    product_id: int | None = None


ALERT_RAISED = EventType("alert.raised", AlertRaised, views={Audience.BOARD: FULL})
ALERT_ACKNOWLEDGED = EventType("alert.acknowledged", AlertAcknowledged, views={Audience.BOARD: FULL})


# --------------------------------------------------------------------------- the walk-in service queue


class ServiceTicketChanged(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    """`service.ticket_created|called|updated`: a walk-in number of the service queue (app/queue), whole for
    the staff boards; the TV gets number, counter and state only."""

    ticket_id: str
    number: int
    service: str
    state: str
    counter: str | None
    business_date: str
    recall: bool | None = None  # a call: whether it repeats an earlier one


# "Number 12 to counter 3" is all the room needs: no service, no ticket id.
_SERVICE_VIEWS: dict[Audience, Visibility] = {
    Audience.BOARD: FULL,
    Audience.TILL: FULL,
    Audience.TV: View(("number", "counter", "state")),
}
SERVICE_TICKET_CREATED = EventType("service.ticket_created", ServiceTicketChanged, views=_SERVICE_VIEWS)
SERVICE_TICKET_CALLED = EventType("service.ticket_called", ServiceTicketChanged, views=_SERVICE_VIEWS)
SERVICE_TICKET_UPDATED = EventType("service.ticket_updated", ServiceTicketChanged, views=_SERVICE_VIEWS)


# --------------------------------------------------------------------------- displays


class DeviceRevoked(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """`device.revoked`: a display was unpaired; every web process ends its sockets (realtime/devices.py)."""

    device_id: str
    role: str | None
    station_code: str | None
    name: str


DEVICE_REVOKED = EventType("device.revoked", DeviceRevoked, views={Audience.BOARD: FULL, Audience.TILL: FULL})


class QueueSetupChanged(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """`queue.setup_changed`: a manager changed the branch's walk-in services (`services`) or counters
    (`counters`) in /admin/branches. The kiosk redraws its buttons and the counter screens their choices
    from a fresh read (titles come in the reader's language); nothing here is about a customer."""

    kind: str


QUEUE_SETUP_CHANGED = EventType(
    "queue.setup_changed",
    QueueSetupChanged,
    views={Audience.BOARD: FULL, Audience.TILL: FULL, Audience.TV: FULL},
)
