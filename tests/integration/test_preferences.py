"""Per-user preferences: own only, key and value checks, size limit, upsert."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.auth import login
from tests.support.factory import Factory

FILTERS = {"branches": [1, 2], "channel": "delivery", "courier": None, "search": "nile", "slot": "late"}


@pytest.fixture
async def users(factory: Factory) -> None:
    branch = await factory.branch()
    await factory.user("mia", roles=("manager",), branches=(branch,))
    await factory.user("max", roles=("manager",), branches=(branch,))
    await factory.user("cody", roles=("courier",), branches=(branch,))
    await factory.commit()


def url(key: str) -> str:
    return f"/api/v1/me/preferences/{key}"


async def test_a_user_stores_and_reads_back_their_own_preference(
    client: httpx.AsyncClient, users: None
) -> None:
    await login(client, "mia")
    unset = await client.get(url("kanban.filters"))
    assert unset.status_code == 200
    assert unset.json() == {"key": "kanban.filters", "value": {}, "updated_at": None}
    saved = await client.put(url("kanban.filters"), json=FILTERS)
    assert saved.status_code == 200, saved.text
    assert saved.json()["value"] == FILTERS and saved.json()["updated_at"] is not None
    assert (await client.get(url("kanban.filters"))).json()["value"] == FILTERS
    # PUT replaces the whole object.
    replaced = await client.put(url("kanban.filters"), json={"channel": "pickup"})
    assert replaced.json()["value"] == {"channel": "pickup"}
    assert replaced.json()["updated_at"] >= saved.json()["updated_at"]
    assert (await client.get(url("kanban.filters"))).json()["value"] == {"channel": "pickup"}

    # Another user has their own, and cannot reach mia's: there is no user in the path.
    await login(client, "max")
    assert (await client.get(url("kanban.filters"))).json()["value"] == {}
    assert (await client.put(url("kanban.filters"), json={"channel": "counter"})).status_code == 200
    await login(client, "mia")
    assert (await client.get(url("kanban.filters"))).json()["value"] == {"channel": "pickup"}
    # Any logged-in role has preferences.
    await login(client, "cody")
    assert (await client.put(url("courier.map"), json={"zoom": 14})).status_code == 200


@pytest.mark.parametrize("key", ["Kanban", "kanban filters", "k" * 65, "ключ", "semi;colon"])
async def test_bad_keys_are_422(client: httpx.AsyncClient, users: None, key: str) -> None:
    await login(client, "mia")
    for response in (await client.get(url(key)), await client.put(url(key), json={})):
        assert response.status_code == 422, (key, response.text)
        assert response.json()["field"] == "key"


@pytest.mark.parametrize("value", [[1, 2], "text", 3, True])
async def test_a_value_must_be_an_object(client: httpx.AsyncClient, users: None, value: Any) -> None:
    await login(client, "mia")
    response = await client.put(url("kanban.filters"), json=value)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "value"


async def test_a_missing_body_is_400(client: httpx.AsyncClient, users: None) -> None:
    await login(client, "mia")
    # JSON `null` is no body at all to Litestar, which names the missing body itself.
    response = await client.put(url("kanban.filters"), json=None)
    assert response.status_code == 400, response.text


async def test_size_limit_and_what_jsonb_cannot_hold(client: httpx.AsyncClient, users: None) -> None:
    await login(client, "mia")
    at_limit = {"s": "x" * (16 * 1024 - len('{"s":""}'))}
    assert (await client.put(url("big"), json=at_limit)).status_code == 200
    over = {"s": "x" * (16 * 1024)}
    too_big = await client.put(url("big"), json=over)
    assert too_big.status_code == 413, too_big.text
    assert too_big.json()["field"] == "value"
    assert (await client.get(url("big"))).json()["value"] == at_limit  # the old value stays
    nul = await client.put(url("nul"), json={"name": "a\u0000b"})
    # Refused before the handler, naming the path inside the body (app/lib/request.py).
    assert nul.status_code == 422 and nul.json()["field"] == "name"
    garbage = await client.put(url("bad"), content=b"{not json", headers={"Content-Type": "application/json"})
    assert garbage.status_code == 400


async def test_login_and_csrf_are_required(client: httpx.AsyncClient, users: None) -> None:
    assert (await client.get(url("kanban.filters"))).status_code == 401
    assert (await client.put(url("kanban.filters"), json={})).status_code == 401
    await login(client, "mia")
    del client.headers["X-CSRF-Token"]
    assert (await client.put(url("kanban.filters"), json={})).status_code == 403
