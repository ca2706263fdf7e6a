"""Alerts and state limits for managers: thin; the rules are in AlertService.

- `GET  /api/v1/alerts?branch_id=&open=true|false`
- `POST /api/v1/alerts/{id}/ack`
- `GET|PUT /api/v1/branches/{id}/state-limits`  (PUT body: {"received": 600, "preparing": 1200, …})
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK

from app.alerts.schemas import AlertOut, AlertPage, StateLimitsOut
from app.alerts.services import AlertService
from app.auth.guards import current_user, requires_login, requires_roles
from app.lib.deps import provide

AnyRequest = Request[Any, Any, Any]
Alerts = NamedDependency[AlertService]
MAX_ID = 2**63 - 1
# Bounded so an id past bigint is a 400, never an overflow inside the database driver.
IdPath = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
# Admins pass every role guard (SessionUser.has_role).
MANAGERS = requires_roles("manager")
_DEPS = {"alert_service": provide(AlertService)}


class AlertController(Controller):
    path = "/api/v1/alerts"
    tags = ["alerts"]
    guards = [requires_login, MANAGERS]
    dependencies = _DEPS

    @get("/")
    async def list_alerts(
        self,
        request: AnyRequest,
        alert_service: Alerts,
        branch_id: Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)] = None,
        open_only: Annotated[bool | None, QueryParameter(name="open")] = None,
    ) -> AlertPage:
        return await alert_service.list_alerts(
            actor=current_user(request), branch_id=branch_id, open_only=open_only
        )

    @post("/{alert_id:int}/ack", status_code=HTTP_200_OK)
    async def acknowledge(self, request: AnyRequest, alert_id: IdPath, alert_service: Alerts) -> AlertOut:
        return await alert_service.acknowledge(alert_id=alert_id, actor=current_user(request))


class StateLimitController(Controller):
    path = "/api/v1/branches"
    tags = ["alerts"]
    guards = [requires_login, MANAGERS]
    dependencies = _DEPS

    @get("/{branch_id:int}/state-limits")
    async def get_limits(
        self, request: AnyRequest, branch_id: IdPath, alert_service: Alerts
    ) -> StateLimitsOut:
        return await alert_service.get_limits(branch_id=branch_id, actor=current_user(request))

    @put("/{branch_id:int}/state-limits", status_code=HTTP_200_OK)
    async def set_limits(
        self,
        request: AnyRequest,
        branch_id: IdPath,
        # Checked in the service, key by key, so a wrong state or value is a 422 naming that state.
        data: JSONBody[dict[str, Any]],
        alert_service: Alerts,
    ) -> StateLimitsOut:
        return await alert_service.set_limits(branch_id=branch_id, limits=data, actor=current_user(request))
