"""The till's first load in one read (`GET /api/v1/pos/start`): the tills of every branch the cashier sells
in, the catalog document of the till it starts on, that till's open shift and its branch's paused channels —
what the page used to ask four endpoints for. It lives with the shifts because it composes pos, menu and the
shift (the layer that may see all three); each part comes from its own service, unchanged.

The till to start on is the one the tablet used last (`pos_profile_id`) when it still exists and is the
caller's to see; else the branch asked for (`branch_id`), else the first: a till removed since, or a branch
the cashier left, starts the page on another rather than refusing to open it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

import msgspec
from litestar.exceptions import NotFoundException

from app.branches.services import BranchService
from app.lib.i18n import _
from app.menu.schemas import PauseOut
from app.menu.services import MenuService
from app.pos.catalog import PosCatalogService
from app.pos.catalog_schemas import PosCatalogOut
from app.pos.profiles import ProfileService
from app.pos.profiles_schemas import ProfileOut
from app.shifts.schemas import ShiftOut
from app.shifts.services import ShiftService

if TYPE_CHECKING:
    from app.auth.sessions import SessionUser
    from app.lib.deps import Scope


class BranchTills(msgspec.Struct, kw_only=True):
    branch_id: int
    tills: list[ProfileOut]


class TillStartOut(msgspec.Struct, kw_only=True):
    # Every active branch the caller sells in, with its tills (inactive ones included, marked so).
    branches: list[BranchTills]
    branch_id: int
    # The till chosen (None: the branch has no till and sells as the branch).
    pos_profile_id: int | None
    catalog: PosCatalogOut
    shift: ShiftOut | None
    pauses: list[PauseOut]


class TillStartService:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    @classmethod
    def from_scope(cls, scope: Scope) -> Self:
        return cls(scope)

    async def start(
        self, *, user: SessionUser, pos_profile_id: int | None, branch_id: int | None
    ) -> TillStartOut:
        session, redis, keys = self.scope.session, self.scope.redis, self.scope.keys
        visible = [b for b in await BranchService(session).list_visible(user) if b.active]
        profiles = ProfileService(session, redis, keys)
        branches = [
            BranchTills(branch_id=b.id, tills=await profiles.list(user=user, branch_id=b.id)) for b in visible
        ]
        branch, till = self._choose(branches, pos_profile_id, branch_id)
        catalog = await PosCatalogService(session, redis, keys).document(
            user=user, branch_id=branch, pos_profile_id=till
        )
        shift = await ShiftService(session=session).current(pos_profile_id=till, actor=user) if till else None
        pauses = await MenuService(self.scope).pauses(branch_id=branch)
        return TillStartOut(
            branches=branches,
            branch_id=branch,
            pos_profile_id=till,
            catalog=catalog,
            shift=shift,
            pauses=pauses,
        )

    @staticmethod
    def _choose(
        branches: list[BranchTills], pos_profile_id: int | None, branch_id: int | None
    ) -> tuple[int, int | None]:
        if not branches:
            # The page refuses a cashier with no active branch before it ever asks; an API caller gets a 404.
            raise NotFoundException(detail=_("You belong to no active branch."))
        for entry in branches:
            for till in entry.tills:
                if till.id == pos_profile_id and till.active:
                    return entry.branch_id, till.id
        entry = next((e for e in branches if e.branch_id == branch_id), branches[0])
        first = next((t for t in entry.tills if t.active), None)
        return entry.branch_id, first.id if first else None
