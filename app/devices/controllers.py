"""`/api/v1/devices`: pairing for displays (public, rate limited) and approval/revocation for managers."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from app.auth.controllers import client_ip
from app.auth.devices import REFUSALS, current_device, device_refusal
from app.auth.guards import current_user, requires_roles
from app.auth.middleware import CSRF_EXEMPT_OPT
from app.devices.schemas import ApproveIn, DeviceMe, DeviceOut, PairOut, PairStatusOut
from app.devices.services import DeviceService, device_me
from app.lib.deps import provide
from app.lib.i18n import _
from app.lib.params import MAX_ID

AnyRequest = Request[Any, Any, Any]
Devices = NamedDependency[DeviceService]
MANAGERS = requires_roles("manager")
PairingSecret = Annotated[str, HeaderParameter(name="x-pairing-secret", max_length=100)]
BranchQuery = Annotated[int | None, QueryParameter(name="branch_id", ge=1, le=MAX_ID)]


class DeviceController(Controller):
    path = "/api/v1/devices"
    tags = ["devices"]
    dependencies = {"devices": provide(DeviceService)}

    # Public: a display has nothing to authenticate with yet. CSRF-exempt because it acts on no one's
    # session (a manager's browser opening /pair must not need one either).
    @post("/pair", status_code=HTTP_201_CREATED, opt={CSRF_EXEMPT_OPT: True})
    async def pair(self, request: AnyRequest, devices: Devices) -> PairOut:
        return await devices.pair(client_ip=client_ip(request))

    @get("/{device_id:uuid}/status")
    async def pairing_status(
        self, request: AnyRequest, devices: Devices, device_id: FromPath[uuid.UUID], secret: PairingSecret
    ) -> PairStatusOut:
        """Poll until `approved`; that answer carries the device token, once. Needs X-Pairing-Secret."""
        return await devices.status(device_id=device_id, secret=secret, client_ip=client_ip(request))

    @get("/me")
    async def me(self, request: AnyRequest) -> DeviceMe:
        """The display holding the `Authorization: Device` token: its branch, role and screen."""
        refusal = device_refusal(request)
        device = current_device(request)
        if device is None:
            detail = (
                REFUSALS[refusal]
                if refusal
                else _("Send this display's token: Authorization: Device <token>")
            )
            raise NotAuthorizedException(detail=detail)
        return device_me(device)

    @post("/approve", guards=[MANAGERS], status_code=HTTP_200_OK)
    async def approve(self, request: AnyRequest, devices: Devices, data: JSONBody[ApproveIn]) -> DeviceOut:
        return await devices.approve(request=data, actor=current_user(request))

    @get("/", guards=[MANAGERS])
    async def list_devices(
        self, request: AnyRequest, devices: Devices, branch_id: BranchQuery = None
    ) -> list[DeviceOut]:
        return await devices.list_devices(actor=current_user(request), branch_id=branch_id)

    @post("/{device_id:uuid}/revoke", guards=[MANAGERS], status_code=HTTP_200_OK)
    async def revoke(
        self, request: AnyRequest, devices: Devices, device_id: FromPath[uuid.UUID]
    ) -> DeviceOut:
        return await devices.revoke(device_id=device_id, actor=current_user(request))
