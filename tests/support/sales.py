"""Rows the POS sale tests need beyond the shared Factory: bundles, stock, tills and shifts."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import update

from app.db.models import BundleGroup, BundleItem, PosProfile, Product, ProductStock, Shift


async def bundle(
    factory: Any,
    name: str,
    *,
    price: str,
    groups: list[tuple[str, str, int, list[tuple[Any, str]]]],
    tax_rate: str = "14",
) -> Any:
    """A bundle product; groups are (code, kind, choose, [(product, extra price), ...])."""
    product = await factory.product(name, price=price, tax_rate=tax_rate, station="grill")
    product.kind = "bundle"
    session = factory.session
    for order, (code, kind, choose, items) in enumerate(groups):
        group = BundleGroup(
            bundle_id=product.id, code=code, name=code.title(), kind=kind, choose=choose, sort_order=order
        )
        session.add(group)
        await session.flush()
        session.add_all(
            BundleItem(
                group_id=group.id,
                product_id=p.id,
                unit=p.base_unit,
                qty=Decimal(1),
                extra_price=Decimal(extra),
                sort_order=i,
            )
            for i, (p, extra) in enumerate(items)
        )
    await session.flush()
    return product


async def stock(factory: Any, branch: Any, product: Any, qty: str) -> None:
    await factory.session.execute(update(Product).where(Product.id == product.id).values(stock_tracked=True))
    factory.session.add(ProductStock(branch_id=branch.id, product_id=product.id, qty=Decimal(qty)))
    await factory.session.flush()


async def till(factory: Any, branch: Any, code: str = "till-1", *, require_shift: bool = True) -> Any:
    profile = PosProfile(branch_id=branch.id, code=code, name=code, require_shift=require_shift)
    factory.session.add(profile)
    await factory.session.flush()
    return profile


async def shift(factory: Any, profile: Any, user: Any, *, status: str = "open") -> Any:
    row = Shift(
        id=uuid.uuid4(),
        branch_id=profile.branch_id,
        pos_profile_id=profile.id,
        status=status,
        opening_cash=Decimal("100.00"),
        opened_by=user.id,
    )
    factory.session.add(row)
    await factory.session.flush()
    return row
