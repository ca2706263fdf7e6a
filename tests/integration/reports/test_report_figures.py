"""Every report figure against an independent computation over the generated rows: two branches (one
tax-inclusive in EGP, one tax-exclusive in GBP), discounts, voids, refunds, deliveries, walk-ins; days read
from the rollups and days computed live; a late refund and a late void on a rolled day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import text

from tests.integration.reports.shop import Rows, Shop, make_shop, q
from tests.support.auth import login
from tests.support.factory import Factory


def today_in(branch: Any) -> dt.date:
    return dt.datetime.now(ZoneInfo(branch.timezone)).date()


def figures(body: dict[str, Any]) -> dict[str, Any]:
    return {f["key"]: f["value"] for f in body["figures"]}


def table(body: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return next(t for t in body["tables"] if t["name"] == name)["rows"]


def money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


async def get(http: httpx.AsyncClient, path: str, **params: Any) -> dict[str, Any]:
    response = await http.get(path, params={k: str(v) for k, v in params.items()})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def check_branch(http: httpx.AsyncClient, rows: Rows, branch: Any, shop: Shop) -> None:
    end = today_in(branch)
    start = end - dt.timedelta(days=shop.days)
    span = {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "branch_id": branch.id,
        "currency": branch.currency,
    }
    expected = rows.sales(branch.id, start, end)
    assert expected["orders"] > 100 and expected["cancelled"] > 0 and expected["discount"] > 0

    body = await get(http, "/api/v1/reports/sales", by="channel", compare="true", **span)
    assert body["currency"] == branch.currency and [b["id"] for b in body["branches"]] == [branch.id]
    got = figures(body)
    for key in ("gross", "net", "tax", "discount", "avg_ticket", "refunded_amount"):
        assert money(got[key]) == expected[key], key
    assert (got["orders"], got["cancelled"]) == (expected["orders"], expected["cancelled"])
    assert money(got["items"]) == expected["items"]
    assert {r["key"]: money(r["gross"]) for r in table(body, "by_channel")} == rows.by(
        branch.id, start, end, "channel"
    )
    # Tax-inclusive: gross is net + tax; tax-exclusive: gross is net + tax + delivery charges. Both hold
    # because the delivery charge is untaxed and outside the net.
    delivery = sum(
        (o["delivery_charge"] for o in rows.orders(branch.id, start, end) if o["state"] != "cancelled"),
        Decimal(0),
    )
    assert money(got["gross"]) == money(got["net"]) + money(got["tax"]) + delivery

    body = await get(http, "/api/v1/reports/sales", period="day", **span)
    by_day = rows.by(branch.id, start, end, "business_date")
    assert {r["bucket"]: money(r["gross"]) for r in table(body, "over_time")} == by_day

    body = await get(http, "/api/v1/reports/sales", period="hour", by="product", **span)
    assert {r["bucket"]: money(r["gross"]) for r in table(body, "over_time")} == rows.by_hour(
        branch.id, start, end
    )
    assert {
        r["key"]: (money(r["qty"]), money(r["gross"])) for r in table(body, "by_product")
    } == rows.by_product(branch.id, start, end)

    body = await get(http, "/api/v1/reports/sales", by="tax_rate", **span)
    assert {q(Decimal(r["key"])): money(r["tax"]) for r in table(body, "by_tax_rate")} == rows.tax_by_rate(
        branch.id, start, end
    )

    body = await get(http, "/api/v1/reports/sales", by="payment_method", **span)
    got_methods = {
        r["key"]: {"amount": money(r["amount"]), "refunded_amount": money(r["refunded_amount"])}
        for r in table(body, "by_payment_method")
    }
    assert got_methods == rows.payments_by_method(branch.id, start, end)

    body = await get(http, "/api/v1/reports/kitchen", **span)
    got_kitchen = {
        r["key"]: {"tickets": r["tickets"], "avg_total": money(r["avg_total"]), "late": r["late"]}
        for r in table(body, "stations")
    }
    assert got_kitchen == rows.kitchen(branch.id, start, end)

    body = await get(http, "/api/v1/reports/delivery", **span)
    got_delivery = {
        int(r["key"]): {
            "deliveries": r["deliveries"],
            "avg_duration": money(r["avg_duration"]),
            "late": r["late"],
            "collected": money(r["collected"]),
            "settled": money(r["settled"]),
        }
        for r in table(body, "couriers")
    }
    assert got_delivery == rows.delivery(branch.id, start, end)

    body = await get(http, "/api/v1/reports/queue", **span)
    got_queue = {
        r["label"]: {"tickets": r["tickets"], "avg_wait": r["avg_wait"], "no_shows": r["no_shows"]}
        for r in table(body, "counters")
    }
    assert got_queue == rows.queue(branch.id, start, end)

    body = await get(http, "/api/v1/reports/invoices", **span)
    expected_invoices = rows.invoices(branch.id, start, end)
    assert sum(expected_invoices.values()) > 100 and expected_invoices.get("paid")
    assert {r["status"]: r["invoices"] for r in table(body, "invoices")} == expected_invoices

    body = await get(http, "/api/v1/reports/customers", **span)
    expected_customers = rows.customers(branch.id, start, end)
    names = {c["id"]: c["name"] for c in rows["customers"]}
    top = sorted(expected_customers.items(), key=lambda kv: (-kv[1][0], kv[0]))[:25]
    assert [(r["label"], money(r["gross"]), r["kind"]) for r in table(body, "top_customers")] == [
        (names[c], gross, "New" if new else "Returning") for c, (gross, new) in top
    ]


async def test_every_figure_matches_an_independent_computation(
    client: httpx.AsyncClient, factory: Factory, db_session: Any
) -> None:
    shop = await make_shop(factory, db_session)
    rolled = await db_session.scalar(text("SELECT count(*) FROM report_days WHERE NOT dirty"))
    await db_session.rollback()
    # Most days come from the rollups, the last ones are computed live: both paths are checked.
    assert rolled >= 2 * (shop.days - 2)
    rows = await Rows().load(db_session)
    await login(client, "boss")
    await check_branch(client, rows, shop.inclusive, shop)
    await check_branch(client, rows, shop.exclusive, shop)


async def test_a_late_refund_and_void_dirty_their_day_and_the_report_stays_exact(
    client: httpx.AsyncClient, factory: Factory, db_session: Any
) -> None:
    from app.reports.jobs import roll_due_days

    shop = await make_shop(factory, db_session, days=8, per_day=30)
    branch = shop.inclusive
    old = (
        await db_session.execute(
            text(
                """
                SELECT o.id, o.business_date, p.id AS payment_id, p.amount FROM orders AS o
                JOIN payments AS p ON p.order_id = o.id AND p.status = 'captured' AND p.method = 'card'
                WHERE o.branch_id = :b AND o.business_date < report_live_from() - 2 AND o.state = 'completed'
                ORDER BY o.business_date, o.id LIMIT 2
                """
            ),
            {"b": branch.id},
        )
    ).all()
    (refunded, day, payment_id, amount), (voided, void_day, _, _) = old
    await db_session.execute(
        text(
            """
            INSERT INTO payment_refunds (id, payment_id, order_id, branch_id, amount, reason)
            VALUES (gen_random_uuid(), :p, :o, :b, :a, 'late complaint')
            """
        ),
        {"p": payment_id, "o": refunded, "b": branch.id, "a": amount},
    )
    await db_session.execute(
        text("UPDATE payments SET status = 'refunded', refunded_amount = amount WHERE id = :p"),
        {"p": payment_id},
    )
    await db_session.execute(
        text(
            "UPDATE orders SET paid_total = 0, payment_status = 'refunded', version = version + 1 WHERE id = :o"
        ),
        {"o": refunded},
    )
    # A late void of an old order (a manager correcting the books) moves it out of the day's sales.
    await db_session.execute(
        text("UPDATE orders SET state = 'cancelled', version = version + 1 WHERE id = :o"), {"o": voided}
    )
    await db_session.commit()
    dirty = set(
        (
            await db_session.scalars(
                text("SELECT business_date FROM report_days WHERE dirty AND branch_id = :b"), {"b": branch.id}
            )
        ).all()
    )
    await db_session.rollback()
    assert {day, void_day} <= dirty

    await login(client, "boss")
    end = today_in(branch)
    start = end - dt.timedelta(days=shop.days)
    span = {"from": start.isoformat(), "to": end.isoformat(), "branch_id": branch.id}
    for _ in range(2):
        rows = await Rows().load(db_session)
        expected = rows.sales(branch.id, start, end)
        got = figures(await get(client, "/api/v1/reports/sales", **span))
        assert money(got["gross"]) == expected["gross"] and got["cancelled"] == expected["cancelled"]
        assert money(got["refunded_amount"]) == expected["refunded_amount"]
        by_day = {
            r["bucket"]: money(r["gross"])
            for r in table(await get(client, "/api/v1/reports/sales", **span), "over_time")
        }
        assert by_day == rows.by(branch.id, start, end, "business_date")
        # Then the worker rolls the dirty days again, and the answer does not move.
        counts = await roll_due_days(db_session, limit=100)
        assert counts["days"] >= 1 or _ == 1
    left = await db_session.scalar(text("SELECT count(*) FROM report_days WHERE dirty"))
    await db_session.rollback()
    assert left == 0


async def test_the_dashboard_compares_today_with_the_same_weekday_last_week(
    client: httpx.AsyncClient, factory: Factory, db_session: Any
) -> None:
    shop = await make_shop(factory, db_session, days=9, per_day=30)
    branch = shop.inclusive
    rows = await Rows().load(db_session)
    await login(client, "boss")
    body = await get(client, "/api/v1/reports/dashboard", branch_id=branch.id)
    now = dt.datetime.now(ZoneInfo(branch.timezone))
    week_ago = now.date() - dt.timedelta(days=7)
    before = [
        o
        for o in rows.orders(branch.id, week_ago, week_ago)
        if o["state"] != "cancelled" and rows.local(branch.id, o["created_at"]).hour <= now.hour
    ]
    got = {f["key"]: f for f in body["figures"]}
    # History ends yesterday: today has no sales yet.
    assert money(got["gross"]["value"]) == Decimal("0.00") and got["orders"]["value"] == 0
    assert money(got["gross"]["previous"]) == q(sum((o["total"] for o in before), Decimal(0)))
    assert got["orders"]["previous"] == len(before)
    names = [t["name"] for t in body["tables"]]
    assert names[:5] == [
        "today_by_hour",
        "channels_today",
        "top_products_today",
        "last_28_days",
        "week_shape",
    ]
    heat = table(body, "week_shape")
    assert heat and all(1 <= r["weekday"] <= 7 and 0 <= r["hour"] <= 23 for r in heat)


async def test_currencies_are_never_added_together(
    client: httpx.AsyncClient, factory: Factory, db_session: Any
) -> None:
    shop = await make_shop(factory, db_session, days=3, per_day=10)
    await login(client, "boss")
    body = await get(client, "/api/v1/reports/sales")
    assert body["currency"] == "EGP" and [b["id"] for b in body["branches"]] == [shop.inclusive.id]
    assert body["other_currencies"] == ["GBP"]
    body = await get(client, "/api/v1/reports/sales", currency="GBP")
    assert [b["id"] for b in body["branches"]] == [shop.exclusive.id]
    response = await client.get("/api/v1/reports/sales", params={"currency": "USD"})
    assert response.status_code == 422 and "currency" in response.text


async def test_bad_questions_get_clear_answers(
    client: httpx.AsyncClient, factory: Factory, db_session: Any
) -> None:
    shop = await make_shop(factory, db_session, days=2, per_day=5)
    await login(client, "incboss")
    for params, field in (
        ({"from": "2023-01-01", "to": "2026-01-02"}, "to"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "from"),
        ({"from": "yesterday"}, "from"),
        ({"by": "weather"}, "by"),
        ({"period": "fortnight"}, "period"),
        ({"format": "pdf"}, "format"),
        ({"compare": "maybe"}, "compare"),
        ({"format": "csv", "table": "nope"}, "table"),
    ):
        response = await client.get("/api/v1/reports/sales", params=params)
        assert response.status_code == 422, (params, response.text)
        assert field in response.json()["detail"], response.text
    response = await client.get("/api/v1/reports/sales", params={"branch_id": shop.exclusive.id})
    assert response.status_code == 404
    response = await client.get("/api/v1/reports/dashboard", params={"branch_id": shop.exclusive.id})
    assert response.status_code == 404
    assert (await client.get("/api/v1/reports/weather")).status_code == 404
    await client.post("/api/v1/auth/logout")
    await login(client, "till")
    assert (await client.get("/api/v1/reports/sales")).status_code == 403


async def test_every_table_exports_to_csv_and_the_report_to_xlsx(
    client: httpx.AsyncClient, factory: Factory, db_session: Any
) -> None:
    shop = await make_shop(factory, db_session, days=4, per_day=20)
    await login(client, "boss")
    params = {"branch_id": str(shop.inclusive.id), "by": "channel"}
    body = await get(client, "/api/v1/reports/sales", **params)
    for t in body["tables"]:
        response = await client.get(
            "/api/v1/reports/sales", params=params | {"format": "csv", "table": t["name"]}
        )
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        lines = response.content.decode("utf-8-sig").strip().splitlines()
        assert lines[0].split(",") == [c["label"] for c in t["columns"]]
        assert len(lines) == len(t["rows"]) + 1
    response = await client.get("/api/v1/reports/sales", params=params | {"format": "xlsx"})
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert "attachment" in response.headers["content-disposition"]
