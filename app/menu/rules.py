"""What may be sold right now: nothing 86'd at the branch (an item, a bundle's component, a modifier
option). Plain data in, a 422 naming the line's field and the item out, so the order path (and an offline
replay) refuses an 86'd item exactly like a bad price."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from app.lib.errors import ApiError, unprocessable
from app.lib.i18n import LazyText, _

if TYPE_CHECKING:
    from app.catalog.cache import ProductInfo
    from app.catalog.menu_depth import Unavailable


@dataclass(frozen=True, slots=True)
class Wanted:
    """One request line as far as availability goes."""

    index: int
    product_id: int
    modifiers: tuple[int, ...] = ()
    components: tuple[int, ...] = ()


def _sold_out(name: str, back_at: dt.datetime | None, zone: ZoneInfo) -> LazyText:
    if back_at is None:
        return _("%(name)s is 86'd (sold out)", name=name)
    return _(
        "%(name)s is 86'd (sold out) until %(time)s",
        name=name,
        time=back_at.astimezone(zone).strftime("%H:%M"),
    )


def refuse_unavailable(
    wanted: Iterable[Wanted],
    products: Mapping[int, ProductInfo],
    unavailable: Unavailable,
    *,
    timezone: str,
) -> ApiError | None:
    """The 422 for the first 86'd thing asked for, else None."""
    if not unavailable.products and not unavailable.options:
        return None
    zone = ZoneInfo(timezone)
    names = {o.id: o.name for p in products.values() for g in p.modifier_groups for o in g.options}
    for line in wanted:
        where = f"lines[{line.index}]"
        for product_id in (line.product_id, *line.components):
            if product_id in unavailable.products:
                product = products.get(product_id)
                name = product.name if product is not None else f"product {product_id}"
                return unprocessable(
                    f"{where}.product_id", _sold_out(name, unavailable.products[product_id], zone)
                )
        for option_id in line.modifiers:
            if option_id in unavailable.options:
                name = names.get(option_id, f"option {option_id}")
                return unprocessable(
                    f"{where}.modifiers", _sold_out(name, unavailable.options[option_id], zone)
                )
    return None
