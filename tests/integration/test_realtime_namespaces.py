"""Who may connect to which namespace, and which rooms they get (a real uvicorn server)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.factory import Factory
from tests.support.live import LiveServer
from tests.support.realtime import make_shop
from tests.support.sockets import LiveClient, RefusedError, connect, session_cookie

NAMESPACES = ("/kanban", "/pos", "/kds", "/queue", "/courier")


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    return await make_shop(factory)


async def refusal(
    clients: list[LiveClient],
    server: LiveServer,
    namespace: str,
    user: str | None,
    auth: Any = None,
    *,
    cookie: str | None = None,
) -> dict[str, Any]:
    with pytest.raises(RefusedError) as refused:
        await connect(clients, server, namespace, user, auth, cookie=cookie)
    reason: dict[str, Any] = refused.value.reason
    return reason


@pytest.mark.parametrize("namespace", NAMESPACES)
async def test_anonymous_connects_are_refused(
    live_server: LiveServer, shop: dict[str, Any], clients: list[LiveClient], namespace: str
) -> None:
    reason = await refusal(clients, live_server, namespace, None)
    assert reason == {"message": "unauthorized: log in first", "data": {"code": "unauthorized"}}


@pytest.mark.parametrize(
    ("namespace", "user"),
    [("/kanban", "cass"), ("/kanban", "kit"), ("/pos", "kit"), ("/kds", "cass"), ("/courier", "cass")],
)
async def test_wrong_roles_are_refused(
    live_server: LiveServer, shop: dict[str, Any], clients: list[LiveClient], namespace: str, user: str
) -> None:
    reason = await refusal(clients, live_server, namespace, user)
    assert reason["message"].startswith("forbidden: needs one of ")
    assert reason["data"] == {"code": "forbidden"}


@pytest.mark.parametrize(
    ("namespace", "user", "auth", "code"),
    [
        # Another branch is answered like a branch that does not exist.
        ("/kanban", "mia", {"branch_id": "other"}, "unknown_branch"),
        ("/pos", "cass", {"branch_ids": ["other", "branch"]}, "unknown_branch"),
        ("/queue", "cass", {"branch_id": "other"}, "unknown_branch"),
        ("/queue", "cass", {"branch_id": 999}, "unknown_branch"),
        ("/kds", "kit", {"branch_id": "other"}, "unknown_branch"),
        ("/kds", "kit", {"station": "fryer"}, "unknown_station"),
        ("/courier", "cody", {"courier_id": "cleo"}, "forbidden"),
        ("/courier", "mia", {}, "bad_request"),
        ("/courier", "otto", {"courier_id": "cody"}, "unknown_courier"),
        ("/courier", "mia", {"courier_id": 999}, "unknown_courier"),
        ("/kanban", "mia", {"branch_id": "1"}, "bad_request"),
        ("/kanban", "mia", "not an object", "bad_request"),
    ],
)
async def test_branch_station_and_courier_scoping(
    live_server: LiveServer,
    shop: dict[str, Any],
    clients: list[LiveClient],
    namespace: str,
    user: str,
    auth: Any,
    code: str,
) -> None:
    if isinstance(auth, dict):
        # Fixture ids are only known at run time: names in the table stand for them.
        auth = {k: shop.get(v, v) if isinstance(v, str) and k != "station" else v for k, v in auth.items()}
        if "branch_ids" in auth:
            auth["branch_ids"] = [shop[name] for name in auth["branch_ids"]]
    reason = await refusal(clients, live_server, namespace, user, auth)
    assert reason["data"] == {"code": code}, reason
    assert reason["message"].startswith(f"{code}: ")


async def test_rooms_per_audience(
    live_server: LiveServer, shop: dict[str, Any], clients: list[LiveClient]
) -> None:
    branch = shop["branch"]

    async def rooms(namespace: str, user: str, auth: dict[str, Any] | None = None) -> list[str]:
        client = await connect(clients, live_server, namespace, user, auth)
        assert client.hello["user"] == user
        return list(client.hello["rooms"])

    assert await rooms("/kanban", "mia") == [f"branch:{branch}"]
    assert await rooms("/pos", "cass") == [f"branch:{branch}"]
    assert await rooms("/queue", "hal") == [f"branch:{branch}"]  # any staff login, for now
    assert await rooms("/kds", "kit") == [f"station:{branch}:bar", f"station:{branch}:grill", f"kds:{branch}"]
    assert await rooms("/kds", "kit", {"stations": ["grill"], "branch_id": branch}) == [
        f"station:{branch}:grill",
        f"kds:{branch}",
    ]
    assert await rooms("/courier", "cody") == [f"courier:{shop['cody']}"]
    assert await rooms("/courier", "mia", {"courier_id": shop["cody"]}) == [f"courier:{shop['cody']}"]


async def test_an_admin_follows_every_active_branch(
    live_server: LiveServer, factory: Factory, clients: list[LiveClient]
) -> None:
    one = await factory.branch(code="A1")
    two = await factory.branch(code="A2")
    three = await factory.branch(code="A3", active=False)
    await factory.user("ada", roles=("admin",))
    await factory.commit()
    # One signed-in admin (a second factor each sign-in) opening several sockets.
    cookie = await session_cookie(live_server, "ada")
    admin = await connect(clients, live_server, "/kanban", "ada", cookie=cookie)
    assert admin.hello == {"user": "ada", "rooms": [f"branch:{one.id}", f"branch:{two.id}"]}
    # Several branches: the TV must pick one.
    queue = await refusal(clients, live_server, "/queue", "ada", cookie=cookie)
    assert queue["data"] == {"code": "bad_request"}
    tv = await connect(clients, live_server, "/queue", "ada", {"branch_id": two.id}, cookie=cookie)
    assert tv.hello["rooms"] == [f"branch:{two.id}"]
    # An admin may name an inactive branch explicitly.
    old = await connect(clients, live_server, "/kanban", "ada", {"branch_id": three.id}, cookie=cookie)
    assert old.hello["rooms"] == [f"branch:{three.id}"]
