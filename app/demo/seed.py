"""`seed_demo`: create the demo shop (DESIGN §9 "seeds a demo shop") idempotently.

Every row is keyed by a natural key (branch code, username, sku, territory code, a customer's primary
phone, …) and inserted with ON CONFLICT DO NOTHING, so a second run inserts nothing and rows that already
exist, e.g. an `admin` made earlier with `passline create-admin`, are left exactly as they are (their
password included). Bulk inserts, one transaction, one commit.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import msgspec
from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

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
from app.demo import _shop
from app.demo._menu_depth import seed_menu_depth
from app.lib.security import hash_password

# Serialises concurrent seeders (two processes of `passline run` starting together) so that the
# customers, which have no unique column of their own, are not inserted twice. "demoshop" in ASCII.
_SEED_LOCK_KEY = 0x6465_6D6F_7368_6F70


class SeedReport(msgspec.Struct, kw_only=True):
    """Rows inserted by this call; all zero (and `created` false) when the demo shop was already there."""

    created: bool
    branches: int = 0
    tax_numbers: int = 0
    stations: int = 0
    users: int = 0
    user_roles: int = 0
    memberships: int = 0
    categories: int = 0
    products: int = 0
    product_units: int = 0
    product_prices: int = 0
    customer_prices: int = 0
    territories: int = 0
    customers: int = 0
    customer_phones: int = 0
    customer_addresses: int = 0
    couriers: int = 0
    bundle_groups: int = 0
    bundle_items: int = 0
    product_stock: int = 0
    pos_profiles: int = 0


async def seed_demo(session: AsyncSession) -> SeedReport:
    """Create whatever part of the demo shop is missing and commit. Safe to run any number of times."""
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SEED_LOCK_KEY})
    counts: dict[str, int] = {}

    branch_ids = await _seed_branches(session, counts)
    await _seed_stations(session, counts, branch_ids)
    await _seed_catalog(session, counts, branch_ids)
    territory_ids = await _seed_territories(session, counts)
    customer_ids = await _seed_customers(session, counts, territory_ids)
    await _seed_customer_prices(session, counts, customer_ids)
    user_ids = await _seed_users(session, counts, branch_ids)
    await _seed_couriers(session, counts, branch_ids, user_ids)
    await _seed_pos(session, counts, branch_ids)
    await seed_menu_depth(session)

    await session.commit()
    return SeedReport(created=any(counts.values()), **counts)


async def _insert(
    session: AsyncSession,
    model: type[Any],
    rows: Sequence[Mapping[str, Any]],
    returning: InstrumentedAttribute[Any],
) -> int:
    """Insert rows, skipping any that collide with an existing unique key; returns how many went in."""
    if not rows:
        return 0
    stmt = insert(model).on_conflict_do_nothing().returning(returning)
    result = await session.execute(stmt, list(rows))
    return len(result.all())


async def _ids_by(
    session: AsyncSession,
    key: InstrumentedAttribute[Any],
    id_column: InstrumentedAttribute[Any],
    keys: Iterable[Any],
) -> dict[Any, int]:
    rows = await session.execute(select(key, id_column).where(key.in_(list(keys))))
    return {row[0]: row[1] for row in rows}


async def _seed_branches(session: AsyncSession, counts: dict[str, int]) -> dict[str, int]:
    rows = [
        {
            "code": b.code,
            "name": b.name,
            "timezone": b.timezone,
            "currency": _shop.CURRENCY,
            "currency_exponent": _shop.CURRENCY_EXPONENT,
            "prices_include_tax": b.prices_include_tax,
            "cash_rounding": b.cash_rounding,
            "address": b.address,
            "phone": b.phone,
            "country": b.country,
        }
        for b in _shop.BRANCHES
    ]
    counts["branches"] = await _insert(session, Branch, rows, Branch.id)
    branch_ids = await _ids_by(session, Branch.code, Branch.id, (b.code for b in _shop.BRANCHES))

    # Only branches with no tax numbers get the demo pair: keyed on valid_from alone, a run in a new
    # calendar year would add another pair to a shop that already has its numbers.
    numbered = set(
        await session.scalars(
            select(BranchTaxNumber.branch_id).where(BranchTaxNumber.branch_id.in_(branch_ids.values()))
        )
    )
    first_half, second_half = _shop.tax_number_dates(dt.datetime.now(dt.UTC).year)
    tax_rows = [
        {"branch_id": branch_ids[b.code], "tax_number": number, "valid_from": valid_from}
        for b in _shop.BRANCHES
        if branch_ids[b.code] not in numbered
        for number, valid_from in ((b.tax_number_h1, first_half), (b.tax_number_h2, second_half))
    ]
    counts["tax_numbers"] = await _insert(session, BranchTaxNumber, tax_rows, BranchTaxNumber.id)
    return branch_ids


async def _seed_stations(session: AsyncSession, counts: dict[str, int], branch_ids: dict[str, int]) -> None:
    rows = [
        {
            "branch_id": branch_id,
            "code": code,
            "name": name,
            "warn_after_seconds": warn,
            "late_after_seconds": late,
            "sort_order": order,
        }
        for branch_id in branch_ids.values()
        for order, (code, name, warn, late) in enumerate(_shop.STATIONS)
    ]
    counts["stations"] = await _insert(session, Station, rows, Station.id)


async def _seed_catalog(session: AsyncSession, counts: dict[str, int], branch_ids: dict[str, int]) -> None:
    category_rows = [
        {"code": c.code, "name": c.name, "sort_order": i} for i, c in enumerate(_shop.CATEGORIES)
    ]
    counts["categories"] = await _insert(session, Category, category_rows, Category.id)
    category_ids = await _ids_by(session, Category.code, Category.id, (c.code for c in _shop.CATEGORIES))

    product_rows = [
        {
            "sku": p.sku,
            "barcode": p.barcode,
            "name": p.name,
            "category_id": category_ids[p.category],
            "base_unit": p.base_unit,
            "tax_rate": p.tax_rate,
            "station_code": p.station,
            "stock_tracked": p.stock_tracked,
            "kind": p.kind,
            "description": p.description,
        }
        for p in _shop.PRODUCTS
    ]
    counts["products"] = await _insert(session, Product, product_rows, Product.id)
    product_ids = await _ids_by(session, Product.sku, Product.id, (p.sku for p in _shop.PRODUCTS))
    # A demo sku whose barcode was taken by a shop's own product was skipped above; leave it out.
    products = [p for p in _shop.PRODUCTS if p.sku in product_ids]

    unit_rows: list[dict[str, Any]] = []
    price_rows: list[dict[str, Any]] = []
    for p in products:
        product_id = product_ids[p.sku]
        unit_rows.append({"product_id": product_id, "unit": p.base_unit, "factor": 1, "barcode": None})
        price_rows += [
            _price(product_id, "counter", p.base_unit, p.counter_price),
            _price(product_id, "wholesale", p.base_unit, p.wholesale_price),
        ]
        if p.package_size:
            unit_rows.append(
                {
                    "product_id": product_id,
                    "unit": "package",
                    "factor": p.package_size,
                    "barcode": p.package_barcode,
                }
            )
            price_rows += [
                _price(product_id, "counter", "package", p.package_counter_price),
                _price(product_id, "wholesale", "package", p.package_wholesale_price),
            ]
        for branch_code, category, factor in _shop.BRANCH_PRICE_OVERRIDES:
            if p.category == category and branch_code in branch_ids:
                price_rows.append(
                    _price(
                        product_id,
                        "counter",
                        p.base_unit,
                        _shop.override_price(p.counter_price, factor),
                        branch_id=branch_ids[branch_code],
                    )
                )
    counts["product_units"] = await _insert(session, ProductUnit, unit_rows, ProductUnit.id)
    counts["product_prices"] = await _insert(session, ProductPrice, price_rows, ProductPrice.id)


def _price(
    product_id: int, price_list: str, unit: str, price: Any, *, branch_id: int | None = None
) -> dict[str, Any]:
    return {
        "product_id": product_id,
        "price_list": price_list,
        "unit": unit,
        "price": price,
        "branch_id": branch_id,
    }


async def _seed_territories(session: AsyncSession, counts: dict[str, int]) -> dict[str, int]:
    rows = [
        {"code": code, "name": name, "delivery_charge": charge, "courier_fee": fee}
        for code, name, charge, fee in _shop.TERRITORIES
    ]
    counts["territories"] = await _insert(session, Territory, rows, Territory.id)
    return await _ids_by(session, Territory.code, Territory.id, (t[0] for t in _shop.TERRITORIES))


async def _seed_customers(
    session: AsyncSession, counts: dict[str, int], territory_ids: dict[str, int]
) -> dict[str, int]:
    """Returns customer ids by primary phone, for every demo customer present after the call."""
    primary_phones = [c.phones[0] for c in _shop.CUSTOMERS]
    existing = await _ids_by(session, CustomerPhone.phone, CustomerPhone.customer_id, primary_phones)
    missing = [c for c in _shop.CUSTOMERS if c.phones[0] not in existing]
    counts["customers"] = len(missing)
    if not missing:
        counts["customer_phones"] = counts["customer_addresses"] = 0
        return existing

    result = await session.execute(
        insert(Customer).returning(Customer.id, sort_by_parameter_order=True),
        [
            {
                "name": c.name,
                "company_name": c.company_name,
                "tax_number": c.tax_number,
                "email": c.email,
                "credit_limit": c.credit_limit,
            }
            for c in missing
        ],
    )
    new_ids = dict(zip((c.phones[0] for c in missing), result.scalars(), strict=True))

    phone_rows = [
        {"customer_id": new_ids[c.phones[0]], "phone": phone, "is_primary": i == 0}
        for c in missing
        for i, phone in enumerate(c.phones)
    ]
    address_rows = [
        {
            "customer_id": new_ids[c.phones[0]],
            "label": label,
            "address": address,
            "territory_id": territory_ids.get(territory),
            "is_default": i == 0,
        }
        for c in missing
        for i, (label, address, territory) in enumerate(c.addresses)
    ]
    counts["customer_phones"] = await _insert(session, CustomerPhone, phone_rows, CustomerPhone.id)
    counts["customer_addresses"] = await _insert(session, CustomerAddress, address_rows, CustomerAddress.id)
    return existing | new_ids


async def _seed_customer_prices(
    session: AsyncSession, counts: dict[str, int], customer_ids: dict[str, int]
) -> None:
    companies = [c for c in _shop.CUSTOMERS if c.company_name is not None and c.phones[0] in customer_ids]
    by_sku = {p.sku: p for p in _shop.PRODUCTS}
    product_ids = await _ids_by(session, Product.sku, Product.id, _shop.CUSTOMER_PRICE_SKUS)
    rows = [
        {
            "customer_id": customer_ids[c.phones[0]],
            "product_id": product_ids[sku],
            "unit": by_sku[sku].base_unit,
            "price": _shop.customer_price(by_sku[sku].counter_price),
        }
        for c in companies
        for sku in _shop.CUSTOMER_PRICE_SKUS
        if sku in product_ids
    ]
    counts["customer_prices"] = await _insert(session, CustomerPrice, rows, CustomerPrice.customer_id)


async def _seed_users(
    session: AsyncSession, counts: dict[str, int], branch_ids: dict[str, int]
) -> dict[str, int]:
    usernames = [u.username for u in _shop.USERS]
    existing = await _ids_by(session, User.username, User.id, usernames)
    missing = [u for u in _shop.USERS if u.username not in existing]
    if missing:
        # One argon2 hash shared by the demo accounts (they share a published password anyway), computed
        # off the event loop because argon2 is deliberately slow.
        password_hash = await asyncio.to_thread(hash_password, _shop.DEMO_PASSWORD)
        rows = [
            {
                "username": u.username,
                "password_hash": password_hash,
                "full_name": u.full_name,
                "employee_code": u.employee_code,
            }
            for u in missing
        ]
        counts["users"] = await _insert(session, User, rows, User.id)
        existing = await _ids_by(session, User.username, User.id, usernames)
    else:
        counts["users"] = 0

    present = [u for u in _shop.USERS if u.username in existing]
    role_rows = [{"user_id": existing[u.username], "role": role} for u in present for role in u.roles]
    membership_rows = [
        {"user_id": existing[u.username], "branch_id": branch_ids[code]}
        for u in present
        for code in u.branches
        if code in branch_ids
    ]
    counts["user_roles"] = await _insert(session, UserRole, role_rows, UserRole.user_id)
    counts["memberships"] = await _insert(
        session, BranchMembership, membership_rows, BranchMembership.user_id
    )
    return existing


async def _seed_couriers(
    session: AsyncSession, counts: dict[str, int], branch_ids: dict[str, int], user_ids: dict[str, int]
) -> None:
    users = {u.username: u for u in _shop.USERS}
    rows = [
        {
            "branch_id": branch_ids[users[username].branches[0]],
            "user_id": user_ids[username],
            "name": name,
            "phone": phone,
            "vehicle": vehicle,
        }
        for username, name, phone, vehicle in _shop.COURIERS
        if username in user_ids
    ]
    counts["couriers"] = await _insert(session, Courier, rows, Courier.id)


async def _seed_pos(session: AsyncSession, counts: dict[str, int], branch_ids: dict[str, int]) -> None:
    """Tills, the combo meal's groups and items, and opening stock of the stock-tracked products."""
    counts["pos_profiles"] = await _insert(
        session,
        PosProfile,
        [
            {
                "branch_id": branch_id,
                "code": code,
                "name": name,
                "confirm_order_total": _shop.POS_CONFIRM_TOTAL,
            }
            for branch_id in branch_ids.values()
            for code, name in _shop.POS_PROFILES
        ],
        PosProfile.id,
    )
    skus = [_shop.COMBO.sku] + [sku for *_, items in _shop.COMBO_GROUPS for sku, _, _ in items]
    product_ids = await _ids_by(session, Product.sku, Product.id, skus)
    combo_id = product_ids.get(_shop.COMBO.sku)
    counts["bundle_groups"] = counts["bundle_items"] = 0
    if combo_id is not None:
        counts["bundle_groups"] = await _insert(
            session,
            BundleGroup,
            [
                {
                    "bundle_id": combo_id,
                    "code": code,
                    "name": name,
                    "kind": kind,
                    "choose": choose,
                    "sort_order": i,
                }
                for i, (code, name, kind, choose, _) in enumerate(_shop.COMBO_GROUPS)
            ],
            BundleGroup.id,
        )
        group_ids = dict(
            (
                await session.execute(
                    select(BundleGroup.code, BundleGroup.id).where(BundleGroup.bundle_id == combo_id)
                )
            ).all()
        )
        units = {p.sku: p.base_unit for p in _shop.PRODUCTS}
        counts["bundle_items"] = await _insert(
            session,
            BundleItem,
            [
                {
                    "group_id": group_ids[code],
                    "product_id": product_ids[sku],
                    "unit": units[sku],
                    "qty": qty,
                    "extra_price": Decimal(extra),
                    "sort_order": i,
                }
                for code, *_, items in _shop.COMBO_GROUPS
                for i, (sku, qty, extra) in enumerate(items)
                if sku in product_ids
            ],
            BundleItem.id,
        )
    tracked = await session.scalars(
        select(Product.id).where(Product.sku.in_([p.sku for p in _shop.PRODUCTS if p.stock_tracked]))
    )
    counts["product_stock"] = await _insert(
        session,
        ProductStock,
        [
            {"branch_id": branch_id, "product_id": product_id, "qty": _shop.OPENING_STOCK}
            for product_id in tracked.all()
            for branch_id in branch_ids.values()
        ],
        ProductStock.product_id,
    )
    # The stock ledger's opening rows (app/inventory): the on-hand is always the sum of the ledger.
    await session.execute(
        text(
            "INSERT INTO stock_moves (branch_id, product_id, kind, qty, unit_cost, on_hand_after, reason) "
            "SELECT s.branch_id, s.product_id, 'opening', s.qty, s.avg_cost, s.qty, 'demo opening stock' "
            "FROM product_stock AS s WHERE s.qty <> 0 AND NOT EXISTS (SELECT 1 FROM stock_moves AS m "
            "WHERE m.branch_id = s.branch_id AND m.product_id = s.product_id) ORDER BY 1, 2"
        )
    )
