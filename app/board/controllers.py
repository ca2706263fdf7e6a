"""The managers' board: thin; the rules are in BoardService.

- `GET  /api/v1/board/snapshot?branch_id=&branch_id=`   everything /kanban draws, in one call
- `POST /api/v1/board/anomalies/{id}/dismiss`            take a sales anomaly off every board
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK

from app.auth.guards import current_user, requires_login, requires_roles
from app.board.schemas import AnomalyOut, BoardSnapshot
from app.board.services import MAX_BRANCHES, BoardService
from app.lib.deps import provide

AnyRequest = Request[Any, Any, Any]
Board = NamedDependency[BoardService]
MAX_ID = 2**63 - 1
BranchIds = Annotated[
    list[Annotated[int, QueryParameter(ge=1, le=MAX_ID)]] | None,
    QueryParameter(
        max_items=MAX_BRANCHES,
        description="The branches to draw (repeat the parameter); none = every active branch the user sees.",
    ),
]


class BoardSnapshotController(Controller):
    path = "/api/v1/board"
    tags = ["board"]
    # Admins pass every role guard (SessionUser.has_role).
    guards = [requires_login, requires_roles("manager")]
    dependencies = {"board_service": provide(BoardService)}

    @get("/snapshot")
    async def snapshot(
        self, request: AnyRequest, board_service: Board, branch_id: BranchIds = None
    ) -> BoardSnapshot:
        return await board_service.snapshot(branch_ids=branch_id, actor=current_user(request))

    @post("/anomalies/{anomaly_id:int}/dismiss", status_code=HTTP_200_OK)
    async def dismiss_anomaly(
        self,
        request: AnyRequest,
        anomaly_id: Annotated[int, PathParameter(ge=1, le=MAX_ID)],
        board_service: Board,
    ) -> AnomalyOut:
        return await board_service.dismiss_anomaly(anomaly_id=anomaly_id, actor=current_user(request))
