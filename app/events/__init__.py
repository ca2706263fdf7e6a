"""The one event bus (DESIGN §5, §11): envelope, stream codec, the registry of event types and their
payloads, appends and announcements after commit, and the journal that stores events in PostgreSQL.

Importing the package registers every event type (the subject modules declare theirs).
"""

from app.events import board as board  # registers `sales.anomaly_dismissed`
from app.events import catalog, floor, kitchen, money, orders, road
from app.events import menu as menu  # the redundant alias re-exports it: registers channel.paused
from app.events import reports as reports  # registers `sales.anomaly`
from app.events import stock as stock  # expense events (app/expenses)
from app.events.bus import DEFAULT_STREAM_MAXLEN, EventBus
from app.events.catalog import CATALOG_CHANGED, CatalogChanged
from app.events.envelope import Envelope, StreamEntry, id_key, is_stream_id, parse_entry
from app.events.floor import AlertAcknowledged, AlertRaised, DeviceRevoked, ServiceTicketChanged
from app.events.journal import Journal
from app.events.kitchen import RushChanged, TicketChanged, TicketCreated, TicketItem, TokenCalled
from app.events.money import InvoiceIssued, PaymentChanged, SettlementCompleted
from app.events.orders import CancelDecided, CustomerRef, Delivery, Line, OrderCreated, StateChanged, Totals
from app.events.outbox import Announcement, Outbox
from app.events.registry import FULL, REGISTRY, Audience, EventType, View, decode, variant
from app.events.road import CourierAssigned, CourierLocation, DeliveryChanged
from app.events.security import SECOND_FACTOR_LOCKED, SecondFactorLocked

__all__ = [
    "CATALOG_CHANGED",
    "DEFAULT_STREAM_MAXLEN",
    "FULL",
    "REGISTRY",
    "SECOND_FACTOR_LOCKED",
    "AlertAcknowledged",
    "AlertRaised",
    "Announcement",
    "Audience",
    "CancelDecided",
    "CatalogChanged",
    "CourierAssigned",
    "CourierLocation",
    "CustomerRef",
    "Delivery",
    "DeliveryChanged",
    "DeviceRevoked",
    "Envelope",
    "EventBus",
    "EventType",
    "InvoiceIssued",
    "Journal",
    "Line",
    "OrderCreated",
    "Outbox",
    "PaymentChanged",
    "RushChanged",
    "SecondFactorLocked",
    "ServiceTicketChanged",
    "SettlementCompleted",
    "StateChanged",
    "StreamEntry",
    "TicketChanged",
    "TicketCreated",
    "TicketItem",
    "TokenCalled",
    "Totals",
    "View",
    "catalog",
    "decode",
    "floor",
    "id_key",
    "is_stream_id",
    "kitchen",
    "money",
    "orders",
    "parse_entry",
    "road",
    "variant",
]
