"""`/api/v1/queue`: the TV's board, the kiosk's tickets, and the counters' calls. Thin: rules are in
QueueService."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, PathParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from app.auth.controllers import client_ip
from app.auth.devices import QUEUE_TV, current_viewer
from app.auth.guards import current_user, requires_roles
from app.auth.middleware import CSRF_EXEMPT_OPT
from app.lib.deps import provide
from app.lib.params import MAX_ID
from app.queue.schemas import (
    CallNextIn,
    CounterSnapshot,
    QueueBoardOut,
    RecallIn,
    ServiceOption,
    ServiceTicketOut,
    TicketIn,
    TicketTaken,
    TransferIn,
)
from app.queue.services import QueueService

AnyRequest = Request[Any, Any, Any]
Queue = NamedDependency[QueueService]
BranchPath = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
COUNTER_STAFF = requires_roles("cashier", "manager")


class QueueController(Controller):
    path = "/api/v1/queue/{branch_id:int}"
    tags = ["queue"]
    dependencies = {"queue": provide(QueueService)}

    @get("/board")
    async def board(self, request: AnyRequest, queue: Queue, branch_id: BranchPath) -> QueueBoardOut:
        """The TV's snapshot: tokens preparing and ready, walk-in numbers; a paired queue TV or staff."""
        viewer = current_viewer(request, device_roles=(QUEUE_TV,))
        return await queue.board(branch_id=branch_id, viewer=viewer)

    @get("/services")
    async def services(self, queue: Queue, branch_id: BranchPath) -> list[ServiceOption]:
        """What the kiosk offers (public): the branch's services in its order."""
        return await queue.services(branch_id=branch_id)

    # Public and rate limited: the kiosk by the door has no login. CSRF-exempt: it acts on no session.
    @post("/tickets", status_code=HTTP_201_CREATED, opt={CSRF_EXEMPT_OPT: True})
    async def take_ticket(
        self, request: AnyRequest, queue: Queue, branch_id: BranchPath, data: JSONBody[TicketIn]
    ) -> TicketTaken:
        return await queue.take_ticket(
            branch_id=branch_id, service=data.service, client_ip=client_ip(request)
        )

    @get("/tickets", guards=[COUNTER_STAFF])
    async def open_tickets(
        self, request: AnyRequest, queue: Queue, branch_id: BranchPath
    ) -> list[ServiceTicketOut]:
        """Tickets waiting, called or being served, oldest first."""
        return await queue.open_tickets(branch_id=branch_id, actor=current_user(request))

    @get("/counter", guards=[COUNTER_STAFF])
    async def counter(self, request: AnyRequest, queue: Queue, branch_id: BranchPath) -> CounterSnapshot:
        """The counter screen's snapshot: open tickets and the services, with the stream id."""
        return await queue.counter_snapshot(branch_id=branch_id, actor=current_user(request))

    @post("/call-next", guards=[COUNTER_STAFF], status_code=HTTP_200_OK)
    async def call_next(
        self, request: AnyRequest, queue: Queue, branch_id: BranchPath, data: JSONBody[CallNextIn]
    ) -> ServiceTicketOut:
        return await queue.call_next(
            branch_id=branch_id,
            counter=data.counter,
            service=data.service,
            services=data.service_codes,
            actor=current_user(request),
        )


class ServiceTicketController(Controller):
    path = "/api/v1/queue/tickets/{ticket_id:uuid}"
    tags = ["queue"]
    guards = [COUNTER_STAFF]
    dependencies = {"queue": provide(QueueService)}

    @post("/recall", status_code=HTTP_200_OK)
    async def recall(
        self,
        request: AnyRequest,
        queue: Queue,
        ticket_id: FromPath[uuid.UUID],
        data: JSONBody[RecallIn | None] = None,
    ) -> ServiceTicketOut:
        """Call the number again (also a no-show who came back), optionally to another counter."""
        counter = data.counter if data is not None else None
        return await queue.move(
            ticket_id=ticket_id, action="recall", actor=current_user(request), counter=counter
        )

    @post("/transfer", status_code=HTTP_200_OK)
    async def transfer(
        self, request: AnyRequest, queue: Queue, ticket_id: FromPath[uuid.UUID], data: JSONBody[TransferIn]
    ) -> ServiceTicketOut:
        """Send the customer to another counter (also mid-service): called there, announced on the TV."""
        return await queue.move(
            ticket_id=ticket_id, action="transfer", actor=current_user(request), counter=data.counter
        )

    @post("/serve", status_code=HTTP_200_OK)
    async def serve(
        self, request: AnyRequest, queue: Queue, ticket_id: FromPath[uuid.UUID]
    ) -> ServiceTicketOut:
        return await queue.move(ticket_id=ticket_id, action="serve", actor=current_user(request))

    @post("/no-show", status_code=HTTP_200_OK)
    async def no_show(
        self, request: AnyRequest, queue: Queue, ticket_id: FromPath[uuid.UUID]
    ) -> ServiceTicketOut:
        return await queue.move(ticket_id=ticket_id, action="no_show", actor=current_user(request))

    @post("/done", status_code=HTTP_200_OK)
    async def done(
        self, request: AnyRequest, queue: Queue, ticket_id: FromPath[uuid.UUID]
    ) -> ServiceTicketOut:
        return await queue.move(ticket_id=ticket_id, action="done", actor=current_user(request))
