"""Languages: a user picks their own, a manager sets the branch's default language and digits (both
audited); pages and API errors follow; bad input is a 4xx naming the field, never a 500."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.support.auth import login
from tests.support.factory import Factory


@pytest.fixture
async def shop(factory: Factory) -> dict[str, Any]:
    branch = await factory.branch(code="LNG", name="Dokki")
    other = await factory.branch(code="FAR", name="Far away")
    await factory.user("mia", roles=("manager",), branches=(branch,))
    await factory.user("cleo", roles=("cashier",), branches=(branch,))
    await factory.commit()
    return {"branch": branch.id, "other": other.id}


def csrf(client: httpx.AsyncClient) -> dict[str, str]:
    return {"X-CSRF-Token": client.cookies["passline_csrf"]}


async def audit_actions(db_session: Any) -> list[str]:
    from app.db.models import AuditLog

    rows = await db_session.scalars(select(AuditLog.action).order_by(AuditLog.id))
    return list(rows)


async def test_a_manager_sets_the_branch_default_and_pages_follow(
    client: httpx.AsyncClient, shop: dict[str, Any], db_session: Any, asgi_app: Any
) -> None:
    await login(client, "mia")
    home = await client.get("/")
    assert '<html lang="en" dir="ltr">' in home.text
    answer = await client.put(
        f"/api/v1/branches/{shop['branch']}/locale",
        json={"language": "ar", "digits": "arab"},
        headers=csrf(client),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"branch_id": shop["branch"], "language": "ar", "digits": "arab"}
    home = await client.get("/")
    assert '<html lang="ar" dir="rtl">' in home.text and "لوحة الطلبات" in home.text
    assert '"digits":"arab"' in home.text and '"locale":"ar-u-nu-arab"' in home.text
    # Nobody signed in: the shop's first branch speaks for the sign-in page.
    transport = httpx.ASGITransport(app=asgi_app, client=("127.0.0.1", 40001))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as anonymous:
        page = await anonymous.get("/login")
        assert '<html lang="ar" dir="rtl">' in page.text and "تسجيل الدخول" in page.text
        assert '<html lang="en"' in (await anonymous.get("/login?lang=en")).text
    assert "branch.locale_set" in await audit_actions(db_session)


async def test_a_user_picks_their_own_language_over_the_branch(
    client: httpx.AsyncClient, shop: dict[str, Any], db_session: Any
) -> None:
    await login(client, "cleo")
    saved = await client.put("/api/v1/me/language", json={"language": "ar"}, headers=csrf(client))
    assert saved.status_code == 200 and saved.json()["language"] == "ar"
    assert '<html lang="ar" dir="rtl">' in (await client.get("/")).text
    back = await client.put("/api/v1/me/language", json={"language": None}, headers=csrf(client))
    assert back.status_code == 200 and back.json()["language"] is None
    assert '<html lang="en" dir="ltr">' in (await client.get("/")).text
    assert (await audit_actions(db_session)).count("user.language_set") == 2


async def test_bad_language_input_is_a_4xx_naming_the_field(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    await login(client, "mia")
    url = f"/api/v1/branches/{shop['branch']}/locale"
    bad = await client.put(url, json={"language": "fr"}, headers=csrf(client))
    assert bad.status_code == 422 and bad.json()["field"] == "language"
    digits = await client.put(url, json={"language": "ar", "digits": "roman"}, headers=csrf(client))
    assert digits.status_code == 422 and digits.json()["field"] == "digits"
    # The same refusal in the caller's language.
    arabic = await client.put(url, json={"language": "fr"}, headers={**csrf(client), "Accept-Language": "ar"})
    assert arabic.json()["detail"] == "language: يجب أن تكون إحدى القيم: en, ar"
    missing = await client.put(url, json={}, headers=csrf(client))
    assert missing.status_code == 400
    elsewhere = await client.put(
        f"/api/v1/branches/{shop['other']}/locale", json={"language": "ar"}, headers=csrf(client)
    )
    assert elsewhere.status_code == 404
    mine = await client.put("/api/v1/me/language", json={"language": "xx"}, headers=csrf(client))
    assert mine.status_code == 422 and mine.json()["field"] == "language"


async def test_only_managers_set_a_branch_default(client: httpx.AsyncClient, shop: dict[str, Any]) -> None:
    await login(client, "cleo")
    refused = await client.put(
        f"/api/v1/branches/{shop['branch']}/locale", json={"language": "ar"}, headers=csrf(client)
    )
    assert refused.status_code == 403
    # An unknown ?lang= on a page is never an error: the branch's default (English here).
    page = await client.get("/?lang=klingon")
    assert page.status_code == 200 and '<html lang="en"' in page.text


async def test_the_till_and_its_offline_worker_use_the_hashed_urls(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    """The till gets the import map and hashed, long-cached URLs like every page; its service worker
    (pos-sw.js) is served with the list of those same URLs to keep for an offline reload."""
    await login(client, "mia")
    till = await client.get("/pos", follow_redirects=True)
    assert till.status_code in (200, 403, 404), till.text[:300]
    assert 'type="importmap"' in till.text
    assert 'href="/static/' not in till.text and 'src="/static/' not in till.text
    worker = await client.get("/pos-sw.js")
    assert worker.status_code == 200
    shell = worker.text.split("\n", 2)[1]
    assert shell.startswith("self.PASSLINE_SHELL = [")
    # Every file the page links, and the till's modules down its import graph, are kept.
    for url in re.findall(r'(?:href|src)="(/assets/[^"]+)"', till.text):
        if url.endswith((".css", ".js", ".svg")):
            assert f'"{url}"' in shell, url
    for module in ("js/pos.js", "js/pos/pricing.js", "js/shared/money.js", "vendor/big.js/big.mjs"):
        assert f'/{module}"' in shell, module


async def test_converted_screens_follow_the_users_language(
    client: httpx.AsyncClient, shop: dict[str, Any]
) -> None:
    """Every screen is on the layer now (the till was the last): a user who reads Arabic gets each one in
    Arabic, right to left."""
    await login(client, "mia")
    saved = await client.put("/api/v1/me/language", json={"language": "ar"}, headers=csrf(client))
    assert saved.status_code == 200
    for converted in ("/pos", "/kanban", "/admin/shifts", "/admin/courier-cash"):
        page = await client.get(converted, follow_redirects=True)
        assert '<html lang="ar" dir="rtl">' in page.text, converted
    assert '<html lang="ar" dir="rtl">' in (await client.get("/")).text
    assert '<html lang="ar" dir="rtl" data-theme="dark">' in (await client.get("/kds")).text
