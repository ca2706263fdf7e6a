"""Menu-depth endpoints (thin; the rules are in MenuService):

- `GET  /api/v1/menu?branch_id=`                      the admin page's document (manager)
- `PUT  /api/v1/menu/groups`                          save a modifier group with its options (manager)
- `PUT  /api/v1/menu/products/{id}`                   a product's groups, allergens, prep times (manager)
- `GET  /api/v1/menu/allergens`                       the 14 EU allergens
- `GET|POST|DELETE /api/v1/menu/branches/{id}/unavailable`   the 86 list: managers, kitchen staff and a
  paired station display (its own branch) may 86 an item or an option and bring it back
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from app.auth.devices import QUEUE_TV, STATION, DevicePrincipal, current_viewer, ensure_viewer_sees_branch
from app.auth.guards import current_user, ensure_branch_visible, requires_login, requires_roles
from app.lib.deps import provide
from app.lib.params import MAX_ID
from app.menu.schemas import (
    AllergenOut,
    GroupIn,
    GroupOut,
    MenuOverview,
    PacingIn,
    PacingOut,
    PauseIn,
    PauseOut,
    ProductMenuIn,
    ProductMenuOut,
    StationItem,
    UnavailableIn,
    UnavailableOut,
)
from app.menu.services import MenuService

AnyRequest = Request[Any, Any, Any]
Menu = NamedDependency[MenuService]
IdPath = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
IdQuery = Annotated[int, QueryParameter(ge=1, le=MAX_ID)]
StationPath = Annotated[str, PathParameter(max_length=64)]
# Who may 86 from a station screen: kitchen staff and managers (admins pass every role check).
EIGHTY_SIX_ROLES = ("kitchen", "manager")


def _who_86s(request: AnyRequest, branch_id: int) -> tuple[int | None, str]:
    """(the user id, the source): a paired station display or a member of staff who sees the branch."""
    viewer = current_viewer(request, device_roles=(STATION,), staff_roles=EIGHTY_SIX_ROLES)
    ensure_viewer_sees_branch(viewer, branch_id, what="Branch")
    if isinstance(viewer, DevicePrincipal):
        return None, "kds"
    return viewer.user_id, "kds" if not viewer.has_role("manager") else "admin"


class MenuController(Controller):
    path = "/api/v1/menu"
    tags = ["menu"]
    dependencies = {"menu": provide(MenuService)}

    @get("", guards=[requires_roles("manager")])
    async def overview(self, request: AnyRequest, menu: Menu, branch_id: IdQuery) -> MenuOverview:
        ensure_branch_visible(current_user(request), branch_id, what="Branch")
        return await menu.overview(branch_id=branch_id)

    @get("/allergens", guards=[requires_login])
    async def allergens(self, menu: Menu) -> list[AllergenOut]:
        return await menu.allergens()

    @put("/groups", guards=[requires_roles("manager")], status_code=HTTP_200_OK)
    async def put_group(self, request: AnyRequest, menu: Menu, data: JSONBody[GroupIn]) -> GroupOut:
        return await menu.put_group(data=data, actor=current_user(request).user_id)

    @put("/products/{product_id:int}", guards=[requires_roles("manager")], status_code=HTTP_200_OK)
    async def set_product(
        self, request: AnyRequest, menu: Menu, product_id: IdPath, data: JSONBody[ProductMenuIn]
    ) -> ProductMenuOut:
        return await menu.set_product_menu(
            product_id=product_id, data=data, actor=current_user(request).user_id
        )

    @get("/branches/{branch_id:int}/unavailable")
    async def unavailable(self, request: AnyRequest, menu: Menu, branch_id: IdPath) -> list[UnavailableOut]:
        viewer = current_viewer(request, device_roles=(STATION,))
        ensure_viewer_sees_branch(viewer, branch_id, what="Branch")
        return await menu.unavailable(branch_id=branch_id)

    @get("/branches/{branch_id:int}/stations/{station:str}/items")
    async def station_items(
        self, request: AnyRequest, menu: Menu, branch_id: IdPath, station: StationPath
    ) -> list[StationItem]:
        """The station screen's 86 board."""
        _who_86s(request, branch_id)
        return await menu.station_items(branch_id=branch_id, station=station)

    @put(
        "/branches/{branch_id:int}/pacing/{station:str}",
        guards=[requires_roles("manager")],
        status_code=HTTP_200_OK,
    )
    async def set_pacing(
        self,
        request: AnyRequest,
        menu: Menu,
        branch_id: IdPath,
        station: StationPath,
        data: JSONBody[PacingIn],
    ) -> PacingOut:
        user = current_user(request)
        ensure_branch_visible(user, branch_id, what="Branch")
        return await menu.set_pacing(branch_id=branch_id, station=station, data=data, actor=user.user_id)

    @get("/branches/{branch_id:int}/quotes")
    async def quotes(self, request: AnyRequest, menu: Menu, branch_id: IdPath) -> dict[str, dt.datetime]:
        """Quoted ready times by order id: the queue TV shows them under the tokens being prepared."""
        viewer = current_viewer(request, device_roles=(QUEUE_TV,))
        ensure_viewer_sees_branch(viewer, branch_id, what="Branch")
        return await menu.quotes(branch_id=branch_id)

    @get("/branches/{branch_id:int}/pauses", guards=[requires_login])
    async def pauses(self, request: AnyRequest, menu: Menu, branch_id: IdPath) -> list[PauseOut]:
        ensure_branch_visible(current_user(request), branch_id, what="Branch")
        return await menu.pauses(branch_id=branch_id)

    @post("/branches/{branch_id:int}/pauses", guards=[requires_roles("manager")], status_code=HTTP_200_OK)
    async def pause(
        self, request: AnyRequest, menu: Menu, branch_id: IdPath, data: JSONBody[PauseIn]
    ) -> PauseOut:
        user = current_user(request)
        ensure_branch_visible(user, branch_id, what="Branch")
        return await menu.pause(branch_id=branch_id, data=data, actor=user.user_id)

    @delete(
        "/branches/{branch_id:int}/pauses/{channel:str}",
        guards=[requires_roles("manager")],
        status_code=HTTP_204_NO_CONTENT,
    )
    async def unpause(self, request: AnyRequest, menu: Menu, branch_id: IdPath, channel: StationPath) -> None:
        user = current_user(request)
        ensure_branch_visible(user, branch_id, what="Branch")
        await menu.unpause(branch_id=branch_id, channel=channel, actor=user.user_id)

    @post("/branches/{branch_id:int}/unavailable", status_code=HTTP_200_OK)
    async def eighty_six(
        self, request: AnyRequest, menu: Menu, branch_id: IdPath, data: JSONBody[UnavailableIn]
    ) -> UnavailableOut:
        actor, source = _who_86s(request, branch_id)
        return await menu.mark_unavailable(branch_id=branch_id, data=data, actor=actor, source=source)

    @delete("/branches/{branch_id:int}/unavailable", status_code=HTTP_204_NO_CONTENT)
    async def back(
        self,
        request: AnyRequest,
        menu: Menu,
        branch_id: IdPath,
        product_id: Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)] = None,
        option_id: Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)] = None,
    ) -> None:
        actor, source = _who_86s(request, branch_id)
        await menu.mark_available(
            branch_id=branch_id, product_id=product_id, option_id=option_id, actor=actor, source=source
        )
