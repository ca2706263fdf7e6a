"""The time clock and pay rates through the API: one open entry per person, corrections with a reason
(audited), the open-too-long alert raised once, and who may see and set whose rate."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
from sqlalchemy import text

from app.events.stream import read_after
from app.lib.deps import provide_services
from app.staff import clock
from tests.support.auth import login
from tests.support.factory import Factory


async def _audit(session: Any, action: str) -> list[dict[str, Any]]:
    rows = await session.execute(
        text("SELECT data, actor_user_id FROM audit_log WHERE action = :a ORDER BY id"), {"a": action}
    )
    found = [dict(r._mapping) for r in rows]
    await session.commit()  # ends the read; the tests' rows stay loaded (expire_on_commit is off)
    return found


async def test_clock_in_and_out_once_at_a_time(
    client: httpx.AsyncClient, factory: Factory, db_session: Any
) -> None:
    db_session.sync_session.expire_on_commit = False
    main = await factory.branch(code="MAIN")
    mall = await factory.branch(code="MALL")
    other = await factory.branch(code="FAR")
    await factory.user("sara", roles=("cashier",), branches=(main, mall))
    await db_session.commit()
    await login(client, "sara")
    status = (await client.get("/api/v1/clock")).json()
    assert status["open"] is None and {b["id"] for b in status["branches"]} == {main.id, mall.id}
    # Two branches: say which.
    response = await client.post("/api/v1/clock/in", json={})
    assert response.status_code == 422 and response.json()["field"] == "branch_id"
    assert (await client.post("/api/v1/clock/in", json={"branch_id": other.id})).status_code == 404
    assert (await client.post("/api/v1/clock/out")).status_code == 409
    response = await client.post("/api/v1/clock/in", json={"branch_id": mall.id})
    assert response.status_code == 201, response.text
    entry = response.json()
    assert entry["branch_id"] == mall.id and entry["clock_out_at"] is None
    again = await client.post("/api/v1/clock/in", json={"branch_id": main.id})
    assert again.status_code == 409
    assert (await client.get("/api/v1/clock")).json()["open"]["id"] == entry["id"]
    response = await client.post("/api/v1/clock/out")
    assert response.status_code == 200 and response.json()["clock_out_at"] is not None
    assert (await client.get("/api/v1/clock")).json()["open"] is None
    assert [a["data"]["after"]["branch_id"] for a in await _audit(db_session, "clock.in")] == [mall.id]
    assert len(await _audit(db_session, "clock.out")) == 1
    # Bad bodies are named.
    response = await client.post("/api/v1/clock/in", json={"branch_id": "x"})
    assert response.status_code == 400
    response = await client.post("/api/v1/clock/in", json={"branch_id": main.id, "source": "radio"})
    assert response.status_code == 400


async def test_a_manager_corrects_and_closes_entries_and_a_forgotten_one_alerts_once(
    client: httpx.AsyncClient, factory: Factory, db_session: Any, runtime: Any
) -> None:
    db_session.sync_session.expire_on_commit = False
    main = await factory.branch(code="MAIN")
    far = await factory.branch(code="FAR")
    await factory.user("boss", roles=("manager",), branches=(main,))
    sara = await factory.user("sara", roles=("cashier",), branches=(main,))
    owner = await factory.user("owner", roles=("admin",), branches=(main,))
    omar = await factory.user("omar", roles=("cashier",), branches=(far,))
    now = dt.datetime.now(dt.UTC)
    ids = {}
    for name, user, branch, hours_ago in (
        ("forgotten", sara, main, 20),
        ("admin", owner, main, 2),
        ("far", omar, far, 30),
    ):
        ids[name] = await db_session.scalar(
            text(
                "INSERT INTO time_entries (user_id, branch_id, clock_in_at) VALUES (:u, :b, :t) RETURNING id"
            ),
            {"u": user.id, "b": branch.id, "t": now - dt.timedelta(hours=hours_ago)},
        )
    await db_session.commit()

    async with provide_services(runtime) as scope:
        assert await clock.raise_open_alerts(scope) == 2  # sara's 20 h and omar's 30 h, not the admin's 2 h
        assert await clock.raise_open_alerts(scope) == 0
    events = [
        e.data()
        for e in await read_after(runtime.redis, runtime.keys, main.id, "0")
        if e.type == "alert.raised"
    ]
    assert [e["kind"] for e in events] == ["clock_open"]
    assert "clocked in since" in events[0]["message"]

    await login(client, "boss")
    listed = (await client.get("/api/v1/alerts", params={"branch_id": main.id})).json()["items"]
    assert [a["kind"] for a in listed] == ["clock_open"]
    entries = (await client.get("/api/v1/clock/entries", params={"open": "true"})).json()
    # The manager's branch only, and never an admin's entry.
    assert [e["id"] for e in entries] == [ids["forgotten"]]

    url = f"/api/v1/clock/entries/{ids['forgotten']}"
    start = (now - dt.timedelta(hours=20)).isoformat()
    for body, field in (
        (
            {"clock_in_at": start, "clock_out_at": (now - dt.timedelta(hours=21)).isoformat(), "reason": "x"},
            "clock_out_at",
        ),
        (
            {"clock_in_at": start, "clock_out_at": (now + dt.timedelta(hours=2)).isoformat(), "reason": "x"},
            "clock_out_at",
        ),
        (
            {
                "clock_in_at": (now - dt.timedelta(hours=30)).isoformat(),
                "clock_out_at": now.isoformat(),
                "reason": "x",
            },
            "clock_out_at",
        ),
        ({"clock_in_at": start, "clock_out_at": now.isoformat(), "reason": "   "}, "reason"),
        ({"clock_in_at": "2026-01-01T10:00:00", "reason": "x"}, "clock_in_at"),
    ):
        response = await client.put(url, json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["field"] == field
    assert (await client.put(url, json={"clock_in_at": start})).status_code == 400  # no reason
    closed_at = (now - dt.timedelta(hours=12)).isoformat()
    # An earlier shift of Sara's the correction must not run into.
    await db_session.execute(
        text(
            "INSERT INTO time_entries (user_id, branch_id, clock_in_at, clock_out_at) VALUES (:u, :b, :i, :o)"
        ),
        {"u": sara.id, "b": main.id, "i": now - dt.timedelta(hours=28), "o": now - dt.timedelta(hours=21)},
    )
    await db_session.commit()
    response = await client.put(
        url,
        json={
            "clock_in_at": (now - dt.timedelta(hours=22)).isoformat(),
            "clock_out_at": closed_at,
            "reason": "x",
        },
    )
    assert response.status_code == 422 and response.json()["field"] == "clock_in_at", response.text
    response = await client.put(
        url, json={"clock_in_at": start, "clock_out_at": closed_at, "reason": "forgot"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["seconds"] == 8 * 3600 and response.json()["note"] == "forgot"
    fixes = await _audit(db_session, "clock.correct")
    assert fixes[0]["data"]["reason"] == "forgot" and fixes[0]["data"]["before"]["clock_out_at"] is None
    # Another branch's entry and an admin's are not there for this manager.
    for hidden in (ids["far"], ids["admin"]):
        response = await client.put(
            f"/api/v1/clock/entries/{hidden}",
            json={"clock_in_at": start, "clock_out_at": closed_at, "reason": "x"},
        )
        assert response.status_code == 404
    assert (await client.get("/api/v1/clock/entries", params={"branch_id": far.id})).status_code == 404
    # Reopening an entry while the person has another open one is a conflict.
    await client.post("/api/v1/auth/logout")
    await login(client, "sara")
    assert (await client.post("/api/v1/clock/in", json={})).status_code == 201
    await client.post("/api/v1/auth/logout")
    await login(client, "boss")
    response = await client.put(url, json={"clock_in_at": start, "reason": "reopen"})
    assert response.status_code == 409
    # A cashier corrects nothing.
    await client.post("/api/v1/auth/logout")
    await login(client, "sara")
    assert (await client.get("/api/v1/clock/entries")).status_code == 403


async def test_rates_are_set_by_managers_for_their_people_never_for_an_admin(
    client: httpx.AsyncClient, factory: Factory, db_session: Any
) -> None:
    db_session.sync_session.expire_on_commit = False
    main = await factory.branch(code="MAIN")
    far = await factory.branch(code="FAR", currency="GBP")
    await factory.user("boss", roles=("manager",), branches=(main,))
    sara = await factory.user("sara", roles=("cashier",), branches=(main,))
    both = await factory.user("both", roles=("cashier",), branches=(main, far))
    owner = await factory.user("owner", roles=("admin",), branches=(main,))
    await db_session.commit()
    await login(client, "boss")
    url = f"/api/v1/admin/users/{sara.id}/rates"
    assert (await client.get(url)).json() == []
    response = await client.put(url, json={"hourly_rate": "52.50", "effective_from": "2026-01-01"})
    assert response.status_code == 200, response.text
    response = await client.put(url, json={"hourly_rate": "55.00", "effective_from": "2026-01-01"})
    rates = response.json()
    assert [(r["hourly_rate"], r["effective_from"], r["branch_id"]) for r in rates] == [
        ("55.0000", "2026-01-01", None)
    ] or [(r["effective_from"], r["branch_id"]) for r in rates] == [("2026-01-01", None)]
    assert len(rates) == 1 and rates[0]["hourly_rate"].startswith("55")
    response = await client.put(url, json={"hourly_rate": "60", "branch_id": main.id})
    assert response.status_code == 200 and len(response.json()) == 2
    changes = await _audit(db_session, "pay_rate.set")
    assert [(c["data"]["before"], c["data"]["after"]) for c in changes][:2] == [
        (None, "52.50"),
        ("52.5000", "55.00"),
    ]
    for body, status, field in (
        ({"hourly_rate": "-1"}, 422, "hourly_rate"),
        ({"hourly_rate": "12.345", "branch_id": main.id}, 422, "hourly_rate"),
        ({"hourly_rate": "abc"}, 400, None),
        ({"hourly_rate": "10", "branch_id": far.id}, 404, None),
    ):
        response = await client.put(url, json=body)
        assert response.status_code == status, (body, response.text)
        if field:
            assert response.json()["field"] == field
    # Someone who also works where this manager does not manage: only a branch rate.
    response = await client.put(f"/api/v1/admin/users/{both.id}/rates", json={"hourly_rate": "10"})
    assert response.status_code == 422 and response.json()["field"] == "branch_id"
    response = await client.put(
        f"/api/v1/admin/users/{both.id}/rates", json={"hourly_rate": "10", "branch_id": main.id}
    )
    assert response.status_code == 200
    # An admin's rate: not there for a manager, to read or to set.
    assert (await client.get(f"/api/v1/admin/users/{owner.id}/rates")).status_code == 404
    assert (
        await client.put(f"/api/v1/admin/users/{owner.id}/rates", json={"hourly_rate": "1"})
    ).status_code == 404
    await client.post("/api/v1/auth/logout")
    await login(client, "owner")
    response = await client.put(f"/api/v1/admin/users/{owner.id}/rates", json={"hourly_rate": "120"})
    assert response.status_code == 200
    response = await client.put(f"/api/v1/admin/users/{both.id}/rates", json={"hourly_rate": "9.5"})
    assert response.status_code == 200


async def test_a_colleague_clocks_in_and_out_with_their_pin_at_a_signed_in_till(
    client: httpx.AsyncClient, factory: Factory, db_session: Any
) -> None:
    from app.lib.security import hash_password

    db_session.sync_session.expire_on_commit = False
    main = await factory.branch(code="MAIN")
    far = await factory.branch(code="FAR")
    await factory.user("till", roles=("cashier",), branches=(main,))
    omar = await factory.user("omar", roles=("kitchen",), branches=(main, far))
    await factory.user("owner", roles=("admin",), branches=(main,))
    await db_session.execute(
        text("UPDATE users SET pin_hash = :h WHERE username IN ('omar', 'owner')"),
        {"h": hash_password("4321")},
    )
    await db_session.commit()
    await login(client, "till")
    wrong = await client.post("/api/v1/clock/pin", json={"who": "omar", "pin": "0000"})
    assert wrong.status_code == 401
    assert await db_session.scalar(text("SELECT pin_failures FROM users WHERE username = 'omar'")) == 1
    await db_session.commit()
    assert (await client.post("/api/v1/clock/pin", json={"who": "owner", "pin": "4321"})).status_code == 401
    # Omar works at both branches; the till only at MAIN, so that is where he clocks in.
    response = await client.post("/api/v1/clock/pin", json={"who": "omar", "pin": "4321"})
    assert response.status_code == 200, response.text
    entry = response.json()
    assert (entry["user_id"], entry["branch_id"], entry["source"], entry["clock_out_at"]) == (
        omar.id,
        main.id,
        "till",
        None,
    )
    # The till is still the cashier's: nobody was signed out.
    assert (await client.get("/api/v1/clock")).json()["open"] is None
    response = await client.post("/api/v1/clock/pin", json={"who": "omar", "pin": "4321"})
    assert response.status_code == 200 and response.json()["clock_out_at"] is not None
    audits = await _audit(db_session, "clock.in")
    assert audits[0]["actor_user_id"] == omar.id and audits[0]["data"]["till_user_id"] != omar.id
    response = await client.post(
        "/api/v1/clock/pin", json={"who": "omar", "pin": "4321", "branch_id": far.id}
    )
    assert response.status_code == 404  # not the till's branch
