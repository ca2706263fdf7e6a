"""The demo shop: exact contents, valid barcodes, working logins, and idempotence."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import (
    Branch,
    BranchMembership,
    BranchTaxNumber,
    BundleGroup,
    BundleItem,
    Category,
    Courier,
    Customer,
    CustomerAddress,
    CustomerPhone,
    CustomerPrice,
    PosProfile,
    Product,
    ProductPrice,
    ProductStock,
    ProductUnit,
    Station,
    Territory,
    User,
    UserRole,
)
from app.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo
from app.demo import _shop as shop
from app.lib.security import hash_password, verify_password
from tests.support.barcodes import is_ean13

EXPECTED_ROLES = {
    "admin": ({"admin"}, {"DT", "RS"}),
    "manager": ({"manager"}, {"DT", "RS"}),
    "cashier": ({"cashier"}, {"DT"}),
    "kitchen": ({"kitchen"}, {"DT"}),
    "hr": ({"hr"}, {"DT", "RS"}),
    **{f"courier{n}": ({"courier"}, {"DT" if n <= 3 else "RS"}) for n in range(1, 7)},
}


async def count(session: AsyncSession, model: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def table_counts(session: AsyncSession) -> dict[str, int]:
    models = (
        Branch, BranchTaxNumber, Station, Category, Product, ProductUnit, ProductPrice, CustomerPrice,
        Territory, Customer, CustomerPhone, CustomerAddress, Courier, User, UserRole, BranchMembership,
        PosProfile, BundleGroup, BundleItem, ProductStock,
    )  # fmt: skip
    return {model.__tablename__: await count(session, model) for model in models}


async def roles_of(session: AsyncSession, user_id: int) -> set[str]:
    return set(await session.scalars(select(UserRole.role).where(UserRole.user_id == user_id)))


async def test_seed_creates_the_demo_shop_once(db_session: AsyncSession) -> None:
    first = await seed_demo(db_session)
    assert first.created
    # 240 menu items and one combo meal (a bundle).
    assert first.products == 241
    after_first = await table_counts(db_session)

    second = await seed_demo(db_session)
    assert not second.created
    assert all(getattr(second, field) == 0 for field in second.__struct_fields__ if field != "created")
    assert await table_counts(db_session) == after_first

    assert after_first["branches"] == 2
    assert after_first["branch_tax_numbers"] == 4
    assert after_first["stations"] == 8
    assert after_first["categories"] == 10
    assert after_first["products"] == 241
    assert after_first["territories"] == 3
    assert after_first["customers"] == 20
    assert after_first["couriers"] == 6
    assert after_first["users"] == 11
    assert after_first["pos_profiles"] == 2
    assert (after_first["bundle_groups"], after_first["bundle_items"]) == (2, 6)
    tracked = sum(p.stock_tracked for p in shop.PRODUCTS)
    assert after_first["product_stock"] == 2 * tracked > 0


async def test_branches_cover_both_tax_modes_and_change_tax_number_mid_year(db_session: AsyncSession) -> None:
    await seed_demo(db_session)
    branches = {b.code: b for b in await db_session.scalars(select(Branch))}
    assert set(branches) == {"DT", "RS"}
    assert {b.currency for b in branches.values()} == {"EGP"}
    assert {b.currency_exponent for b in branches.values()} == {2}
    assert {b.prices_include_tax for b in branches.values()} == {True, False}
    assert branches["DT"].prices_include_tax
    assert branches["DT"].cash_rounding == Decimal("0.50")
    assert branches["RS"].cash_rounding == 0
    assert branches["DT"].timezone != branches["RS"].timezone

    year = dt.datetime.now(dt.UTC).year
    for branch in branches.values():
        rows = (
            await db_session.scalars(
                select(BranchTaxNumber)
                .where(BranchTaxNumber.branch_id == branch.id)
                .order_by(BranchTaxNumber.valid_from)
            )
        ).all()
        assert [r.valid_from for r in rows] == [dt.date(year, 1, 1), dt.date(year, 7, 1)]
        assert rows[0].tax_number != rows[1].tax_number
        stations = set(await db_session.scalars(select(Station.code).where(Station.branch_id == branch.id)))
        assert stations == {"grill", "fryer", "drinks", "cold"}


async def test_catalog_barcodes_units_and_prices(db_session: AsyncSession) -> None:
    await seed_demo(db_session)
    products = (await db_session.scalars(select(Product))).all()
    assert len(products) == 241
    assert len({p.sku for p in products}) == 241
    assert [p.sku for p in products if p.kind == "bundle"] == ["CMB-001"]

    unit_barcodes = [b for b in await db_session.scalars(select(ProductUnit.barcode)) if b is not None]
    barcodes = [p.barcode for p in products] + unit_barcodes
    assert [b for b in barcodes if b is None or not is_ean13(b)] == []
    assert len(set(barcodes)) == len(barcodes)
    assert unit_barcodes, "packaged products should carry their own barcode"

    assert {p.base_unit for p in products} == {"piece", "kg"}
    assert {p.tax_rate for p in products} == {Decimal(0), Decimal(5), Decimal(14)}
    assert {p.station_code for p in products} == {"grill", "fryer", "drinks", "cold"}
    assert 0 < sum(p.stock_tracked for p in products) < 240

    units = (await db_session.scalars(select(ProductUnit))).all()
    by_product: dict[int, dict[str, Decimal]] = {}
    for unit in units:
        by_product.setdefault(unit.product_id, {})[unit.unit] = unit.factor
    for product in products:
        assert by_product[product.id][product.base_unit] == 1
    assert {f for u in by_product.values() for name, f in u.items() if name == "package"} == {6, 12}

    prices: dict[tuple[int, str, str, int | None], Decimal] = {
        (p.product_id, p.price_list, p.unit, p.branch_id): p.price
        for p in await db_session.scalars(select(ProductPrice))
    }
    for product in products:
        for unit in by_product[product.id]:
            counter = prices[(product.id, "counter", unit, None)]
            wholesale = prices[(product.id, "wholesale", unit, None)]
            assert 0 < wholesale < counter
            assert counter == counter.quantize(Decimal("0.01"))
    assert any(branch_id is not None for (_, _, _, branch_id) in prices)
    assert await count(db_session, CustomerPrice) > 0


async def test_customers_territories_and_couriers(db_session: AsyncSession) -> None:
    await seed_demo(db_session)
    territories = (await db_session.scalars(select(Territory))).all()
    assert len(territories) == 3
    assert any(t.courier_fee > t.delivery_charge for t in territories)

    customers = (await db_session.scalars(select(Customer))).all()
    assert len(customers) == 20
    assert any(c.company_name and c.tax_number for c in customers)
    primaries = await count(db_session, select(CustomerPhone).where(CustomerPhone.is_primary).subquery())
    assert primaries == 20
    defaults = (await db_session.scalars(select(CustomerAddress).where(CustomerAddress.is_default))).all()
    assert len(defaults) == 20
    assert all(a.territory_id is not None for a in defaults)

    couriers = (await db_session.scalars(select(Courier))).all()
    branch_codes = {b.id: b.code for b in await db_session.scalars(select(Branch))}
    usernames = {u.id: u.username for u in await db_session.scalars(select(User))}
    assert sorted((usernames[c.user_id], branch_codes[c.branch_id]) for c in couriers if c.user_id) == [
        (f"courier{n}", "DT" if n <= 3 else "RS") for n in range(1, 7)
    ]


async def test_demo_users_have_their_roles_branches_and_password(db_session: AsyncSession) -> None:
    await seed_demo(db_session)
    assert dict(DEMO_USERS).keys() == EXPECTED_ROLES.keys()
    users = {u.username: u for u in await db_session.scalars(select(User))}
    assert users.keys() == EXPECTED_ROLES.keys()
    branch_codes = {b.id: b.code for b in await db_session.scalars(select(Branch))}
    for username, (roles, branches) in EXPECTED_ROLES.items():
        user = users[username]
        assert set(dict(DEMO_USERS)[username]) == roles
        assert await roles_of(db_session, user.id) == roles
        memberships = await db_session.scalars(
            select(BranchMembership.branch_id).where(BranchMembership.user_id == user.id)
        )
        assert {branch_codes[b] for b in memberships} == branches
    assert verify_password(users["admin"].password_hash, DEMO_PASSWORD)
    assert verify_password(users["courier6"].password_hash, DEMO_PASSWORD)
    assert not verify_password(users["admin"].password_hash, "wrong")


async def test_seed_keeps_an_existing_admin_untouched(db_session: AsyncSession) -> None:
    # `passline create-admin` may run before the first seed; the seed must not reset that password.
    db_session.add(User(username="admin", password_hash=hash_password("my own secret")))
    await db_session.commit()

    report = await seed_demo(db_session)
    assert report.created
    assert report.users == 10
    admin = await db_session.scalar(select(User).where(User.username == "admin"))
    assert admin is not None
    await db_session.refresh(admin)
    assert verify_password(admin.password_hash, "my own secret")
    assert await roles_of(db_session, admin.id) == {"admin"}
