"""Rows a test needs, made fast (one flush each) with obvious defaults: `Factory`, given by the `factory`
fixture (tests/conftest.py)."""

from __future__ import annotations

from typing import Any


class Factory:
    """Makes the few rows a test needs, fast (one flush each) and with obvious defaults."""

    PASSWORD = "correct horse battery"
    # argon2 is slow on purpose; tests hash each distinct password once per run.
    _hashes: dict[str, str] = {}

    def __init__(self, session: Any, runtime: Any = None) -> None:
        self.session = session
        self.runtime = runtime
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    async def branch(self, **fields: Any) -> Any:
        from app.db.models import Branch

        n = self._next()
        values = {
            "code": f"BR{n}",
            "name": f"Branch {n}",
            "timezone": "Africa/Cairo",
            "currency": "EGP",
            "currency_exponent": 2,
        } | fields
        branch = Branch(**values)
        self.session.add(branch)
        await self.session.flush()
        return branch

    async def user(
        self,
        username: str,
        *,
        roles: tuple[str, ...],
        branches: tuple[Any, ...] = (),
        password: str = PASSWORD,
        is_active: bool = True,
    ) -> Any:
        from app.db.models import BranchMembership, User, UserRole
        from app.lib.security import hash_password

        if password not in self._hashes:
            self._hashes[password] = hash_password(password)
        user = User(
            username=username,
            password_hash=self._hashes[password],
            full_name=username.title(),
            is_active=is_active,
        )
        self.session.add(user)
        await self.session.flush()
        self.session.add_all([UserRole(user_id=user.id, role=role) for role in roles])
        self.session.add_all([BranchMembership(user_id=user.id, branch_id=b.id) for b in branches])
        await self.session.flush()
        return user

    async def station(self, branch: Any, code: str) -> Any:
        from app.db.models import Station

        station = Station(
            branch_id=branch.id, code=code, name=code.title(), warn_after_seconds=300, late_after_seconds=600
        )
        self.session.add(station)
        await self.session.flush()
        return station

    async def product(
        self,
        name: str,
        *,
        price: str,
        tax_rate: str = "14",
        station: str = "grill",
        base_unit: str = "piece",
        units: dict[str, str] | None = None,
        wholesale: str | None = None,
        branch_prices: dict[int, str] | None = None,
    ) -> Any:
        from decimal import Decimal

        from app.db.models import Category, Product, ProductPrice, ProductUnit

        if not hasattr(self, "_category"):
            self._category = Category(code="test", name="Test")
            self.session.add(self._category)
            await self.session.flush()
        n = self._next()
        product = Product(
            sku=f"SKU-{n}",
            barcode=None,
            name=name,
            category_id=self._category.id,
            base_unit=base_unit,
            tax_rate=Decimal(tax_rate),
            station_code=station,
        )
        self.session.add(product)
        await self.session.flush()
        self.session.add(ProductUnit(product_id=product.id, unit=base_unit, factor=Decimal(1)))
        for unit, factor in (units or {}).items():
            self.session.add(ProductUnit(product_id=product.id, unit=unit, factor=Decimal(factor)))
        await self.session.flush()
        self.session.add(
            ProductPrice(product_id=product.id, price_list="counter", unit=base_unit, price=Decimal(price))
        )
        if wholesale is not None:
            self.session.add(
                ProductPrice(
                    product_id=product.id, price_list="wholesale", unit=base_unit, price=Decimal(wholesale)
                )
            )
        for branch_id, branch_price in (branch_prices or {}).items():
            self.session.add(
                ProductPrice(
                    product_id=product.id,
                    price_list="counter",
                    unit=base_unit,
                    price=Decimal(branch_price),
                    branch_id=branch_id,
                )
            )
        await self.session.flush()
        return product

    async def territory(self, *, delivery_charge: str = "20", courier_fee: str = "15") -> Any:
        from decimal import Decimal

        from app.db.models import Territory

        n = self._next()
        territory = Territory(
            code=f"T{n}",
            name=f"Territory {n}",
            delivery_charge=Decimal(delivery_charge),
            courier_fee=Decimal(courier_fee),
        )
        self.session.add(territory)
        await self.session.flush()
        return territory

    async def customer(self, name: str, *, phone: str) -> Any:
        from app.db.models import Customer, CustomerPhone

        customer = Customer(name=name)
        self.session.add(customer)
        await self.session.flush()
        self.session.add(CustomerPhone(customer_id=customer.id, phone=phone, is_primary=True))
        await self.session.flush()
        return customer

    async def courier(self, branch: Any, *, user: Any = None, name: str = "Cora Courier") -> Any:
        from app.db.models import Courier

        courier = Courier(branch_id=branch.id, user_id=user.id if user is not None else None, name=name)
        self.session.add(courier)
        await self.session.flush()
        return courier

    async def commit(self) -> None:
        await self.session.commit()
        if self.runtime is not None:
            # Catalog rows changed behind the services' backs: drop every process's cached copy.
            from app.catalog.cache import bump_catalog_epoch

            await bump_catalog_epoch(self.runtime.redis, self.runtime.keys)
