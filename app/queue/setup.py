"""A branch's walk-in queue set-up: the services its kiosk offers and its counters (/admin/branches).

A branch nobody has set up offers the three built-in services and lets each counter tablet name itself;
the first change a manager makes writes the built-in services down as rows, so adding a fourth one does
not make the first three disappear. A service keeps its code for life (open tickets and the counters'
saved choices point at it); its name, letter, estimate, place and whether it is offered change. A counter
is its name; renaming it leaves the tickets it already called as they were.

Every change is audited and announced after commit (`queue.setup_changed`): the kiosk redraws its
buttons and the counters their choices from a fresh read, in their own language. Nothing is cached: the
kiosk and the counters read two small indexed tables when they need them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import msgspec
from litestar.exceptions import NotFoundException
from sqlalchemy import select

from app.auth.guards import ensure_branch_visible
from app.db.models import Branch, WalkInCounter, WalkInService
from app.events.floor import QUEUE_SETUP_CHANGED, QueueSetupChanged
from app.lib import audit
from app.lib.deps import ScopedService
from app.lib.errors import conflict, unprocessable
from app.lib.i18n import LazyText, _

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.auth.sessions import SessionUser

# What a branch offers until a manager sets its own up. Lazy: the kiosk shows them in its language.
BUILT_IN: dict[str, LazyText] = {
    "general": _("General enquiries"),
    "collection": _("Order collection"),
    "returns": _("Returns and refunds"),
}

ServiceCode = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]*$", min_length=1, max_length=40)]
ServiceTitle = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
AverageSeconds = Annotated[int, msgspec.Meta(ge=10, le=86_400)]
# Spoken on the TV ("please go to counter 3") and shown in large type: short, printable.
CounterName = Annotated[str, msgspec.Meta(min_length=1, max_length=20, pattern=r"^[^\x00-\x1f\x7f]+$")]
SortOrder = Annotated[int, msgspec.Meta(ge=0, le=1000)]


class ServiceIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    code: ServiceCode
    name: ServiceTitle
    average_seconds: AverageSeconds | None = None
    active: bool = True


class ServiceEdit(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: ServiceTitle
    average_seconds: AverageSeconds | None = None
    active: bool = True


class CounterIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: CounterName
    active: bool = True


class ServiceOrderIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    codes: Annotated[list[ServiceCode], msgspec.Meta(min_length=1, max_length=100)]


class CounterOrderIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    ids: Annotated[
        list[Annotated[int, msgspec.Meta(ge=1, le=2**62)]], msgspec.Meta(min_length=1, max_length=100)
    ]


class ServiceRow(msgspec.Struct, kw_only=True):
    code: str
    name: str
    average_seconds: int | None
    sort_order: int
    active: bool


class CounterRow(msgspec.Struct, kw_only=True):
    id: int
    name: str
    sort_order: int
    active: bool


class QueueSetupOut(msgspec.Struct, kw_only=True):
    branch_id: int
    # False while the branch runs on the built-in services (none written down yet).
    customised: bool
    services: list[ServiceRow]
    counters: list[CounterRow]


@dataclass(frozen=True, slots=True)
class Offered:
    """A service as the kiosk and the counters use it; `title` is lazy for a built-in name."""

    code: str
    title: str
    average_seconds: int | None
    active: bool


def _built_in(code: str, name: str) -> LazyText | None:
    """The built-in name `name` still is (as stored, in English, or as a screen showed it), else None."""
    built_in = BUILT_IN.get(code)
    if built_in is not None and name in (built_in.msgid, built_in.render()):
        return built_in
    return None


def _title(code: str, name: str) -> str:
    # A built-in service whose name nobody changed reads in the screen's language.
    return _built_in(code, name) or name


async def services_of(session: AsyncSession, branch_id: int, *, active_only: bool = True) -> list[Offered]:
    """The branch's services in the manager's order (the built-in three when none are set up)."""
    rows = (
        await session.scalars(
            select(WalkInService)
            .where(WalkInService.branch_id == branch_id)
            .order_by(WalkInService.sort_order, WalkInService.id)
        )
    ).all()
    if not rows:
        return [Offered(code, title, None, True) for code, title in BUILT_IN.items()]
    return [
        Offered(r.code, _title(r.code, r.name), r.average_seconds, r.active)
        for r in rows
        if r.active or not active_only
    ]


async def counters_of(session: AsyncSession, branch_id: int) -> list[str]:
    """The branch's active counters in order; empty: each tablet names its own."""
    return list(
        await session.scalars(
            select(WalkInCounter.name)
            .where(WalkInCounter.branch_id == branch_id, WalkInCounter.active)
            .order_by(WalkInCounter.sort_order, WalkInCounter.id)
        )
    )


async def check_counter(
    session: AsyncSession, branch_id: int, counter: str, *, field: str = "counter"
) -> None:
    """A counter the branch has set up (any name while it has set none up); else a 422 naming the field."""
    names = await counters_of(session, branch_id)
    if names and counter not in names:
        raise unprocessable(
            field,
            _(
                "%(counter)s is not one of the branch's counters (%(names)s)",
                counter=counter,
                names=", ".join(names),
            ),
        )


class QueueSetup(ScopedService):
    async def read(self, *, actor: SessionUser, branch_id: int) -> QueueSetupOut:
        await self._branch(actor, branch_id, lock=False)
        return await self._out(branch_id)

    async def add_service(self, *, actor: SessionUser, branch_id: int, data: ServiceIn) -> QueueSetupOut:
        await self._branch(actor, branch_id)
        rows = await self._services(branch_id)
        taken = next((r for r in rows if r.code == data.code), None)
        if taken is not None:
            raise conflict(
                _(
                    "code: the service %(name)s already has the code %(code)s",
                    name=taken.name,
                    code=data.code,
                ),
                field="code",
            )
        row = WalkInService(
            branch_id=branch_id,
            code=data.code,
            sort_order=max((r.sort_order for r in rows), default=-1) + 1,
        )
        _apply_service(row, data)
        self.session.add(row)
        await self.session.flush()
        self._changed("queue.service_add", branch_id, actor, "services", before=None, after=_service(row))
        return await self._commit(branch_id)

    async def edit_service(
        self, *, actor: SessionUser, branch_id: int, code: str, data: ServiceEdit
    ) -> QueueSetupOut:
        await self._branch(actor, branch_id)
        row = next((r for r in await self._services(branch_id) if r.code == code), None)
        if row is None:
            raise NotFoundException(detail=_("Service not found"))
        before = _service(row)
        _apply_service(row, data)
        if data.active is False and not any(r.active for r in await self._services(branch_id)):
            raise unprocessable("active", _("the kiosk must offer at least one service"))
        self._changed("queue.service_edit", branch_id, actor, "services", before=before, after=_service(row))
        return await self._commit(branch_id)

    async def order_services(
        self, *, actor: SessionUser, branch_id: int, data: ServiceOrderIn
    ) -> QueueSetupOut:
        await self._branch(actor, branch_id)
        rows = {r.code: r for r in await self._services(branch_id)}
        if sorted(data.codes) != sorted(rows):
            raise unprocessable(
                "codes", _("must list each of the branch's services once: %(codes)s", codes=", ".join(rows))
            )
        before = [r.code for r in sorted(rows.values(), key=lambda r: (r.sort_order, r.id))]
        for index, code in enumerate(data.codes):
            rows[code].sort_order = index
        self._changed("queue.service_order", branch_id, actor, "services", before=before, after=data.codes)
        return await self._commit(branch_id)

    async def add_counter(self, *, actor: SessionUser, branch_id: int, data: CounterIn) -> QueueSetupOut:
        await self._branch(actor, branch_id)
        name = data.name.strip()
        rows = await self._counters(branch_id)
        self._name_free(rows, name, None)
        row = WalkInCounter(
            branch_id=branch_id,
            name=name,
            active=data.active,
            sort_order=max((r.sort_order for r in rows), default=-1) + 1,
        )
        self.session.add(row)
        await self.session.flush()
        self._changed("queue.counter_add", branch_id, actor, "counters", before=None, after=_counter(row))
        return await self._commit(branch_id)

    async def edit_counter(
        self, *, actor: SessionUser, branch_id: int, counter_id: int, data: CounterIn
    ) -> QueueSetupOut:
        await self._branch(actor, branch_id)
        rows = await self._counters(branch_id)
        row = next((r for r in rows if r.id == counter_id), None)
        if row is None:
            raise NotFoundException(detail=_("Counter not found"))
        name = data.name.strip()
        self._name_free(rows, name, row.id)
        before = _counter(row)
        row.name = name
        row.active = data.active
        self._changed("queue.counter_edit", branch_id, actor, "counters", before=before, after=_counter(row))
        return await self._commit(branch_id)

    async def order_counters(
        self, *, actor: SessionUser, branch_id: int, data: CounterOrderIn
    ) -> QueueSetupOut:
        await self._branch(actor, branch_id)
        rows = {r.id: r for r in await self._counters(branch_id)}
        if sorted(data.ids) != sorted(rows):
            raise unprocessable("ids", _("must list each of the branch's counters once"))
        before = [r.id for r in sorted(rows.values(), key=lambda r: (r.sort_order, r.id))]
        for index, counter_id in enumerate(data.ids):
            rows[counter_id].sort_order = index
        self._changed("queue.counter_order", branch_id, actor, "counters", before=before, after=data.ids)
        return await self._commit(branch_id)

    # ------------------------------------------------------------------ helpers

    async def _branch(self, actor: SessionUser, branch_id: int, *, lock: bool = True) -> Branch:
        ensure_branch_visible(actor, branch_id, what="Branch")
        # The branch row's lock serialises two managers' edits of the same queue (codes, order).
        branch = await self.session.get(Branch, branch_id, with_for_update=lock)
        if branch is None:
            raise NotFoundException(detail=_("Branch not found"))
        return branch

    async def _services(self, branch_id: int) -> list[WalkInService]:
        rows = list(
            await self.session.scalars(
                select(WalkInService)
                .where(WalkInService.branch_id == branch_id)
                .order_by(WalkInService.sort_order, WalkInService.id)
            )
        )
        if rows:
            return rows
        # The first change writes the built-in services down, so they stay beside whatever is added.
        for index, (code, title) in enumerate(BUILT_IN.items()):
            rows.append(
                WalkInService(branch_id=branch_id, code=code, name=title.msgid, sort_order=index, active=True)
            )
        self.session.add_all(rows)
        await self.session.flush()
        return rows

    async def _counters(self, branch_id: int) -> list[WalkInCounter]:
        return list(
            await self.session.scalars(
                select(WalkInCounter)
                .where(WalkInCounter.branch_id == branch_id)
                .order_by(WalkInCounter.sort_order, WalkInCounter.id)
            )
        )

    @staticmethod
    def _name_free(rows: list[WalkInCounter], name: str, own_id: int | None) -> None:
        taken = next((r for r in rows if r.name.casefold() == name.casefold() and r.id != own_id), None)
        if taken is not None:
            message = (
                _("name: the branch has a counter %(name)s", name=taken.name)
                if taken.active
                else _(
                    "name: the branch has a deactivated counter %(name)s (turn it back on)", name=taken.name
                )
            )
            raise conflict(message, field="name")

    def _changed(
        self, action: str, branch_id: int, actor: SessionUser, kind: str, *, before: Any, after: Any
    ) -> None:
        audit.change(
            self.session,
            action=action,
            entity_type="branch",
            entity_id=branch_id,
            actor_user_id=actor.user_id,
            branch_id=branch_id,
            before=before,
            after=after,
        )
        self.bus.on_commit(self.session, branch_id, QUEUE_SETUP_CHANGED, QueueSetupChanged(kind=kind))

    async def _commit(self, branch_id: int) -> QueueSetupOut:
        await self.session.flush()
        out = await self._out(branch_id)
        await self.session.commit()
        return out

    async def _out(self, branch_id: int) -> QueueSetupOut:
        rows = (
            await self.session.scalars(
                select(WalkInService)
                .where(WalkInService.branch_id == branch_id)
                .order_by(WalkInService.sort_order, WalkInService.id)
            )
        ).all()
        services = [
            ServiceRow(
                code=r.code,
                # An unchanged built-in name in the manager's language, as the kiosk shows it.
                name=str(_title(r.code, r.name)),
                average_seconds=r.average_seconds,
                sort_order=r.sort_order,
                active=r.active,
            )
            for r in rows
        ] or [
            ServiceRow(code=code, name=str(title), average_seconds=None, sort_order=i, active=True)
            for i, (code, title) in enumerate(BUILT_IN.items())
        ]
        counters = [
            CounterRow(id=r.id, name=r.name, sort_order=r.sort_order, active=r.active)
            for r in await self._counters(branch_id)
        ]
        return QueueSetupOut(branch_id=branch_id, customised=bool(rows), services=services, counters=counters)


def _apply_service(row: WalkInService, data: ServiceIn | ServiceEdit) -> None:
    name = data.name.strip()
    # A built-in name saved as shown (translated) stays the built-in one: every screen keeps its language.
    built_in = _built_in(row.code, name)
    row.name = built_in.msgid if built_in is not None else name
    row.average_seconds = data.average_seconds
    row.active = data.active


def _service(row: WalkInService) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "average_seconds": row.average_seconds,
        "active": row.active,
    }


def _counter(row: WalkInCounter) -> dict[str, Any]:
    return {"name": row.name, "active": row.active}
