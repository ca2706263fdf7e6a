"""Rows the till's tests need beyond the shared Factory: barcodes and stock on products."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.support.factory import Factory


async def with_barcode(factory: Factory, product: Any, code: str) -> Any:
    product.barcode = code
    await factory.session.flush()
    return product


async def with_stock(factory: Factory, product: Any, branch: Any, qty: str) -> Any:
    from app.db.models import ProductStock

    product.stock_tracked = True
    factory.session.add(ProductStock(branch_id=branch.id, product_id=product.id, qty=Decimal(qty)))
    await factory.session.flush()
    return product


async def bundle(
    factory: Factory, product: Any, *, code: str, name: str, kind: str, items: list[Any], choose: int = 1
) -> Any:
    """Make `product` a bundle with one group of `items` (products in their base unit, no extra price)."""
    from app.db.models import BundleGroup, BundleItem

    product.kind = "bundle"
    group = BundleGroup(bundle_id=product.id, code=code, name=name, kind=kind, choose=choose)
    factory.session.add(group)
    await factory.session.flush()
    factory.session.add_all(
        [BundleItem(group_id=group.id, product_id=item.id, unit=item.base_unit) for item in items]
    )
    await factory.session.flush()
    return group


async def till_profile(
    factory: Factory, branch: Any, *, code: str = "front", require_shift: bool = True
) -> Any:
    from app.db.models import PosProfile

    profile = PosProfile(branch_id=branch.id, code=code, name=code.title(), require_shift=require_shift)
    factory.session.add(profile)
    await factory.session.flush()
    return profile
