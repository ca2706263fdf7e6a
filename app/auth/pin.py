"""`POST /api/v1/auth/pin` — switching who is signed in on a till with a staff PIN.

A till is a shared tablet: the cashier on shift signs in with a password once; colleagues then take over with
their PIN in two seconds. So a PIN is accepted only from a browser that already holds a staff session for
the till (the "paired" till), only for people of that session's branches, and never for an admin (who signs
in with a password and a code). Five wrong PINs lock that person's PIN until a manager sets a new one; the
per-address rate limit keeps anyone from walking through the staff list.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK
from sqlalchemy import or_, select

from app.auth.controllers import _signed_in, client_ip
from app.auth.guards import current_user, requires_roles
from app.auth.schemas import LoginResponse
from app.auth.services import AuthService
from app.db.models import BranchMembership, User
from app.lib import audit, ratelimit
from app.lib.deps import AppSettings, provide
from app.lib.i18n import _
from app.lib.security import verify_password

AnyRequest = Request[Any, Any, Any]
PIN_ATTEMPTS = 5
PIN_SWITCHES_PER_MINUTE = 20
HTTP_423_LOCKED = 423


class PinLoginIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Who (username or employee code) and their PIN."""

    who: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    pin: Annotated[str, msgspec.Meta(min_length=1, max_length=16)]


async def check_pin(
    auth: AuthService, *, request: AnyRequest, data: PinLoginIn
) -> tuple[User, tuple[str, ...]]:
    """The person whose name and PIN these are, for the till's session (its branches, never an admin), with
    their roles; a wrong PIN counts towards the lock (committed), whatever the caller does next."""
    current = current_user(request)
    ip = client_ip(request)
    await ratelimit.enforce(auth.redis, auth.keys, bucket="pin-ip", subject=ip, limit=PIN_SWITCHES_PER_MINUTE)
    who = data.who.strip()
    user = await auth.session.scalar(
        select(User)
        .where(or_(User.username == who.lower(), User.employee_code == who), User.is_active.is_(True))
        .with_for_update()
    )
    shares_branch = False
    if user is not None:
        branches = set(
            await auth.session.scalars(
                select(BranchMembership.branch_id).where(BranchMembership.user_id == user.id)
            )
        )
        shares_branch = current.all_branches or bool(branches & set(current.branch_ids))
    roles = await auth._roles(user.id) if user is not None else ()
    # One argon2 check whatever happens, so an unknown name and a wrong PIN take the same time.
    usable = user is not None and user.pin_hash is not None and shares_branch and "admin" not in roles
    ok = verify_password(user.pin_hash if usable and user is not None else None, data.pin)
    if user is None or not usable:
        raise NotAuthorizedException(detail=_("Wrong name or PIN"))
    if user.pin_locked_at is not None:
        raise HTTPException(
            status_code=HTTP_423_LOCKED,
            detail=_("This PIN is locked after too many wrong tries; a manager sets a new one"),
        )
    if not ok:
        user.pin_failures += 1
        locked = user.pin_failures >= PIN_ATTEMPTS
        if locked:
            user.pin_locked_at = dt.datetime.now(dt.UTC)
        audit.record(
            auth.session,
            action="auth.pin_failed",
            entity_type="user",
            entity_id=user.id,
            data={"ip": ip, "attempt": user.pin_failures, "locked": locked, "till_user": current.user_id},
        )
        await auth.session.commit()
        if locked:
            raise HTTPException(
                status_code=HTTP_423_LOCKED,
                detail=_("Too many wrong PINs: this PIN is locked; a manager sets a new one"),
            )
        raise NotAuthorizedException(
            detail=_("Wrong name or PIN (%(n)s tries left)", n=PIN_ATTEMPTS - user.pin_failures)
        )
    user.pin_failures = 0
    return user, roles


async def switch_by_pin(auth: AuthService, *, request: AnyRequest, data: PinLoginIn) -> Any:
    user, roles = await check_pin(auth, request=request, data=data)
    # The till's previous session ends: one person at a time is signed in on it.
    await auth.sessions.delete(str(request.scope.get("auth") or ""))
    return await auth._open_session(user, roles, client_ip=client_ip(request), second_factor=False)


class PinController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]
    dependencies = {"auth_service": provide(AuthService)}

    @post("/pin", status_code=HTTP_200_OK, guards=[requires_roles("cashier", "manager", "kitchen")])
    async def pin_login(
        self,
        request: AnyRequest,
        data: JSONBody[PinLoginIn],
        auth_service: NamedDependency[AuthService],
        settings: AppSettings,
    ) -> Response[LoginResponse]:
        signed_in = await switch_by_pin(auth_service, request=request, data=data)
        response: Response[LoginResponse] = await _signed_in(signed_in, auth_service, settings)
        return response
