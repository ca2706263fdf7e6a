"""`GET|PUT /api/v1/me/preferences/{key}`: the logged-in user's own screen settings. Thin."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK

from app.auth.guards import current_user, requires_login
from app.lib.deps import DbSession
from app.preferences.schemas import PreferenceOut
from app.preferences.services import PreferenceService

AnyRequest = Request[Any, Any, Any]
Preferences = NamedDependency[PreferenceService]
# Checked in the service, so a bad key is a 422 naming `key` whatever is wrong with it.
KeyPath = FromPath[str]


def provide_preference_service(db_session: DbSession) -> PreferenceService:
    return PreferenceService(db_session)


class PreferenceController(Controller):
    path = "/api/v1/me/preferences"
    tags = ["preferences"]
    guards = [requires_login]
    dependencies = {"preference_service": Provide(provide_preference_service, sync_to_thread=False)}

    @get("/{key:str}")
    async def get_preference(
        self, request: AnyRequest, key: KeyPath, preference_service: Preferences
    ) -> PreferenceOut:
        return await preference_service.get(key=key, actor=current_user(request))

    @put("/{key:str}", status_code=HTTP_200_OK)
    async def put_preference(
        self,
        request: AnyRequest,
        key: KeyPath,
        # Any JSON: the service says "must be a JSON object" (422) rather than a decoder's 400.
        data: JSONBody[Any],
        preference_service: Preferences,
    ) -> PreferenceOut:
        return await preference_service.put(key=key, value=data, actor=current_user(request))
