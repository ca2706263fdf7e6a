"""`/api/v1/admin/branches` — a branch's set-up, for its managers (another branch is a 404) and admins:

- `GET /`, `POST /` (admins open a branch), `GET/PUT /{id}` settings
- `POST /{id}/tax-numbers` a dated seller tax registration
- `POST /{id}/stations`, `PUT /{id}/stations/{station_id}` kitchen stations
- `GET/POST /{id}/couriers`, `PUT /{id}/couriers/{courier_id}` a branch's couriers (linked to a login)
- `GET/POST /api/v1/admin/territories`, `PUT /api/v1/admin/territories/{id}` delivery territories
- `GET /{id}/queue`, `POST /{id}/queue/services`, `PUT /{id}/queue/services/{code}`,
  `PUT /{id}/queue/service-order`, `POST /{id}/queue/counters`, `PUT /{id}/queue/counters/{counter_id}`,
  `PUT /{id}/queue/counter-order` the walk-in queue's services and counters
Tills are `/api/v1/pos/profiles`, alert limits `/api/v1/branches/{id}/state-limits` (their own domains).
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter
from litestar.status_codes import HTTP_200_OK

from app.auth.guards import current_user, requires_roles
from app.branches.setup import (
    BranchCreate,
    BranchSettingsIn,
    BranchSetup,
    BranchSetupOut,
    StationIn,
    TaxNumberIn,
)
from app.couriers.roster import CourierIn, CourierRow, Roster, TerritoryIn, TerritoryRow
from app.lib.deps import provide
from app.lib.params import MAX_ID
from app.queue.setup import (
    CounterIn,
    CounterOrderIn,
    QueueSetup,
    QueueSetupOut,
    ServiceCode,
    ServiceEdit,
    ServiceIn,
    ServiceOrderIn,
)

AnyRequest = Request[Any, Any, Any]
Setup = NamedDependency[BranchSetup]
Couriers = NamedDependency[Roster]
Queue = NamedDependency[QueueSetup]
CodePath = Annotated[ServiceCode, PathParameter()]
IdPath = Annotated[int, PathParameter(ge=1, le=MAX_ID)]


class BranchAdminController(Controller):
    path = "/api/v1/admin/branches"
    tags = ["admin"]
    guards = [requires_roles("manager")]
    dependencies = {
        "setup": provide(BranchSetup),
        "roster": provide(Roster),
        "queue_setup": provide(QueueSetup),
    }

    @get("/")
    async def list_branches(self, request: AnyRequest, setup: Setup) -> list[BranchSetupOut]:
        return await setup.branches(actor=current_user(request))

    @post("/")
    async def create_branch(
        self, request: AnyRequest, setup: Setup, data: JSONBody[BranchCreate]
    ) -> BranchSetupOut:
        return await setup.create(actor=current_user(request), data=data)

    @get("/{branch_id:int}")
    async def get_branch(self, request: AnyRequest, setup: Setup, branch_id: IdPath) -> BranchSetupOut:
        return await setup.branch(actor=current_user(request), branch_id=branch_id)

    @put("/{branch_id:int}", status_code=HTTP_200_OK)
    async def update_branch(
        self, request: AnyRequest, setup: Setup, branch_id: IdPath, data: JSONBody[BranchSettingsIn]
    ) -> BranchSetupOut:
        return await setup.update(actor=current_user(request), branch_id=branch_id, data=data)

    @post("/{branch_id:int}/tax-numbers", status_code=HTTP_200_OK)
    async def add_tax_number(
        self, request: AnyRequest, setup: Setup, branch_id: IdPath, data: JSONBody[TaxNumberIn]
    ) -> BranchSetupOut:
        return await setup.add_tax_number(actor=current_user(request), branch_id=branch_id, data=data)

    @post("/{branch_id:int}/stations", status_code=HTTP_200_OK)
    async def add_station(
        self, request: AnyRequest, setup: Setup, branch_id: IdPath, data: JSONBody[StationIn]
    ) -> BranchSetupOut:
        return await setup.save_station(
            actor=current_user(request), branch_id=branch_id, station_id=None, data=data
        )

    @put("/{branch_id:int}/stations/{station_id:int}", status_code=HTTP_200_OK)
    async def edit_station(
        self,
        request: AnyRequest,
        setup: Setup,
        branch_id: IdPath,
        station_id: IdPath,
        data: JSONBody[StationIn],
    ) -> BranchSetupOut:
        return await setup.save_station(
            actor=current_user(request), branch_id=branch_id, station_id=station_id, data=data
        )

    @get("/{branch_id:int}/couriers")
    async def list_couriers(
        self, request: AnyRequest, roster: Couriers, branch_id: IdPath
    ) -> list[CourierRow]:
        return await roster.couriers(actor=current_user(request), branch_id=branch_id)

    @post("/{branch_id:int}/couriers")
    async def add_courier(
        self, request: AnyRequest, roster: Couriers, branch_id: IdPath, data: JSONBody[CourierIn]
    ) -> CourierRow:
        return await roster.save_courier(
            actor=current_user(request), branch_id=branch_id, courier_id=None, data=data
        )

    @put("/{branch_id:int}/couriers/{courier_id:int}", status_code=HTTP_200_OK)
    async def edit_courier(
        self,
        request: AnyRequest,
        roster: Couriers,
        branch_id: IdPath,
        courier_id: IdPath,
        data: JSONBody[CourierIn],
    ) -> CourierRow:
        return await roster.save_courier(
            actor=current_user(request), branch_id=branch_id, courier_id=courier_id, data=data
        )

    @get("/{branch_id:int}/queue")
    async def queue(self, request: AnyRequest, queue_setup: Queue, branch_id: IdPath) -> QueueSetupOut:
        return await queue_setup.read(actor=current_user(request), branch_id=branch_id)

    @post("/{branch_id:int}/queue/services", status_code=HTTP_200_OK)
    async def add_queue_service(
        self, request: AnyRequest, queue_setup: Queue, branch_id: IdPath, data: JSONBody[ServiceIn]
    ) -> QueueSetupOut:
        return await queue_setup.add_service(actor=current_user(request), branch_id=branch_id, data=data)

    @put("/{branch_id:int}/queue/services/{code:str}", status_code=HTTP_200_OK)
    async def edit_queue_service(
        self,
        request: AnyRequest,
        queue_setup: Queue,
        branch_id: IdPath,
        code: CodePath,
        data: JSONBody[ServiceEdit],
    ) -> QueueSetupOut:
        return await queue_setup.edit_service(
            actor=current_user(request), branch_id=branch_id, code=code, data=data
        )

    @put("/{branch_id:int}/queue/service-order", status_code=HTTP_200_OK)
    async def order_queue_services(
        self, request: AnyRequest, queue_setup: Queue, branch_id: IdPath, data: JSONBody[ServiceOrderIn]
    ) -> QueueSetupOut:
        return await queue_setup.order_services(actor=current_user(request), branch_id=branch_id, data=data)

    @post("/{branch_id:int}/queue/counters", status_code=HTTP_200_OK)
    async def add_queue_counter(
        self, request: AnyRequest, queue_setup: Queue, branch_id: IdPath, data: JSONBody[CounterIn]
    ) -> QueueSetupOut:
        return await queue_setup.add_counter(actor=current_user(request), branch_id=branch_id, data=data)

    @put("/{branch_id:int}/queue/counters/{counter_id:int}", status_code=HTTP_200_OK)
    async def edit_queue_counter(
        self,
        request: AnyRequest,
        queue_setup: Queue,
        branch_id: IdPath,
        counter_id: IdPath,
        data: JSONBody[CounterIn],
    ) -> QueueSetupOut:
        return await queue_setup.edit_counter(
            actor=current_user(request), branch_id=branch_id, counter_id=counter_id, data=data
        )

    @put("/{branch_id:int}/queue/counter-order", status_code=HTTP_200_OK)
    async def order_queue_counters(
        self, request: AnyRequest, queue_setup: Queue, branch_id: IdPath, data: JSONBody[CounterOrderIn]
    ) -> QueueSetupOut:
        return await queue_setup.order_counters(actor=current_user(request), branch_id=branch_id, data=data)


class TerritoryAdminController(Controller):
    path = "/api/v1/admin/territories"
    tags = ["admin"]
    guards = [requires_roles("manager")]
    dependencies = {"roster": provide(Roster)}

    @get("/")
    async def list_territories(self, roster: Couriers) -> list[TerritoryRow]:
        return await roster.territories()

    @post("/")
    async def add_territory(
        self, request: AnyRequest, roster: Couriers, data: JSONBody[TerritoryIn]
    ) -> TerritoryRow:
        return await roster.save_territory(actor=current_user(request), territory_id=None, data=data)

    @put("/{territory_id:int}", status_code=HTTP_200_OK)
    async def edit_territory(
        self, request: AnyRequest, roster: Couriers, territory_id: IdPath, data: JSONBody[TerritoryIn]
    ) -> TerritoryRow:
        return await roster.save_territory(actor=current_user(request), territory_id=territory_id, data=data)
