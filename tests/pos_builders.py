"""Rows the till's tests need beyond the shared Factory: barcodes and stock on products."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.conftest import Factory


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
