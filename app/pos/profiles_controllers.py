"""`/api/v1/pos`: the tills of a branch and the catalog document a till sells from.

- `GET   /api/v1/pos/profiles?branch_id=`          cashier / manager of the branch
- `POST  /api/v1/pos/profiles`                      manager
- `PATCH /api/v1/pos/profiles/{id}`                 manager
- `GET   /api/v1/pos/catalog?branch_id=&pos_profile_id=`  cashier / manager of the branch
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from app.auth.guards import current_user, requires_roles
from app.lib.deps import DbSession, RedisClient, RedisKeys
from app.lib.params import MAX_ID, IdQuery
from app.pos.catalog import PosCatalogService
from app.pos.catalog_schemas import PosCatalogOut
from app.pos.profiles import ProfileService
from app.pos.profiles_schemas import ProfileCreate, ProfileOut, ProfileUpdate

AnyRequest = Request[Any, Any, Any]
Profiles = NamedDependency[ProfileService]
PosCatalog = NamedDependency[PosCatalogService]
IdPath = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
OptionalIdQuery = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]
SELLERS = requires_roles("cashier", "manager")
MANAGERS = requires_roles("manager")


def provide_profiles(db_session: DbSession, redis: RedisClient, keys: RedisKeys) -> ProfileService:
    return ProfileService(db_session, redis, keys)


def provide_pos_catalog(db_session: DbSession, redis: RedisClient, keys: RedisKeys) -> PosCatalogService:
    return PosCatalogService(db_session, redis, keys)


class PosController(Controller):
    path = "/api/v1/pos"
    tags = ["pos"]
    dependencies = {
        "profiles": Provide(provide_profiles, sync_to_thread=False),
        "pos_catalog": Provide(provide_pos_catalog, sync_to_thread=False),
    }

    @get("/profiles", guards=[SELLERS])
    async def list_profiles(
        self, request: AnyRequest, profiles: Profiles, branch_id: IdQuery
    ) -> list[ProfileOut]:
        return await profiles.list(user=current_user(request), branch_id=branch_id)

    @post("/profiles", guards=[MANAGERS], status_code=HTTP_201_CREATED)
    async def create_profile(
        self, request: AnyRequest, profiles: Profiles, data: JSONBody[ProfileCreate]
    ) -> ProfileOut:
        return await profiles.create(data=data, actor=current_user(request))

    @patch("/profiles/{profile_id:int}", guards=[MANAGERS], status_code=HTTP_200_OK)
    async def update_profile(
        self, request: AnyRequest, profiles: Profiles, profile_id: IdPath, data: JSONBody[ProfileUpdate]
    ) -> ProfileOut:
        return await profiles.update(profile_id=profile_id, data=data, actor=current_user(request))

    @get("/catalog", guards=[SELLERS])
    async def catalog(
        self,
        request: AnyRequest,
        pos_catalog: PosCatalog,
        branch_id: IdQuery,
        pos_profile_id: OptionalIdQuery = None,
    ) -> PosCatalogOut:
        """Everything a till needs to sell offline: prices for this branch, barcodes, bundles, stock."""
        return await pos_catalog.document(
            user=current_user(request), branch_id=branch_id, pos_profile_id=pos_profile_id
        )
