from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath

from app.auth.guards import current_user, requires_login
from app.branches.services import BranchService
from app.db.models import Branch
from app.lib.deps import DbSession


class BranchOut(msgspec.Struct, kw_only=True):
    id: int
    code: str
    name: str
    timezone: str
    currency: str


def _out(branch: Branch) -> BranchOut:
    return BranchOut(
        id=branch.id, code=branch.code, name=branch.name, timezone=branch.timezone, currency=branch.currency
    )


def provide_branch_service(db_session: DbSession) -> BranchService:
    return BranchService(db_session)


class BranchController(Controller):
    path = "/api/v1/branches"
    tags = ["catalog"]
    guards = [requires_login]
    dependencies = {"branch_service": Provide(provide_branch_service, sync_to_thread=False)}

    @get("/")
    async def list_branches(
        self, request: Request[Any, Any, Any], branch_service: NamedDependency[BranchService]
    ) -> list[BranchOut]:
        return [_out(b) for b in await branch_service.list_visible(current_user(request))]

    @get("/{branch_id:int}")
    async def get_branch(
        self,
        request: Request[Any, Any, Any],
        branch_service: NamedDependency[BranchService],
        branch_id: FromPath[int],
    ) -> BranchOut:
        return _out(await branch_service.get_visible(current_user(request), branch_id))
