"""The demo shop's menu depth: burgers with a doneness choice, extras (the first free) and removals, a side
of fries made at the fryer, allergens on the products that carry them, prep times at the grill and fryer.
Idempotent like the rest of the seed: what exists is left alone."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import (
    Allergen,
    ModifierGroup,
    ModifierOption,
    Product,
    ProductAllergen,
    ProductModifierGroup,
    ProductPrepTime,
)
from app.db.models.menu import EU_ALLERGENS

# (code, name, min, max, free, ((code, name, kind, price delta, station or None), ...))
GROUPS = (
    (
        "doneness",
        "Doneness",
        1,
        1,
        0,
        (("medium", "Medium", "add", "0", None), ("well", "Well done", "add", "0", None)),
    ),
    (
        "burger_extras",
        "Extras",
        0,
        3,
        1,
        (
            ("cheese", "Extra cheese", "add", "10", None),
            ("bacon", "Beef bacon", "add", "20", None),
            ("egg", "Fried egg", "add", "8", None),
            ("fries_side", "Side of fries", "add", "25", "fryer"),
        ),
    ),
    (
        "burger_remove",
        "Remove",
        0,
        3,
        0,
        (
            ("no_onion", "no onion", "remove", "0", None),
            ("no_pickles", "no pickles", "remove", "0", None),
            ("no_sauce", "no sauce", "remove", "0", None),
        ),
    ),
)
# sku -> (groups, allergens, prep seconds per station)
PRODUCTS = {
    "GRL-001": (
        ("doneness", "burger_extras", "burger_remove"),
        ("gluten", "sesame", "mustard"),
        {"grill": 420},
    ),
    "GRL-002": (("burger_extras", "burger_remove"), ("gluten", "sesame", "eggs"), {"grill": 360}),
    "GRL-003": ((), (), {"grill": 480}),
    "FRY-002": ((), (), {"fryer": 240}),
}


async def seed_menu_depth(session: AsyncSession) -> None:
    await session.execute(
        insert(Allergen)
        .values([{"code": c, "name": n, "sort_order": i} for i, (c, n) in enumerate(EU_ALLERGENS, 1)])
        .on_conflict_do_nothing()
    )
    skus = dict(
        (await session.execute(select(Product.sku, Product.id).where(Product.sku.in_(PRODUCTS)))).all()
    )
    if not skus:
        return
    group_ids: dict[str, int] = {}
    for sort, (code, name, low, high, free, options) in enumerate(GROUPS):
        await session.execute(
            insert(ModifierGroup)
            .values(
                code=code, name=name, min_choices=low, max_choices=high, free_choices=free, sort_order=sort
            )
            .on_conflict_do_nothing(index_elements=["code"])
        )
        group_id = await session.scalar(select(ModifierGroup.id).where(ModifierGroup.code == code))
        assert group_id is not None
        group_ids[code] = group_id
        await session.execute(
            insert(ModifierOption)
            .values(
                [
                    {
                        "group_id": group_id,
                        "code": o_code,
                        "name": o_name,
                        "kind": kind,
                        "price_delta": Decimal(delta),
                        "station_code": station,
                        "sort_order": i,
                    }
                    for i, (o_code, o_name, kind, delta, station) in enumerate(options)
                ]
            )
            .on_conflict_do_nothing(index_elements=["group_id", "code"])
        )
    for sku, (groups, allergens, prep) in PRODUCTS.items():
        product_id = skus.get(sku)
        if product_id is None:
            continue
        if groups:
            await session.execute(
                insert(ProductModifierGroup)
                .values(
                    [
                        {"product_id": product_id, "group_id": group_ids[g], "sort_order": i}
                        for i, g in enumerate(groups)
                    ]
                )
                .on_conflict_do_nothing()
            )
        if allergens:
            await session.execute(
                insert(ProductAllergen)
                .values([{"product_id": product_id, "allergen_code": a} for a in allergens])
                .on_conflict_do_nothing()
            )
        await session.execute(
            insert(ProductPrepTime)
            .values([{"product_id": product_id, "station_code": s, "seconds": n} for s, n in prep.items()])
            .on_conflict_do_nothing()
        )
