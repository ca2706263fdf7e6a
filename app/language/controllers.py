"""Choosing languages. Thin: the rules and the audit rows are in services.py.

`PUT /api/v1/me/language` — a user's own language (null: follow the branch).
`PUT /api/v1/branches/{branch_id}/locale` — a branch's default language and digits (managers).
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, put
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, PathParameter
from litestar.status_codes import HTTP_200_OK

from app.auth.guards import current_user, requires_login, requires_roles
from app.auth.sessions import SessionStore
from app.language.services import LanguageService
from app.lib.deps import DbSession
from app.lib.i18n import LANGUAGES
from app.lib.runtime import Runtime

BranchPath = Annotated[int, PathParameter(ge=1, le=2**63 - 1)]
Languages = NamedDependency[LanguageService]


class LanguageIn(msgspec.Struct, kw_only=True):
    # None: follow the branch's default.
    language: str | None


class LanguageOut(msgspec.Struct, kw_only=True):
    language: str | None
    languages: list[str]


class BranchLocaleIn(msgspec.Struct, kw_only=True):
    language: str
    digits: str = "latn"


class BranchLocaleOut(msgspec.Struct, kw_only=True):
    branch_id: int
    language: str
    digits: str


def provide_language_service(db_session: DbSession) -> LanguageService:
    return LanguageService(db_session)


class LanguageController(Controller):
    path = "/api/v1"
    tags = ["preferences"]
    guards = [requires_login]
    dependencies = {"language_service": Provide(provide_language_service, sync_to_thread=False)}

    @put("/me/language", status_code=HTTP_200_OK)
    async def set_language(
        self, request: Request[Any, Any, Any], data: JSONBody[LanguageIn], language_service: Languages
    ) -> LanguageOut:
        actor = current_user(request)
        chosen = await language_service.set_user_language(actor=actor, language=data.language)
        # The open sessions carry the language (API calls without Accept-Language are answered in it).
        runtime: Runtime = request.app.state["runtime"]
        await SessionStore(runtime.redis, runtime.keys, ttl_seconds=1).set_language(actor.user_id, chosen)
        return LanguageOut(language=chosen, languages=list(LANGUAGES))

    @put("/branches/{branch_id:int}/locale", status_code=HTTP_200_OK, guards=[requires_roles("manager")])
    async def set_branch_locale(
        self,
        request: Request[Any, Any, Any],
        branch_id: BranchPath,
        data: JSONBody[BranchLocaleIn],
        language_service: Languages,
    ) -> BranchLocaleOut:
        branch = await language_service.set_branch_locale(
            actor=current_user(request), branch_id=branch_id, language=data.language, digits=data.digits
        )
        return BranchLocaleOut(branch_id=branch.id, language=branch.language, digits=branch.digits)
