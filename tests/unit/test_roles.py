"""Role guards: admin passes every guard, others only their own."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException

from app.auth.guards import requires_roles
from app.auth.sessions import SessionUser


class FakeConnection:
    def __init__(self, user: SessionUser | None) -> None:
        self.scope: dict[str, Any] = {"user": user}


def _user(*roles: str) -> SessionUser:
    return SessionUser(
        user_id=1, username="u", full_name="U", roles=roles, branch_ids=(1,), csrf="c", created_at=0.0
    )


@pytest.mark.parametrize(
    ("roles", "allowed"),
    [(("manager",), True), (("admin",), True), (("cashier",), False), (("courier", "hr"), False)],
)
async def test_requires_roles(roles: tuple[str, ...], allowed: bool) -> None:
    guard = requires_roles("manager")
    connection: Any = FakeConnection(_user(*roles))
    if allowed:
        await guard(connection, None)  # type: ignore[arg-type]
    else:
        with pytest.raises(PermissionDeniedException, match="manager"):
            await guard(connection, None)  # type: ignore[arg-type]


async def test_anonymous_is_401_not_403() -> None:
    with pytest.raises(NotAuthorizedException):
        await requires_roles("cashier")(FakeConnection(None), None)  # type: ignore[arg-type]


def test_unknown_role_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown roles"):
        requires_roles("chef")
