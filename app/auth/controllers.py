from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK

from app.auth.guards import current_user, requires_login
from app.auth.middleware import CSRF_EXEMPT_OPT
from app.auth.origin import json_from_same_origin
from app.auth.schemas import LoginRequest, LoginResponse, Me, TotpChallenge, TotpLoginRequest
from app.auth.services import AuthService
from app.auth.sessions import SessionUser
from app.lib.deps import AppSettings, provide
from app.settings import Settings

AnyRequest = Request[Any, Any, Any]


def client_ip(request: AnyRequest) -> str:
    return request.client.host if request.client is not None else "unknown"


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]
    dependencies = {"auth_service": provide(AuthService)}

    @post("/login", status_code=HTTP_200_OK, opt={CSRF_EXEMPT_OPT: True}, guards=[json_from_same_origin])
    async def login(
        self,
        request: AnyRequest,
        data: JSONBody[LoginRequest],
        auth_service: NamedDependency[AuthService],
        settings: AppSettings,
    ) -> Response[LoginResponse | TotpChallenge]:
        outcome = await auth_service.login(
            username=data.username, password=data.password, client_ip=client_ip(request)
        )
        if isinstance(outcome, TotpChallenge):
            return Response(outcome)
        return await _signed_in(outcome, auth_service, settings)

    @post("/login/totp", status_code=HTTP_200_OK, opt={CSRF_EXEMPT_OPT: True}, guards=[json_from_same_origin])
    async def login_totp(
        self,
        request: AnyRequest,
        data: JSONBody[TotpLoginRequest],
        auth_service: NamedDependency[AuthService],
        settings: AppSettings,
    ) -> Response[LoginResponse]:
        signed_in = await auth_service.login_totp(
            challenge=data.challenge, code=data.code, client_ip=client_ip(request)
        )
        return await _signed_in(signed_in, auth_service, settings)

    @post("/logout", status_code=HTTP_200_OK, guards=[requires_login])
    async def logout(
        self, request: AnyRequest, auth_service: NamedDependency[AuthService], settings: AppSettings
    ) -> Response[dict[str, bool]]:
        await auth_service.logout(token=str(request.scope.get("auth") or ""), user=current_user(request))
        security = settings.security
        return Response(
            {"logged_out": True},
            cookies=[
                Cookie(key=security.session_cookie, value="", max_age=0, path="/", httponly=True),
                Cookie(key=security.csrf_cookie, value="", max_age=0, path="/"),
            ],
        )

    @get("/me", guards=[requires_login])
    async def me(self, request: AnyRequest, auth_service: NamedDependency[AuthService]) -> Me:
        return await auth_service.me(current_user(request))


async def _signed_in(
    signed_in: tuple[str, SessionUser], auth_service: AuthService, settings: Settings
) -> Response[Any]:
    token, user = signed_in
    security = settings.security
    return Response(
        LoginResponse(user=await auth_service.me(user), csrf_token=user.csrf),
        cookies=[
            Cookie(
                key=security.session_cookie,
                value=token,
                max_age=security.session_ttl_seconds,
                httponly=True,
                samesite="lax",
                secure=security.cookie_secure,
                path="/",
            ),
            # Readable by page scripts on purpose: they echo it in the X-CSRF-Token header.
            Cookie(
                key=security.csrf_cookie,
                value=user.csrf,
                max_age=security.session_ttl_seconds,
                httponly=False,
                samesite="strict",
                secure=security.cookie_secure,
                path="/",
            ),
        ],
    )
