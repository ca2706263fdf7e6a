"""The registry of event types: each name, its payload struct, and what each audience may see of it.

An `EventType` is declared once, next to its payload (app/events/orders.py, kitchen.py, …), and registers
itself here. Writers append through the bus with the type object, so the payload is the struct's by
construction; the Lua scripts that write events in the same atomic step as a state change are held to the
same structs by a contract test that decodes what they wrote. The per-audience projection
(realtime/projection.py) reads the views from here: an audience sees a field only when a view names it
(allow-lists, never deny-lists), so a field added to a payload stays on the staff boards until someone
decides the kitchen, the TV or a courier may see it.

One name may have several payload variants (`order.updated` is a rush toggle or a cancel decision,
`courier.updated` a delivery's progress or a courier's position); a variant is told apart by its required
fields.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import msgspec
import msgspec.inspect

T = TypeVar("T", bound=msgspec.Struct)


class Audience(enum.StrEnum):
    BOARD = "board"  # managers: the kanban
    TILL = "till"  # cashiers: the POS
    KITCHEN = "kitchen"  # station screens and the expo
    TV = "tv"  # the queue display in the shop: strangers look at it
    COURIER = "courier"  # one courier's phone


_SCALARS = (str, int, float, bool, type(None))


@dataclass(frozen=True, slots=True)
class View:
    """The fields of a payload an audience gets: scalar fields, lists of strings (ids), and lists of objects
    of which only the named scalar fields pass. Scalars only: an allowed name must not smuggle a nested object
    (a `token` that became a dict with the customer in it) past the list."""

    fields: tuple[str, ...]
    text_lists: tuple[str, ...] = ()
    object_lists: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # One nested object, seen through a view of its own (an order's delivery, a board card's body).
    objects: Mapping[str, View] = field(default_factory=dict)

    def pick(self, data: Mapping[str, Any]) -> dict[str, Any]:
        out = {f: data[f] for f in self.fields if f in data and isinstance(data[f], _SCALARS)}
        for name in self.text_lists:
            values = data.get(name)
            if isinstance(values, list):
                out[name] = [v for v in values if isinstance(v, str)]
        for name, fields in self.object_lists.items():
            items = data.get(name)
            if isinstance(items, list):
                out[name] = [
                    {f: item[f] for f in fields if f in item and isinstance(item[f], _SCALARS)}
                    for item in items
                    if isinstance(item, Mapping)
                ]
        for name, view in self.objects.items():
            value = data.get(name)
            if isinstance(value, Mapping):
                out[name] = view.pick(value)
        return out


class _Full:
    """The payload unchanged (the staff boards)."""

    def __repr__(self) -> str:
        return "FULL"


FULL = _Full()
Visibility = View | _Full


class EventType(Generic[T]):
    """One kind of event: its name on the stream and the sockets, its payload, and its views."""

    __slots__ = ("name", "payload", "required", "views")

    required: dict[str, tuple[type, ...]]

    def __init__(self, name: str, payload: type[T], *, views: Mapping[Audience, Visibility]) -> None:
        self.name = name
        self.payload = payload
        self.views = dict(views)
        info = msgspec.inspect.type_info(payload)
        assert isinstance(info, msgspec.inspect.StructType)
        self.required = {f.encode_name: _kinds(f.type) for f in info.fields if f.required}
        REGISTRY.setdefault(name, []).append(self)

    def __repr__(self) -> str:
        return f"EventType({self.name!r}, {self.payload.__name__})"

    def check(self, data: msgspec.Struct) -> None:
        if type(data) is not self.payload:
            msg = f"{self.name} carries {self.payload.__name__}, not {type(data).__name__}"
            raise TypeError(msg)

    def matches(self, data: Mapping[str, Any]) -> bool:
        """Whether the data is this variant's payload: its required fields present, each of its type (a
        shallow check: enough to tell a rush toggle's boolean `rush` from anything else)."""
        return all(isinstance(data.get(name), kinds) for name, kinds in self.required.items())

    def view(self, audience: Audience) -> Visibility | None:
        return self.views.get(audience)


REGISTRY: dict[str, list[EventType[Any]]] = {}

_KINDS: dict[type[msgspec.inspect.Type], tuple[type, ...]] = {
    msgspec.inspect.BoolType: (bool,),
    msgspec.inspect.StrType: (str,),
    msgspec.inspect.IntType: (int,),
    msgspec.inspect.FloatType: (int, float),
    msgspec.inspect.NoneType: (type(None),),
    msgspec.inspect.ListType: (list,),
    msgspec.inspect.DictType: (dict,),
}


def _kinds(kind: msgspec.inspect.Type) -> tuple[type, ...]:
    """The Python types a decoded JSON value of this field may have (object: not checked)."""
    if isinstance(kind, msgspec.inspect.UnionType):
        return tuple(t for member in kind.types for t in _kinds(member))
    return _KINDS.get(type(kind), (object,))


def variant(name: str, data: Mapping[str, Any]) -> EventType[Any] | None:
    """The registered type an event of this name and data is (None: an unknown name, or a shape that none
    of the name's variants has). A name with one variant is that variant whatever the data carries: the
    views then pick only what they allow."""
    candidates = REGISTRY.get(name, ())
    if len(candidates) == 1:
        return candidates[0]
    for candidate in candidates:
        if candidate.matches(data):
            return candidate
    # Variants that show every audience the same fields need no telling apart (an order's alert and an
    # account's: the managers' board only), so even a payload that fits neither goes nowhere else.
    if candidates and all(candidate.views == candidates[0].views for candidate in candidates[1:]):
        return candidates[0]
    return None


def decode(name: str, raw: bytes | str) -> msgspec.Struct:
    """Decode an event's data strictly as its registered payload (tests: what the Lua scripts write)."""
    errors = []
    for candidate in REGISTRY.get(name, ()):
        try:
            decoded: msgspec.Struct = msgspec.json.decode(raw, type=candidate.payload)
            return decoded
        except msgspec.ValidationError as exc:
            errors.append(f"{candidate.payload.__name__}: {exc}")
    if not errors:
        msg = f"unregistered event type {name!r}"
        raise LookupError(msg)
    raise msgspec.ValidationError("; ".join(errors))
