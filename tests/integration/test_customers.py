"""Customer search and creation over HTTP on the demo shop: phone formats, duplicates, territories, roles."""

from __future__ import annotations

from typing import Any

import httpx
import msgspec
import pytest
from litestar.exceptions import HTTPException
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.sessions import SessionUser
from app.customers.schemas import CustomerCreate
from app.customers.services import CustomerService
from app.db.models import AuditLog, Customer, CustomerPhone, Territory, User
from app.demo import DEMO_PASSWORD, seed_demo
from app.demo import _shop as shop
from tests.support.auth import login
from tests.support.factory import Factory

# Demo customer 1: Nour Hassan, +201005550001, one Home address in Maadi.
NOUR_PHONE = "+201005550001"


@pytest.fixture
async def demo(db_session: AsyncSession) -> dict[str, int]:
    """The demo shop; returns territory ids by code."""
    await seed_demo(db_session)
    return dict((await db_session.execute(select(Territory.code, Territory.id))).all())


@pytest.fixture
async def staff(factory: Factory) -> None:
    """One branch and a user per role, without the demo catalog: for tests that never reach the data."""
    branch = await factory.branch()
    for role in ("admin", "manager", "cashier", "kitchen", "courier", "hr"):
        await factory.user(role, roles=(role,), branches=(branch,))
    await factory.commit()


async def as_user(client: httpx.AsyncClient, username: str) -> None:
    await login(client, username, DEMO_PASSWORD)


async def search(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get("/api/v1/customers", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def new_customer(**fields: Any) -> dict[str, Any]:
    return {"name": "Zeinab Fouad", "phones": ["+20 111 222 3333"]} | fields


async def customer_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Customer)) or 0)


# ---------------------------------------------------------------- phone helpers


# ---------------------------------------------------------------- search


async def test_search_by_phone_however_it_is_typed(client: httpx.AsyncClient, demo: dict[str, int]) -> None:
    await as_user(client, "cashier")
    typed_ways = ("+201005550001", "+20 100 555 0001", "0100-555-0001", "(0100) 555.0001", "00201005550001")
    for typed in (*typed_ways, "5550001"):
        body = await search(client, q=typed)
        assert [c["name"] for c in body["items"]] == ["Nour Hassan"], typed
        assert NOUR_PHONE in [p["phone"] for p in body["items"][0]["phones"]]


async def test_an_exact_phone_match_comes_first(client: httpx.AsyncClient, demo: dict[str, int]) -> None:
    await as_user(client, "cashier")
    created = await client.post(
        "/api/v1/customers", json=new_customer(name="Zz Local", phones=["1005550001"])
    )
    assert created.status_code == 201, created.text
    # Nour's +201005550001 contains the digits too, and sorts first by name; the exact number still leads.
    body = await search(client, q="100 555 0001")
    assert [c["name"] for c in body["items"]] == ["Zz Local", "Nour Hassan"]


async def test_search_by_name_or_company_case_insensitively(
    client: httpx.AsyncClient, demo: dict[str, int]
) -> None:
    await as_user(client, "cashier")
    assert [c["name"] for c in (await search(client, q="HASSAN"))["items"]] == ["Nour Hassan"]
    nile = (await search(client, q="nile trad"))["items"]
    assert [(c["name"], c["company_name"], c["tax_number"]) for c in nile] == [
        ("Laila Mahmoud", "Nile Trading Co.", "300-111-203")
    ]
    assert (await search(client, q="%%"))["total"] == 0


async def test_customer_item_shape(client: httpx.AsyncClient, demo: dict[str, int]) -> None:
    await as_user(client, "cashier")
    # Demo customer 20 has two phones and two addresses.
    [bassem] = (await search(client, q="Bassem"))["items"]
    assert bassem["phones"] == [
        {"phone": "+201005550020", "is_primary": True},
        {"phone": "+20227350020", "is_primary": False},
    ]
    home, work = bassem["addresses"]
    assert home == {
        "id": home["id"],
        "label": "Home",
        "address": home["address"],
        "territory_id": demo[shop.CUSTOMERS[19].addresses[0][2]],
        "is_default": True,
    }
    assert (work["label"], work["is_default"]) == ("Work", False)
    assert set(bassem) == {"id", "name", "company_name", "tax_number", "email", "phones", "addresses"}


async def test_customers_are_paged_by_name(client: httpx.AsyncClient, demo: dict[str, int]) -> None:
    await as_user(client, "manager")
    everyone = await search(client, page_size=200)
    assert everyone["total"] == len(shop.CUSTOMERS)
    names = [c["name"] for c in everyone["items"]]
    assert names == sorted(names)
    page = await search(client, page=4, page_size=5)
    assert [c["name"] for c in page["items"]] == names[15:20]
    assert (await search(client, page=5, page_size=5))["items"] == []


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({"q": "a"}, "q"),
        ({"q": " a "}, "q"),
        ({"q": ""}, "q"),
        ({"q": "ab\x00"}, "q"),
        ({"q": "x" * 101}, "q"),
        ({"page": "0"}, "page"),
        ({"page_size": "201"}, "page_size"),
        ({"page_size": "many"}, "page_size"),
    ],
)
async def test_bad_search_parameters_are_a_400_naming_them(
    client: httpx.AsyncClient, staff: None, params: dict[str, str], key: str
) -> None:
    await login(client, "cashier")
    response = await client.get("/api/v1/customers", params=params)
    assert response.status_code == 400, response.text
    assert [e["key"] for e in response.json()["extra"]] == [key]


# ---------------------------------------------------------------- create


async def test_create_customer_normalises_phones_and_is_audited(
    client: httpx.AsyncClient, demo: dict[str, int], db_session: AsyncSession
) -> None:
    await as_user(client, "cashier")
    response = await client.post(
        "/api/v1/customers",
        json=new_customer(
            name="  Zeinab Fouad ",
            phones=["+20 111 222 3333", "0020-2-2222-4444"],
            company_name="Fouad Catering",
            tax_number="300-999-001",
            email="zeinab@example.com",
            addresses=[
                {"label": "Home", "address": "7 Road 9, Maadi", "territory_id": demo["MAA"]},
                {
                    "label": "Shop",
                    "address": "1 Brazil St\nZamalek",
                    "territory_id": demo["ZAM"],
                    "is_default": True,
                },
                {"address": "Pick-up only"},
            ],
        ),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["name"] == "Zeinab Fouad"
    assert body["phones"] == [
        {"phone": "+201112223333", "is_primary": True},
        {"phone": "+20222224444", "is_primary": False},
    ]
    assert [(a["label"], a["territory_id"], a["is_default"]) for a in body["addresses"]] == [
        ("Shop", demo["ZAM"], True),
        ("Home", demo["MAA"], False),
        ("", None, False),
    ]
    assert (body["company_name"], body["tax_number"], body["email"]) == (
        "Fouad Catering",
        "300-999-001",
        "zeinab@example.com",
    )

    # Found again at once by the number as a caller would read it out.
    found = await search(client, q="0111 222 3333")
    assert [c["id"] for c in found["items"]] == [body["id"]]

    cashier_id = await db_session.scalar(select(User.id).where(User.username == "cashier"))
    audit = (await db_session.scalars(select(AuditLog).where(AuditLog.action == "customer.create"))).one()
    assert (audit.entity_type, audit.entity_id, audit.actor_user_id) == (
        "customer",
        str(body["id"]),
        cashier_id,
    )


async def test_first_address_is_the_default_when_none_is_marked(
    client: httpx.AsyncClient, demo: dict[str, int]
) -> None:
    await as_user(client, "manager")
    response = await client.post(
        "/api/v1/customers",
        json=new_customer(addresses=[{"address": "A"}, {"address": "B"}]),
    )
    assert response.status_code == 201, response.text
    assert [(a["address"], a["is_default"]) for a in response.json()["addresses"]] == [
        ("A", True),
        ("B", False),
    ]


async def test_a_phone_already_on_file_is_a_409_naming_its_customer(
    client: httpx.AsyncClient, demo: dict[str, int], db_session: AsyncSession
) -> None:
    await as_user(client, "cashier")
    nour_id = await db_session.scalar(
        select(CustomerPhone.customer_id).where(CustomerPhone.phone == NOUR_PHONE)
    )
    before = await customer_count(db_session)
    response = await client.post(
        "/api/v1/customers", json=new_customer(phones=["+20 111 000 0000", "+20 100 555 0001"])
    )
    assert response.status_code == 409, response.text
    body = response.json()
    assert NOUR_PHONE in body["detail"] and str(nour_id) in body["detail"]
    assert body["extra"] == {"field": "phones[1]", "phone": NOUR_PHONE, "customer_id": nour_id}
    assert await customer_count(db_session) == before


async def test_a_phone_taken_by_another_till_mid_request_is_still_a_409(
    staff: None, runtime: Any, db_session: AsyncSession
) -> None:
    """Two tills add the same caller at once: the loser's unique violation becomes the same 409."""

    class OtherTillWinsTheRace(CustomerService):
        async def _check_territories(self, data: CustomerCreate) -> None:
            # Runs after the duplicate check and before the insert: the other till commits right here.
            async with runtime.sessionmaker() as other:
                other.add(
                    Customer(
                        name="Other Till", phones=[CustomerPhone(phone="+201112223333", is_primary=True)]
                    )
                )
                await other.commit()
            await super()._check_territories(data)

    actor = SessionUser(
        user_id=1,
        username="cashier",
        full_name="C",
        roles=("cashier",),
        branch_ids=(),
        csrf="x",
        created_at=0.0,
    )
    data = msgspec.convert(new_customer(), CustomerCreate)
    async with runtime.sessionmaker() as session:
        with pytest.raises(HTTPException) as refused:
            await OtherTillWinsTheRace(session).create(data=data, actor=actor)
    assert refused.value.status_code == 409
    assert refused.value.extra["phone"] == "+201112223333"
    assert await customer_count(db_session) == 1


@pytest.mark.parametrize("problem", ["unknown", "inactive"])
async def test_an_unknown_or_inactive_territory_is_a_422_naming_territory_id(
    client: httpx.AsyncClient, demo: dict[str, int], db_session: AsyncSession, problem: str
) -> None:
    territory_id = 999_999
    if problem == "inactive":
        territory = await db_session.get(Territory, demo["NCA"])
        assert territory is not None
        territory.active = False
        await db_session.commit()
        territory_id = demo["NCA"]
    await as_user(client, "cashier")
    before = await customer_count(db_session)
    response = await client.post(
        "/api/v1/customers",
        json=new_customer(
            addresses=[
                {"address": "fine", "territory_id": demo["ZAM"]},
                {"address": "far away", "territory_id": territory_id},
            ]
        ),
    )
    assert response.status_code == 422, response.text
    assert "addresses[1].territory_id" in response.json()["detail"]
    assert [e["key"] for e in response.json()["extra"]] == ["addresses[1].territory_id"]
    assert await customer_count(db_session) == before


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ({"phones": ["+201112223333"]}, "name"),
        (new_customer(name=""), "name"),
        (new_customer(name="   "), "name"),
        (new_customer(name="x" * 201), "name"),
        (new_customer(name=42), "name"),
        (new_customer(phones=[]), "phones"),
        (new_customer(phones=[f"+2011122233{n:02d}" for n in range(6)]), "phones"),
        (new_customer(phones=["call me"]), "phones[0]"),
        (new_customer(phones=["123"]), "phones[0]"),
        (new_customer(phones=["+20111", "+20 111"]), "phones[1]"),
        (new_customer(email="not-an-email"), "email"),
        (new_customer(colour="blue"), "colour"),
        (new_customer(addresses=[{"address": " "}]), "addresses[0].address"),
        (new_customer(addresses=[{"address": "a", "floor": 3}]), "floor"),
        (new_customer(addresses=[{"address": "a", "territory_id": "ZAM"}]), "territory_id"),
        (new_customer(addresses=[{"address": "a", "territory_id": 2**70}]), "territory_id"),
        (
            new_customer(
                addresses=[{"address": "a", "is_default": True}, {"address": "b", "is_default": True}]
            ),
            "addresses",
        ),
        ([], "object"),
    ],
)
async def test_bad_bodies_are_a_400_naming_the_field(
    client: httpx.AsyncClient, staff: None, db_session: AsyncSession, body: Any, names: str
) -> None:
    await login(client, "cashier")
    before = await customer_count(db_session)
    response = await client.post("/api/v1/customers", json=body)
    assert response.status_code == 400, response.text
    assert names in response.text
    assert await customer_count(db_session) == before


async def test_malformed_json_is_a_400(client: httpx.AsyncClient, staff: None) -> None:
    await login(client, "cashier")
    response = await client.post(
        "/api/v1/customers", content=b'{"name": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400


# ---------------------------------------------------------------- who may


@pytest.mark.parametrize("username", ["kitchen", "courier", "hr"])
async def test_staff_who_do_not_serve_customers_are_refused(
    client: httpx.AsyncClient, staff: None, db_session: AsyncSession, username: str
) -> None:
    await login(client, username)
    assert (await client.get("/api/v1/customers", params={"q": "Nour"})).status_code == 403
    before = await customer_count(db_session)
    assert (await client.post("/api/v1/customers", json=new_customer())).status_code == 403
    assert await customer_count(db_session) == before


@pytest.mark.parametrize("username", ["cashier", "manager", "admin"])
async def test_cashiers_managers_and_admins_may(
    client: httpx.AsyncClient, staff: None, username: str
) -> None:
    await login(client, username)
    assert (await client.post("/api/v1/customers", json=new_customer())).status_code == 201
    assert (await search(client, q="Zeinab"))["total"] == 1


async def test_customers_need_a_login(client: httpx.AsyncClient, staff: None) -> None:
    assert (await client.get("/api/v1/customers", params={"q": "Nour"})).status_code == 401
    assert (await client.post("/api/v1/customers", json=new_customer())).status_code == 401
