"""`PUT /api/v1/me/language`: a user picks the language of their own screens (or follows the branch)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, put
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK

from app.auth.guards import current_user, requires_login
from app.db.models import User
from app.lib.deps import DbSession
from app.lib.errors import unprocessable
from app.lib.i18n import LANGUAGES, _


class LanguageIn(msgspec.Struct, kw_only=True):
    # None: follow the branch's default.
    language: str | None


class LanguageOut(msgspec.Struct, kw_only=True):
    language: str | None
    languages: list[str]


class LanguageController(Controller):
    path = "/api/v1/me/language"
    tags = ["preferences"]
    guards = [requires_login]

    @put("/", status_code=HTTP_200_OK)
    async def set_language(
        self, request: Request[Any, Any, Any], data: JSONBody[LanguageIn], db_session: DbSession
    ) -> LanguageOut:
        actor = current_user(request)
        if data.language is not None and data.language not in LANGUAGES:
            raise unprocessable("language", _("must be one of %(choices)s", choices=", ".join(LANGUAGES)))
        user = await db_session.get(User, actor.user_id)
        if user is None:
            raise unprocessable("language", _("your account no longer exists"))
        user.language = data.language
        await db_session.commit()
        return LanguageOut(language=data.language, languages=list(LANGUAGES))
