"""A request's language: `?lang=`, the user's own choice, the branch's default, the browser's
Accept-Language, English — the first one we speak. An unknown code is skipped, never an error.

Pages read the user's choice and the branch's settings fresh (one small query; pages are not the hot
path). API calls are: our screens send the page's language in Accept-Language, which is used as it is with
no query at all, so the order loop pays nothing; a client that sends no Accept-Language gets its user's own
language (carried in the session, no query either), else the source language (English); one that asks for
a language we do not speak gets the branch's default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec
from litestar import Request
from litestar.exceptions import NotFoundException
from sqlalchemy import select

from app.auth.devices import DevicePrincipal
from app.auth.guards import ensure_branch_visible
from app.auth.sessions import SessionUser
from app.db.models import Branch, User
from app.lib import audit
from app.lib.errors import unprocessable
from app.lib.i18n import (
    DIGITS,
    LANGUAGES,
    SOURCE_LANGUAGE,
    _,
    from_accept_language,
    negotiate,
    normalize,
    set_language,
    text_direction,
)
from app.lib.runtime import Runtime

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

SCOPE_KEY = "passline_locale"
# Paths that render no text: no language needed.
_NO_TEXT = ("/assets/", "/static/", "/vendor/", "/favicon", "/metrics", "/health")


class PageLocale(msgspec.Struct, frozen=True, kw_only=True):
    """What a page and its scripts format with: see UI_PRIMER.md (page data)."""

    lang: str
    dir: str
    # A BCP 47 tag for Intl, with the branch's digits: "ar-u-nu-arab", "en-u-nu-latn".
    locale: str
    digits: str
    currency: str
    timezone: str
    branch_id: int | None


@dataclass(frozen=True, slots=True)
class _BranchDefaults:
    id: int
    language: str
    digits: str
    currency: str
    timezone: str
    active: bool


async def _lookup(runtime: Runtime, user_id: int | None) -> tuple[dict[int, _BranchDefaults], str | None]:
    async with runtime.sessionmaker() as session:
        rows = await session.execute(
            select(Branch.id, Branch.language, Branch.digits, Branch.currency, Branch.timezone, Branch.active)
        )
        branches = {row.id: _BranchDefaults(*row) for row in rows}
        own = None
        if user_id is not None:
            own = await session.scalar(select(User.language).where(User.id == user_id))
    return branches, own


def _branch_hint(request: Request[Any, Any, Any]) -> int | None:
    raw = (
        request.query_params.get("branch")
        or request.path_params.get("branch_id")
        or request.path_params.get("branch")
    )
    try:
        return int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None


def _pick_branch(
    branches: dict[int, _BranchDefaults],
    user: SessionUser | None,
    device: DevicePrincipal | None,
    hint: int | None,
) -> _BranchDefaults | None:
    if device is not None:
        return branches.get(device.branch_id)
    if user is not None:
        if hint is not None and user.can_see_branch(hint) and hint in branches:
            return branches[hint]
        mine = [b for b in sorted(branches) if user.can_see_branch(b) and branches[b].active]
        return branches[mine[0]] if mine else None
    if hint is not None and hint in branches:
        return branches[hint]
    # Nobody signed in (the sign-in page, a display before pairing): the shop's first branch speaks for it.
    active = [b for b in sorted(branches) if branches[b].active]
    return branches[active[0]] if active else None


def _api_language(request: Request[Any, Any, Any], user: SessionUser | None) -> str | None:
    """An API call's language from Accept-Language (else the signed-in user's own choice) with no query;
    None when it asks for one we do not speak."""
    header = request.headers.get("accept-language")
    if not header:
        return normalize(user.language if user is not None else None) or SOURCE_LANGUAGE
    return from_accept_language(header)


async def resolve_request_locale(request: Request[Any, Any, Any]) -> PageLocale:
    """The locale of this request (computed once, kept in the scope)."""
    found = request.scope.get(SCOPE_KEY)
    if isinstance(found, PageLocale):
        return found
    user = request.scope.get("user")
    user = user if isinstance(user, SessionUser) else None
    asked = normalize(request.query_params.get("lang"))
    if request.url.path.startswith("/api/"):
        quick = asked or _api_language(request, user)
        if quick is not None:
            set_language(quick)
            return _remember(request, _plain(quick))
    runtime: Runtime = request.app.state["runtime"]
    device = request.scope.get("device")
    device = device if isinstance(device, DevicePrincipal) else None
    branches, own = await _lookup(runtime, user.user_id if user is not None else None)
    branch = _pick_branch(branches, user, device, _branch_hint(request))
    if branch is None:
        # No shop to speak for (a fresh install): the browser's language, else English.
        browser = from_accept_language(request.headers.get("accept-language"))
        lang = negotiate(asked, own, browser)
        return _remember(request, _plain(lang))
    lang = negotiate(asked, own, default=branch.language)
    locale = PageLocale(
        lang=lang,
        dir=text_direction(lang),
        locale=f"{lang}-u-nu-{branch.digits}",
        digits=branch.digits,
        currency=branch.currency,
        timezone=branch.timezone,
        branch_id=branch.id,
    )
    return _remember(request, locale)


def _plain(lang: str) -> PageLocale:
    return PageLocale(
        lang=lang,
        dir=text_direction(lang),
        locale=f"{lang}-u-nu-latn",
        digits="latn",
        currency="EGP",
        timezone="UTC",
        branch_id=None,
    )


def _remember(request: Request[Any, Any, Any], locale: PageLocale) -> PageLocale:
    request.scope[SCOPE_KEY] = locale  # type: ignore[literal-required]  # our own scope key
    set_language(locale.lang)
    return locale


async def language_hook(request: Request[Any, Any, Any]) -> None:
    """Litestar `before_request`: every handler, template and error message sees the request's language."""
    if not request.url.path.startswith(_NO_TEXT):
        await resolve_request_locale(request)


class LanguageService:
    """Choosing languages: a user's own, a branch's default language and digits. Both audited."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def set_user_language(self, *, actor: SessionUser, language: str | None) -> str | None:
        if language is not None and language not in LANGUAGES:
            raise unprocessable("language", _("must be one of %(choices)s", choices=", ".join(LANGUAGES)))
        user = await self.session.get(User, actor.user_id)
        if user is None:
            raise unprocessable("language", _("your account no longer exists"))
        audit.record(
            self.session,
            action="user.language_set",
            entity_type="user",
            entity_id=user.id,
            actor_user_id=actor.user_id,
            data={"from": user.language, "to": language},
        )
        user.language = language
        await self.session.commit()
        return language

    async def set_branch_locale(
        self, *, actor: SessionUser, branch_id: int, language: str, digits: str
    ) -> Branch:
        ensure_branch_visible(actor, branch_id, what="Branch")
        if language not in LANGUAGES:
            raise unprocessable("language", _("must be one of %(choices)s", choices=", ".join(LANGUAGES)))
        if digits not in DIGITS:
            raise unprocessable("digits", _("must be one of %(choices)s", choices=", ".join(DIGITS)))
        branch = await self.session.get(Branch, branch_id)
        if branch is None:
            raise NotFoundException(detail=_("Branch not found"))
        audit.record(
            self.session,
            action="branch.locale_set",
            entity_type="branch",
            entity_id=branch.id,
            actor_user_id=actor.user_id,
            branch_id=branch.id,
            data={"from": [branch.language, branch.digits], "to": [language, digits]},
        )
        branch.language, branch.digits = language, digits
        await self.session.commit()
        return branch
