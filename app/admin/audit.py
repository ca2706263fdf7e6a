"""`GET /api/v1/admin/audit` — who changed what and when, with the values before and after.

Managers see the entries of their branches and those that belong to no branch (the menu, customers); admins
see everything. Filters: the person, the kind of record (and one record), the action, a date range.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Self

import msgspec
from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from sqlalchemy import or_, select

from app.auth.guards import current_user, requires_roles
from app.auth.sessions import SessionUser
from app.db.models import AuditLog, User
from app.lib.deps import Scope, provide
from app.lib.errors import unprocessable
from app.lib.i18n import _
from app.lib.params import (
    DEFAULT_PAGE_SIZE,
    MAX_ID,
    PageQuery,
    PageRequest,
    PageSizeQuery,
    count_rows,
    search_text,
)

AnyRequest = Request[Any, Any, Any]
OptionalId = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]
Text = Annotated[str | None, QueryParameter(max_length=100)]


class Actor(msgspec.Struct, kw_only=True):
    id: int
    username: str
    full_name: str


class AuditEntry(msgspec.Struct, kw_only=True):
    id: int
    ts: dt.datetime
    actor: Actor | None
    action: str
    entity_type: str | None
    entity_id: str | None
    branch_id: int | None
    request_id: str | None
    data: dict[str, Any]


class AuditPage(msgspec.Struct, kw_only=True):
    items: list[AuditEntry]
    page: int
    page_size: int
    total: int


class AuditFacets(msgspec.Struct, kw_only=True):
    """What the filters can be set to: people who ever acted, kinds of record, actions."""

    actors: list[Actor]
    entity_types: list[str]
    actions: list[str]


class AuditLogReader:
    def __init__(self, scope: Scope) -> None:
        self.session = scope.session

    @classmethod
    def from_scope(cls, scope: Scope) -> Self:
        return cls(scope)

    def _visible(self, user: SessionUser) -> list[Any]:
        if user.all_branches:
            return []
        return [or_(AuditLog.branch_id.is_(None), AuditLog.branch_id.in_(user.branch_ids))]

    async def page(
        self,
        *,
        user: SessionUser,
        actor_id: int | None,
        entity_type: str | None,
        entity_id: str | None,
        action: str | None,
        branch_id: int | None,
        date_from: dt.date | None,
        date_to: dt.date | None,
        page: PageRequest,
    ) -> AuditPage:
        if date_from is not None and date_to is not None and date_from > date_to:
            raise unprocessable("from", _("must not be after `to`"))
        filters = self._visible(user)
        if actor_id is not None:
            filters.append(AuditLog.actor_user_id == actor_id)
        if (kind := search_text(entity_type, key="entity_type")) is not None:
            filters.append(AuditLog.entity_type == kind)
        if (one := search_text(entity_id, key="entity_id")) is not None:
            filters.append(AuditLog.entity_id == one)
        if (verb := search_text(action, key="action")) is not None:
            # "product" finds every product.* action.
            filters.append(
                or_(AuditLog.action == verb, AuditLog.action.startswith(f"{verb}.", autoescape=True))
            )
        if branch_id is not None:
            if not user.can_see_branch(branch_id):
                filters.append(AuditLog.id.is_(None))
            filters.append(AuditLog.branch_id == branch_id)
        # Days are UTC days: the log spans branches in several zones, and one rule reads plainly.
        if date_from is not None:
            filters.append(AuditLog.ts >= dt.datetime.combine(date_from, dt.time(), dt.UTC))
        if date_to is not None:
            filters.append(
                AuditLog.ts < dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), dt.UTC)
            )
        total = await count_rows(self.session, select(AuditLog.id).where(*filters))
        items: list[AuditEntry] = []
        if page.offset < total:
            rows = await self.session.execute(
                select(AuditLog, User)
                .outerjoin(User, User.id == AuditLog.actor_user_id)
                .where(*filters)
                .order_by(AuditLog.ts.desc(), AuditLog.id.desc())
                .limit(page.page_size)
                .offset(page.offset)
            )
            items = [_entry(row, actor) for row, actor in rows]
        return AuditPage(items=items, page=page.page, page_size=page.page_size, total=total)

    async def facets(self, *, user: SessionUser) -> AuditFacets:
        visible = self._visible(user)
        actor_ids = select(AuditLog.actor_user_id).where(*visible).distinct()
        actors = await self.session.scalars(
            select(User).where(User.id.in_(actor_ids)).order_by(User.username)
        )
        kinds = await self.session.scalars(
            select(AuditLog.entity_type).where(*visible, AuditLog.entity_type.is_not(None)).distinct()
        )
        actions = await self.session.scalars(select(AuditLog.action).where(*visible).distinct())
        return AuditFacets(
            actors=[Actor(id=u.id, username=u.username, full_name=u.full_name) for u in actors],
            entity_types=sorted(k for k in kinds if k),
            actions=sorted(actions),
        )


def _entry(row: AuditLog, actor: User | None) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        ts=row.ts,
        actor=Actor(id=actor.id, username=actor.username, full_name=actor.full_name) if actor else None,
        action=row.action,
        entity_type=row.entity_type,
        entity_id=row.entity_id,
        branch_id=row.branch_id,
        request_id=row.request_id,
        data=row.data,
    )


Reader = NamedDependency[AuditLogReader]


class AuditController(Controller):
    path = "/api/v1/admin/audit"
    tags = ["admin"]
    guards = [requires_roles("manager")]
    dependencies = {"reader": provide(AuditLogReader)}

    @get("/")
    async def list_entries(
        self,
        *,
        request: AnyRequest,
        reader: Reader,
        actor_id: OptionalId = None,
        entity_type: Text = None,
        entity_id: Text = None,
        action: Text = None,
        branch_id: OptionalId = None,
        date_from: Annotated[dt.date | None, QueryParameter(name="from")] = None,
        date_to: Annotated[dt.date | None, QueryParameter(name="to")] = None,
        page: PageQuery = 1,
        page_size: PageSizeQuery = DEFAULT_PAGE_SIZE,
    ) -> AuditPage:
        return await reader.page(
            user=current_user(request),
            actor_id=actor_id,
            entity_type=entity_type,
            entity_id=entity_id,
            action=action,
            branch_id=branch_id,
            date_from=date_from,
            date_to=date_to,
            page=PageRequest(page=page, page_size=page_size),
        )

    @get("/facets")
    async def facets(self, request: AnyRequest, reader: Reader) -> AuditFacets:
        return await reader.facets(user=current_user(request))
