"""Menu depth edits: modifier groups, a product's groups/allergens/prep times, and the 86 list.

Every edit is audited in its own transaction. After the commit the catalog epoch is bumped (each web
process drops its priced copy) and `catalog.changed` is appended through the event bus to every branch
the change reaches, so open tills and kiosks re-read the catalog within a second.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import TYPE_CHECKING

from litestar.exceptions import NotFoundException
from sqlalchemy import delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert

from app.catalog.cache import bump_catalog_epoch
from app.catalog.menu_depth import load_menu_depth, load_unavailable
from app.db.models import (
    Allergen,
    Branch,
    ChannelPause,
    MenuUnavailable,
    ModifierGroup,
    ModifierOption,
    Product,
    ProductAllergen,
    ProductModifierGroup,
    ProductPrepTime,
    ProductStock,
    StationPacing,
)
from app.db.models.menu import EU_ALLERGENS
from app.events.catalog import CATALOG_CHANGED, CatalogChanged
from app.events.menu import CHANNEL_PAUSED, ChannelPaused
from app.lib import audit
from app.lib.deps import ScopedService
from app.lib.errors import unprocessable
from app.lib.i18n import _
from app.lib.money import places
from app.menu.pacing import KitchenLoad, at
from app.menu.schemas import (
    AllergenOut,
    GroupIn,
    GroupOut,
    MenuOverview,
    OptionOut,
    PacingIn,
    PacingOut,
    PauseIn,
    PauseOut,
    ProductMenuIn,
    ProductMenuOut,
    StationItem,
    StationOption,
    UnavailableIn,
    UnavailableOut,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

MAX_DELTA = Decimal(10) ** 9
STATION_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class MenuService(ScopedService):
    # ------------------------------------------------------------------ reads

    async def overview(self, *, branch_id: int) -> MenuOverview:
        branch = await self.session.get(Branch, branch_id)
        if branch is None:
            raise NotFoundException(detail=_("Branch not found"))
        products = list(
            await self.session.scalars(
                select(Product).where(Product.active.is_(True)).order_by(Product.name, Product.id)
            )
        )
        return MenuOverview(
            branch_id=branch_id,
            currency_exponent=branch.currency_exponent,
            groups=await self.groups(),
            allergens=await self.allergens(),
            products=await self._product_menus(products),
            unavailable=await self.unavailable(branch_id=branch_id),
        )

    async def groups(self) -> list[GroupOut]:
        groups = list(
            await self.session.scalars(
                select(ModifierGroup).order_by(ModifierGroup.sort_order, ModifierGroup.id)
            )
        )
        options = await self.session.scalars(
            select(ModifierOption).order_by(ModifierOption.sort_order, ModifierOption.id)
        )
        by_group: dict[int, list[OptionOut]] = {}
        for o in options:
            by_group.setdefault(o.group_id, []).append(_option_out(o))
        return [_group_out(g, by_group.get(g.id, [])) for g in groups]

    async def allergens(self) -> list[AllergenOut]:
        await self._ensure_allergens()
        rows = await self.session.scalars(select(Allergen).order_by(Allergen.sort_order, Allergen.code))
        return [AllergenOut(code=a.code, name=a.name) for a in rows]

    async def product_menu(self, *, product_id: int) -> ProductMenuOut:
        product = await self.session.get(Product, product_id)
        if product is None:
            raise NotFoundException(detail=_("Product not found"))
        return (await self._product_menus([product]))[0]

    async def unavailable(self, *, branch_id: int) -> list[UnavailableOut]:
        now = dt.datetime.now(dt.UTC)
        rows = await self.session.execute(
            select(MenuUnavailable, Product.name, ModifierOption.name)
            .outerjoin(Product, Product.id == MenuUnavailable.product_id)
            .outerjoin(ModifierOption, ModifierOption.id == MenuUnavailable.option_id)
            .where(
                MenuUnavailable.branch_id == branch_id,
                or_(MenuUnavailable.back_at.is_(None), MenuUnavailable.back_at > now),
            )
            .order_by(MenuUnavailable.created_at, MenuUnavailable.id)
        )
        return [
            _unavailable_out(row, product_name or option_name or "")
            for row, product_name, option_name in rows
        ]

    async def station_items(self, *, branch_id: int, station: str) -> list[StationItem]:
        """What a station makes (its products and their modifier options), each with whether it is 86'd."""
        products = list(
            await self.session.scalars(
                select(Product)
                .where(Product.active.is_(True), Product.station_code == station)
                .order_by(Product.name, Product.id)
            )
        )
        depth = await load_menu_depth(self.session, [p.id for p in products])
        off = await load_unavailable(self.session, branch_id, now=dt.datetime.now(dt.UTC))
        return [
            StationItem(
                product_id=p.id,
                name=p.name,
                available=p.id not in off.products,
                back_at=off.products.get(p.id),
                options=[
                    StationOption(option_id=o.id, name=o.name, available=o.id not in off.options)
                    for g in depth.groups.get(p.id, ())
                    for o in g.options
                    if o.active and o.kind == "add"
                ],
            )
            for p in products
        ]

    # ------------------------------------------------------------------ modifier groups

    async def put_group(self, *, data: GroupIn, actor: int | None) -> GroupOut:
        _check_group(data, await self._smallest_exponent())
        group = await self.session.scalar(
            select(ModifierGroup).where(ModifierGroup.code == data.code).with_for_update()
        )
        if group is None:
            group = ModifierGroup(code=data.code)
            self.session.add(group)
        group.name = data.name
        group.min_choices = data.min_choices
        group.max_choices = data.max_choices
        group.free_choices = data.free_choices
        group.sort_order = data.sort_order
        group.active = data.active
        await self.session.flush()
        existing = {
            o.code: o
            for o in await self.session.scalars(
                select(ModifierOption).where(ModifierOption.group_id == group.id)
            )
        }
        for index, item in enumerate(data.options):
            option = existing.pop(item.code, None)
            if option is None:
                option = ModifierOption(group_id=group.id, code=item.code)
                self.session.add(option)
            option.name = item.name
            option.kind = item.kind
            option.price_delta = item.price_delta
            option.station_code = item.station_code
            option.sort_order = index
            option.active = item.active
        # Left out: no longer offered. Kept, so the 86 list and old lines' snapshots still name it.
        for option in existing.values():
            option.active = False
        await self.session.flush()
        audit.record(
            self.session,
            action="menu.group.put",
            entity_type="modifier_group",
            entity_id=group.id,
            actor_user_id=actor,
            data={"code": data.code, "options": [o.code for o in data.options]},
        )
        products = list(
            await self.session.scalars(
                select(ProductModifierGroup.product_id).where(ProductModifierGroup.group_id == group.id)
            )
        )
        await self.session.commit()
        await self._changed(await self._branch_ids(), kind="modifiers", product_ids=products)
        return next(g for g in await self.groups() if g.id == group.id)

    # ------------------------------------------------------------------ a product's depth

    async def set_product_menu(
        self, *, product_id: int, data: ProductMenuIn, actor: int | None
    ) -> ProductMenuOut:
        product = await self.session.get(Product, product_id, with_for_update=True)
        if product is None:
            raise NotFoundException(detail=_("Product not found"))
        if len(set(data.group_ids)) != len(data.group_ids):
            raise unprocessable("group_ids", _("a group is listed twice"))
        known_groups = set(
            await self.session.scalars(select(ModifierGroup.id).where(ModifierGroup.id.in_(data.group_ids)))
        )
        for index, group_id in enumerate(data.group_ids):
            if group_id not in known_groups:
                raise unprocessable(f"group_ids[{index}]", _("unknown modifier group %(id)s", id=group_id))
        await self._ensure_allergens()
        known_allergens = set(await self.session.scalars(select(Allergen.code)))
        for index, code in enumerate(data.allergens):
            if code not in known_allergens:
                raise unprocessable(f"allergens[{index}]", _("unknown allergen %(code)s", code=repr(code)))
        await self.session.execute(
            delete(ProductModifierGroup).where(ProductModifierGroup.product_id == product_id)
        )
        await self.session.execute(delete(ProductAllergen).where(ProductAllergen.product_id == product_id))
        await self.session.execute(delete(ProductPrepTime).where(ProductPrepTime.product_id == product_id))
        self.session.add_all(
            ProductModifierGroup(product_id=product_id, group_id=g, sort_order=i)
            for i, g in enumerate(data.group_ids)
        )
        self.session.add_all(
            ProductAllergen(product_id=product_id, allergen_code=c) for c in sorted(set(data.allergens))
        )
        self.session.add_all(
            ProductPrepTime(product_id=product_id, station_code=s, seconds=n)
            for s, n in data.prep_seconds.items()
        )
        audit.record(
            self.session,
            action="menu.product.put",
            entity_type="product",
            entity_id=product_id,
            actor_user_id=actor,
            data={
                "group_ids": data.group_ids,
                "allergens": data.allergens,
                "prep_seconds": data.prep_seconds,
            },
        )
        await self.session.commit()
        await self._changed(await self._branch_ids(), kind="modifiers", product_ids=[product_id])
        return await self.product_menu(product_id=product_id)

    # ------------------------------------------------------------------ 86

    async def mark_unavailable(
        self, *, branch_id: int, data: UnavailableIn, actor: int | None, source: str
    ) -> UnavailableOut:
        if (data.product_id is None) == (data.option_id is None):
            raise unprocessable("product_id", _("name either a product or a modifier option"))
        if data.back_at is not None and data.back_at.tzinfo is None:
            raise unprocessable("back_at", _("give the time with its zone (e.g. 2026-12-05T13:00:00Z)"))
        if data.back_at is not None and data.back_at <= dt.datetime.now(dt.UTC):
            raise unprocessable("back_at", _("the back-at time has already passed"))
        if await self.session.get(Branch, branch_id) is None:
            raise NotFoundException(detail=_("Branch not found"))
        name = await self._target_name(data.product_id, data.option_id)
        values = {
            "branch_id": branch_id,
            "product_id": data.product_id,
            "option_id": data.option_id,
            "reason": data.reason,
            "source": source,
            "back_at": data.back_at,
            "created_by": actor,
        }
        # Marking it again updates the reason and time (two cooks 86 the same thing: one row).
        row = await self.session.scalar(
            insert(MenuUnavailable)
            .values(**values)
            .on_conflict_do_update(
                constraint="uq_menu_unavailable_branch_id_product_id_option_id",
                set_={"reason": data.reason, "source": source, "back_at": data.back_at, "created_by": actor},
            )
            .returning(MenuUnavailable)
        )
        assert row is not None
        out = _unavailable_out(row, name)
        audit.record(
            self.session,
            action="menu.86",
            entity_type="product" if data.product_id else "modifier_option",
            entity_id=data.product_id or data.option_id,
            actor_user_id=actor,
            branch_id=branch_id,
            data={
                "reason": data.reason,
                "source": source,
                "back_at": data.back_at.isoformat() if data.back_at else None,
            },
        )
        await self.session.commit()
        await self._changed(
            [branch_id],
            kind=_kind(data.product_id),
            product_ids=await self._affected(data.product_id, data.option_id),
            available=False,
            reason=data.reason or None,
        )
        return out

    async def mark_available(
        self, *, branch_id: int, product_id: int | None, option_id: int | None, actor: int | None, source: str
    ) -> None:
        if (product_id is None) == (option_id is None):
            raise unprocessable("product_id", _("name either a product or a modifier option"))
        gone = await self.session.execute(
            delete(MenuUnavailable)
            .where(
                MenuUnavailable.branch_id == branch_id,
                MenuUnavailable.product_id.is_(None)
                if product_id is None
                else MenuUnavailable.product_id == product_id,
                MenuUnavailable.option_id.is_(None)
                if option_id is None
                else MenuUnavailable.option_id == option_id,
            )
            .returning(MenuUnavailable.id)
        )
        if not gone.first():
            raise NotFoundException(detail=_("It is not 86'd here"))
        audit.record(
            self.session,
            action="menu.back",
            entity_type="product" if product_id else "modifier_option",
            entity_id=product_id or option_id,
            actor_user_id=actor,
            branch_id=branch_id,
            data={"source": source},
        )
        await self.session.commit()
        await self._changed(
            [branch_id],
            kind=_kind(product_id),
            product_ids=await self._affected(product_id, option_id),
            available=True,
        )

    async def bring_back_due(self, *, now: dt.datetime) -> int:
        """The cron's step: everything whose back-at time has come, and stock 86s whose stock is back."""
        restocked = (
            select(MenuUnavailable.id)
            .join(
                ProductStock,
                (ProductStock.branch_id == MenuUnavailable.branch_id)
                & (ProductStock.product_id == MenuUnavailable.product_id),
            )
            .where(MenuUnavailable.source == "stock", ProductStock.qty > 0)
        )
        rows = (
            await self.session.execute(
                delete(MenuUnavailable)
                .where(or_(MenuUnavailable.back_at <= now, MenuUnavailable.id.in_(restocked)))
                .returning(MenuUnavailable.branch_id, MenuUnavailable.product_id, MenuUnavailable.option_id)
            )
        ).all()
        if not rows:
            await self.session.rollback()
            return 0
        for branch_id, product_id, option_id in rows:
            audit.record(
                self.session,
                action="menu.back",
                entity_type="product" if product_id else "modifier_option",
                entity_id=product_id or option_id,
                branch_id=branch_id,
                data={"source": "cron"},
            )
        await self.session.commit()
        by_branch: dict[tuple[int, str], list[int]] = {}
        for branch_id, product_id, option_id in rows:
            key = (branch_id, _kind(product_id))
            by_branch.setdefault(key, []).extend(await self._affected(product_id, option_id))
        await bump_catalog_epoch(self.redis, self.keys)
        for (branch_id, kind), ids in by_branch.items():
            await self.bus.append(
                branch_id,
                CATALOG_CHANGED,
                CatalogChanged(kind=kind, product_ids=[str(i) for i in sorted(set(ids))], available=True),
            )
        return len(rows)

    async def auto_86_sold_out(self, *, branch_id: int, product_ids: Iterable[int]) -> list[int]:
        """After a sale of stock-tracked products: 86 those whose stock reached zero (source `stock`)."""
        ids = list(product_ids)
        if not ids:
            return []
        empty = list(
            await self.session.scalars(
                select(ProductStock.product_id).where(
                    ProductStock.branch_id == branch_id,
                    ProductStock.product_id.in_(ids),
                    ProductStock.qty <= 0,
                )
            )
        )
        if not empty:
            return []
        await self.session.execute(
            insert(MenuUnavailable)
            .values(
                [
                    {"branch_id": branch_id, "product_id": p, "source": "stock", "reason": "sold out"}
                    for p in empty
                ]
            )
            .on_conflict_do_nothing()
        )
        for product_id in empty:
            audit.record(
                self.session,
                action="menu.86",
                entity_type="product",
                entity_id=product_id,
                branch_id=branch_id,
                data={"source": "stock"},
            )
        await self.session.commit()
        await self._changed(
            [branch_id], kind="availability", product_ids=empty, available=False, reason="sold out"
        )
        return empty

    # ------------------------------------------------------------------ pacing and busy mode

    async def quotes(self, *, branch_id: int) -> dict[str, dt.datetime]:
        """The ready times quoted today (order id -> time), for the queue TV's snapshot."""
        return {
            k: at(v)
            for k, v in (await KitchenLoad(self.redis, self.keys, self.scope.lua).quotes(branch_id)).items()
        }

    async def set_pacing(
        self, *, branch_id: int, station: str, data: PacingIn, actor: int | None
    ) -> PacingOut:
        if not STATION_CODE.fullmatch(station):
            raise unprocessable("station", _("unknown station code %(code)s", code=repr(station)))
        if await self.session.get(Branch, branch_id) is None:
            raise NotFoundException(detail=_("Branch not found"))
        values = {"items_per_15min": data.items_per_15min, "cooks": data.cooks}
        await self.session.execute(
            insert(StationPacing)
            .values(branch_id=branch_id, station_code=station, **values)
            .on_conflict_do_update(index_elements=["branch_id", "station_code"], set_=values)
        )
        audit.record(
            self.session,
            action="menu.pacing",
            entity_type="station_pacing",
            entity_id=f"{branch_id}:{station}",
            actor_user_id=actor,
            branch_id=branch_id,
            data=values,
        )
        await self.session.commit()
        await bump_catalog_epoch(self.redis, self.keys)
        return PacingOut(branch_id=branch_id, station_code=station, **values)

    async def pauses(self, *, branch_id: int) -> list[PauseOut]:
        now = dt.datetime.now(dt.UTC)
        rows = await self.session.scalars(
            select(ChannelPause)
            .where(
                ChannelPause.branch_id == branch_id,
                or_(ChannelPause.until.is_(None), ChannelPause.until > now),
            )
            .order_by(ChannelPause.channel)
        )
        return [
            PauseOut(branch_id=r.branch_id, channel=r.channel, reason=r.reason, until=r.until) for r in rows
        ]

    async def pause(self, *, branch_id: int, data: PauseIn, actor: int | None) -> PauseOut:
        """Busy mode: the channel takes no new orders until taken back (or until `until`)."""
        if data.until is not None and (data.until.tzinfo is None or data.until <= dt.datetime.now(dt.UTC)):
            raise unprocessable("until", _("give a time to come, with its zone"))
        if await self.session.get(Branch, branch_id) is None:
            raise NotFoundException(detail=_("Branch not found"))
        values = {"reason": data.reason, "until": data.until, "created_by": actor}
        await self.session.execute(
            insert(ChannelPause)
            .values(branch_id=branch_id, channel=data.channel, **values)
            .on_conflict_do_update(index_elements=["branch_id", "channel"], set_=values)
        )
        audit.record(
            self.session,
            action="menu.pause",
            entity_type="channel",
            entity_id=f"{branch_id}:{data.channel}",
            actor_user_id=actor,
            branch_id=branch_id,
            data={"reason": data.reason, "until": data.until.isoformat() if data.until else None},
        )
        self.bus.on_commit(
            self.session,
            branch_id,
            CHANNEL_PAUSED,
            ChannelPaused(
                channel=data.channel,
                paused=True,
                reason=data.reason,
                until=data.until.isoformat() if data.until else None,
            ),
        )
        await self.session.commit()
        await bump_catalog_epoch(self.redis, self.keys)
        return PauseOut(branch_id=branch_id, channel=data.channel, reason=data.reason, until=data.until)

    async def unpause(self, *, branch_id: int, channel: str, actor: int | None) -> None:
        gone = await self.session.execute(
            delete(ChannelPause)
            .where(ChannelPause.branch_id == branch_id, ChannelPause.channel == channel)
            .returning(ChannelPause.channel)
        )
        if not gone.first():
            raise NotFoundException(detail=_("That channel is not paused"))
        audit.record(
            self.session,
            action="menu.unpause",
            entity_type="channel",
            entity_id=f"{branch_id}:{channel}",
            actor_user_id=actor,
            branch_id=branch_id,
        )
        self.bus.on_commit(
            self.session, branch_id, CHANNEL_PAUSED, ChannelPaused(channel=channel, paused=False)
        )
        await self.session.commit()
        await bump_catalog_epoch(self.redis, self.keys)

    # ------------------------------------------------------------------ helpers

    async def _changed(
        self,
        branch_ids: Iterable[int],
        *,
        kind: str,
        product_ids: Iterable[int],
        available: bool | None = None,
        reason: str | None = None,
    ) -> None:
        """After the commit: drop every process's priced copy, then tell every till of the branches."""
        await bump_catalog_epoch(self.redis, self.keys)
        ids = [str(i) for i in sorted(set(product_ids))]
        for branch_id in branch_ids:
            await self.bus.append(
                branch_id,
                CATALOG_CHANGED,
                CatalogChanged(kind=kind, product_ids=ids, available=available, reason=reason),
            )

    async def _ensure_allergens(self) -> None:
        """The migration writes the 14 EU allergens; a database emptied since (a restore of data only)
        gets them back here, so the list a manager picks from is never empty."""
        count = await self.session.scalar(select(func.count()).select_from(Allergen))
        if (count or 0) < len(EU_ALLERGENS):
            await self.session.execute(
                insert(Allergen)
                .values([{"code": c, "name": n, "sort_order": i} for i, (c, n) in enumerate(EU_ALLERGENS, 1)])
                .on_conflict_do_nothing()
            )
            await self.session.flush()

    async def _branch_ids(self) -> list[int]:
        return list(
            await self.session.scalars(select(Branch.id).where(Branch.active.is_(True)).order_by(Branch.id))
        )

    async def _smallest_exponent(self) -> int:
        """A delta must be payable in every branch's currency: the fewest decimals any branch has."""
        found = await self.session.scalar(
            select(func.min(Branch.currency_exponent)).where(Branch.active.is_(True))
        )
        return 2 if found is None else int(found)

    async def _target_name(self, product_id: int | None, option_id: int | None) -> str:
        if product_id is not None:
            product = await self.session.get(Product, product_id)
            if product is None:
                raise unprocessable("product_id", _("unknown product %(id)s", id=product_id))
            return product.name
        option = await self.session.get(ModifierOption, option_id)
        if option is None:
            raise unprocessable("option_id", _("unknown modifier option %(id)s", id=option_id))
        return option.name

    async def _affected(self, product_id: int | None, option_id: int | None) -> list[int]:
        """The products a change touches: the product, or every product offering the option."""
        if product_id is not None:
            return [product_id]
        rows = await self.session.scalars(
            select(ProductModifierGroup.product_id)
            .join(ModifierOption, ModifierOption.group_id == ProductModifierGroup.group_id)
            .where(ModifierOption.id == option_id)
        )
        return sorted(set(rows))

    async def _product_menus(self, products: list[Product]) -> list[ProductMenuOut]:
        ids = [p.id for p in products]
        groups: dict[int, list[int]] = {}
        for pid, gid in await self.session.execute(
            select(ProductModifierGroup.product_id, ProductModifierGroup.group_id)
            .where(ProductModifierGroup.product_id.in_(ids))
            .order_by(ProductModifierGroup.sort_order)
        ):
            groups.setdefault(pid, []).append(gid)
        allergens: dict[int, list[str]] = {}
        for pid, code in await self.session.execute(
            select(ProductAllergen.product_id, ProductAllergen.allergen_code)
            .where(ProductAllergen.product_id.in_(ids))
            .order_by(ProductAllergen.allergen_code)
        ):
            allergens.setdefault(pid, []).append(code)
        prep: dict[int, dict[str, int]] = {}
        for pid, station, seconds in await self.session.execute(
            select(ProductPrepTime.product_id, ProductPrepTime.station_code, ProductPrepTime.seconds).where(
                ProductPrepTime.product_id.in_(ids)
            )
        ):
            prep.setdefault(pid, {})[station] = seconds
        return [
            ProductMenuOut(
                product_id=p.id,
                name=p.name,
                station_code=p.station_code,
                group_ids=groups.get(p.id, []),
                allergens=allergens.get(p.id, []),
                prep_seconds=prep.get(p.id, {}),
            )
            for p in products
        ]


def _kind(product_id: int | None) -> str:
    """`availability` when a product is 86'd or back (a till can hide it from the event alone);
    `modifiers` when an option is (the till re-reads the products that offer it)."""
    return "availability" if product_id is not None else "modifiers"


def _check_group(data: GroupIn, exponent: int) -> None:
    if data.min_choices > data.max_choices:
        raise unprocessable(
            "min_choices",
            _("at least %(low)s is more than at most %(high)s", low=data.min_choices, high=data.max_choices),
        )
    active = [o for o in data.options if o.active]
    if data.active and len(active) < data.min_choices:
        raise unprocessable(
            "options",
            _(
                "%(name)s asks for %(low)s choices but offers %(count)s",
                name=data.name,
                low=data.min_choices,
                count=len(active),
            ),
        )
    seen: set[str] = set()
    for index, option in enumerate(data.options):
        where = f"options[{index}]"
        if option.code in seen:
            raise unprocessable(
                f"{where}.code", _("option code %(code)s is used twice", code=repr(option.code))
            )
        seen.add(option.code)
        delta = option.price_delta
        if not delta.is_finite() or delta < 0:
            raise unprocessable(
                f"{where}.price_delta", _("%(name)s: a price delta must be zero or more", name=option.name)
            )
        if delta >= MAX_DELTA:
            raise unprocessable(
                f"{where}.price_delta",
                _("%(name)s: a price delta must be below %(max)s", name=option.name, max=MAX_DELTA),
            )
        if places(delta) > exponent:
            raise unprocessable(
                f"{where}.price_delta",
                _(
                    "%(name)s: a price delta may have at most %(places)s decimal places",
                    name=option.name,
                    places=exponent,
                ),
            )


def _option_out(o: ModifierOption) -> OptionOut:
    return OptionOut(
        id=o.id,
        code=o.code,
        name=o.name,
        kind=o.kind,
        # NUMERIC(14,4) pads ("1.5000"); the admin page shows what was typed.
        price_delta=Decimal(f"{o.price_delta.normalize():f}"),
        station_code=o.station_code,
        active=o.active,
    )


def _group_out(g: ModifierGroup, options: list[OptionOut]) -> GroupOut:
    return GroupOut(
        id=g.id,
        code=g.code,
        name=g.name,
        min_choices=g.min_choices,
        max_choices=g.max_choices,
        free_choices=g.free_choices,
        sort_order=g.sort_order,
        active=g.active,
        options=options,
    )


def _unavailable_out(row: MenuUnavailable, name: str) -> UnavailableOut:
    return UnavailableOut(
        branch_id=row.branch_id,
        product_id=row.product_id,
        option_id=row.option_id,
        name=name,
        reason=row.reason,
        source=row.source,
        back_at=row.back_at,
        created_at=row.created_at,
    )
