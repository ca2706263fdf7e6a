"""`/api/v1/admin` — people, for managers (their branches' staff) and admins (everyone):

- `GET/POST /users`, `GET/PUT /users/{id}`; `POST /users/{id}/deactivate|activate|password|totp-reset`,
  `PUT /users/{id}/pin` — anything that changes what a person may do ends their sessions at once
- `GET /permissions`, `GET/POST /roles`, `PUT /roles/{id}` — custom roles (defined by admins)
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK

from app.auth.guards import current_user, requires_roles
from app.lib.deps import provide
from app.lib.params import DEFAULT_PAGE_SIZE, MAX_ID, PageQuery, PageRequest, PageSizeQuery, SearchQuery
from app.staff.people import PeopleService
from app.staff.people_schemas import (
    CustomRoleIn,
    CustomRoleOut,
    PasswordIn,
    PeoplePage,
    PermissionOut,
    PersonOut,
    PinIn,
    SessionsEnded,
    UserEdit,
    UserIn,
)

AnyRequest = Request[Any, Any, Any]
People = NamedDependency[PeopleService]
IdPath = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
OptionalId = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]
RoleQuery = Annotated[str | None, QueryParameter(max_length=20)]


class PeopleAdminController(Controller):
    path = "/api/v1/admin"
    tags = ["admin"]
    guards = [requires_roles("manager")]
    dependencies = {"people": provide(PeopleService)}

    @get("/users")
    async def list_users(
        self,
        *,
        request: AnyRequest,
        people: People,
        q: SearchQuery = None,
        branch_id: OptionalId = None,
        role: RoleQuery = None,
        active: FromQuery[bool | None] = None,
        page: PageQuery = 1,
        page_size: PageSizeQuery = DEFAULT_PAGE_SIZE,
    ) -> PeoplePage:
        return await people.people(
            actor=current_user(request),
            q=q,
            branch_id=branch_id,
            role=role,
            active=active,
            page=PageRequest(page=page, page_size=page_size),
        )

    @post("/users")
    async def create_user(self, request: AnyRequest, people: People, data: JSONBody[UserIn]) -> PersonOut:
        return await people.create(actor=current_user(request), data=data)

    @get("/users/{user_id:int}")
    async def get_user(self, request: AnyRequest, people: People, user_id: IdPath) -> PersonOut:
        return await people.person(actor=current_user(request), user_id=user_id)

    @put("/users/{user_id:int}", status_code=HTTP_200_OK)
    async def edit_user(
        self, request: AnyRequest, people: People, user_id: IdPath, data: JSONBody[UserEdit]
    ) -> SessionsEnded:
        return await people.edit(actor=current_user(request), user_id=user_id, data=data)

    @post("/users/{user_id:int}/deactivate", status_code=HTTP_200_OK)
    async def deactivate(self, request: AnyRequest, people: People, user_id: IdPath) -> SessionsEnded:
        return await people.set_active(actor=current_user(request), user_id=user_id, active=False)

    @post("/users/{user_id:int}/activate", status_code=HTTP_200_OK)
    async def activate(self, request: AnyRequest, people: People, user_id: IdPath) -> SessionsEnded:
        return await people.set_active(actor=current_user(request), user_id=user_id, active=True)

    @post("/users/{user_id:int}/password", status_code=HTTP_200_OK)
    async def reset_password(
        self, request: AnyRequest, people: People, user_id: IdPath, data: JSONBody[PasswordIn]
    ) -> SessionsEnded:
        return await people.reset_password(actor=current_user(request), user_id=user_id, data=data)

    @post("/users/{user_id:int}/totp-reset", status_code=HTTP_200_OK)
    async def reset_totp(self, request: AnyRequest, people: People, user_id: IdPath) -> SessionsEnded:
        return await people.reset_totp(actor=current_user(request), user_id=user_id)

    @put("/users/{user_id:int}/pin", status_code=HTTP_200_OK)
    async def set_pin(
        self, request: AnyRequest, people: People, user_id: IdPath, data: JSONBody[PinIn]
    ) -> PersonOut:
        return await people.set_pin(actor=current_user(request), user_id=user_id, data=data)

    @get("/permissions")
    async def permissions(self, people: People) -> list[PermissionOut]:
        return people.permissions()

    @get("/roles")
    async def roles(self, people: People) -> list[CustomRoleOut]:
        return await people.custom_roles()

    @post("/roles")
    async def create_role(
        self, request: AnyRequest, people: People, data: JSONBody[CustomRoleIn]
    ) -> CustomRoleOut:
        return await people.save_custom_role(actor=current_user(request), role_id=None, data=data)

    @put("/roles/{role_id:int}", status_code=HTTP_200_OK)
    async def edit_role(
        self, request: AnyRequest, people: People, role_id: IdPath, data: JSONBody[CustomRoleIn]
    ) -> CustomRoleOut:
        return await people.save_custom_role(actor=current_user(request), role_id=role_id, data=data)
