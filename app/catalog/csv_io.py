"""The menu as a CSV file: export it, edit it in a spreadsheet, import it back.

One row per product, keyed by SKU. An import is all or nothing: every row is checked first and every
problem reported with its line, column and reason; only a file without problems is written, in one
transaction. Export → import is a no-op, and export → import into an empty menu → export gives the same
bytes (the test does this with the demo's 240 products and its combo).

Columns (the header must be exactly this):
  sku, name, category, category_name, base_unit, barcode, tax_rate, station, active, stock_tracked,
  description, units, prices, bundle
- units: the units besides the base one, `unit:factor[:barcode]` joined by `;` (`package:6:2010000000017`).
- prices: `list:unit=price` joined by `;`, a branch's own price as `list:unit@BRANCH=price`
  (`counter:piece=35.00;wholesale:piece=29.75;counter:piece@RS=38.50`).
- bundle: empty for an item; for a combo its groups as JSON
  (`[{"code":"main","name":"Burger and fries","kind":"fixed","choose":1,"items":[{"sku":"GRL-001",…}]}]`).
A category named in the file that does not exist yet is created with `category_name`.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Literal

import msgspec
from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from app.catalog.announce import announce_catalog_change
from app.catalog.edit_schemas import ProductIn
from app.catalog.editing import money_rules, plain, product_data, snapshot, write_product
from app.catalog.rules import Money, price_problem, product_problems
from app.db.models import Branch, BundleGroup, BundleItem, Category, Product, ProductPrice, ProductUnit
from app.lib import audit
from app.lib.deps import ScopedService
from app.lib.errors import ApiError
from app.lib.fields import Checked, EditedAmount, Qty
from app.lib.i18n import _
from app.lib.money import places, quantum

if TYPE_CHECKING:
    from app.auth.sessions import SessionUser

HEADER = (
    "sku",
    "name",
    "category",
    "category_name",
    "base_unit",
    "barcode",
    "tax_rate",
    "station",
    "active",
    "stock_tracked",
    "description",
    "units",
    "prices",
    "bundle",
)
MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
# The first this many problems are listed; a file that is wrong everywhere does not need 20 000 lines of it.
MAX_REPORTED = 500
_TRUE = {"yes", "true", "1", "y"}
_FALSE = {"no", "false", "0", "n"}
_PRICE = re.compile(r"^([a-z_]+):([a-z][a-z0-9_]*)(?:@([A-Z0-9]{2,10}))?=(.*)$")
_FIELD_TO_COLUMN = {"category_id": "category", "station_code": "station"}


@dataclass(slots=True)
class RowProblem:
    line: int
    column: str | None
    message: str


class ImportReport(msgspec.Struct, kw_only=True):
    applied: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    categories_created: int


class _BundleItemCsv(Checked, forbid_unknown_fields=True, kw_only=True):
    sku: str
    unit: str | None = None
    qty: Qty = Decimal(1)
    extra_price: EditedAmount = Decimal(0)


class _BundleGroupCsv(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    code: str
    name: str
    kind: Literal["fixed", "choice"]
    choose: int = 1
    items: list[_BundleItemCsv]


_bundle_decoder = msgspec.json.Decoder(list[_BundleGroupCsv])
_bundle_encoder = msgspec.json.Encoder()


@dataclass(slots=True)
class _Row:
    line: int
    data: ProductIn
    category_code: str
    category_name: str
    bundle: list[_BundleGroupCsv] | None
    problems: list[RowProblem] = field(default_factory=list)


def file_problem(line: int, message: str) -> ApiError:
    return ApiError(
        422,
        _("line %(line)s: %(message)s", line=line, message=message),
        line=line,
        errors=[{"line": line, "column": None, "message": str(message)}],
    )


def decode_csv(raw: bytes) -> str:
    """UTF-8 text (a byte-order mark from a spreadsheet is fine), or a 422 naming the line of the bad byte."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        byte = format(raw[exc.start], "02x")
        raise file_problem(
            line, _("the file is not UTF-8 text (byte 0x%(byte)s); save it as CSV UTF-8", byte=byte)
        ) from None


class MenuCsv(ScopedService):
    # ------------------------------------------------------------------ export

    async def export(self) -> str:
        money = await money_rules(self.session)
        branch_codes = dict((await self.session.execute(select(Branch.id, Branch.code))).all())
        categories = {c.id: c for c in await self.session.scalars(select(Category))}
        products = (
            await self.session.scalars(
                select(Product)
                .join(Category, Category.id == Product.category_id)
                .options(selectinload(Product.units))
                .order_by(Category.sort_order, Category.code, Product.sku)
            )
        ).all()
        skus = {p.id: p.sku for p in products}
        prices: dict[int, list[ProductPrice]] = {}
        for price in await self.session.scalars(
            select(ProductPrice).order_by(
                ProductPrice.price_list, ProductPrice.unit, ProductPrice.branch_id.nulls_first()
            )
        ):
            prices.setdefault(price.product_id, []).append(price)
        bundles = await self._bundles(skus)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(HEADER)
        for p in products:
            category = categories[p.category_id]
            units = sorted((u for u in p.units if u.unit != p.base_unit), key=lambda u: (u.factor, u.unit))
            writer.writerow(
                (
                    p.sku,
                    p.name,
                    category.code,
                    category.name,
                    p.base_unit,
                    p.barcode or "",
                    str(plain(p.tax_rate)),
                    p.station_code,
                    "yes" if p.active else "no",
                    "yes" if p.stock_tracked else "no",
                    p.description,
                    ";".join(
                        f"{u.unit}:{plain(u.factor)}" + (f":{u.barcode}" if u.barcode else "") for u in units
                    ),
                    ";".join(
                        f"{r.price_list}:{r.unit}"
                        + (f"@{branch_codes[r.branch_id]}" if r.branch_id is not None else "")
                        + f"={_money_text(r.price, money, r.branch_id)}"
                        for r in prices.get(p.id, [])
                    ),
                    bundles.get(p.id, ""),
                )
            )
        return out.getvalue()

    async def _bundles(self, skus: dict[int, str]) -> dict[int, str]:
        rows = await self.session.execute(
            select(BundleGroup, BundleItem)
            .join(BundleItem, BundleItem.group_id == BundleGroup.id)
            .order_by(
                BundleGroup.bundle_id,
                BundleGroup.sort_order,
                BundleGroup.id,
                BundleItem.sort_order,
                BundleItem.id,
            )
        )
        groups: dict[int, dict[int, dict[str, Any]]] = {}
        for group, item in rows:
            entry = groups.setdefault(group.bundle_id, {}).setdefault(
                group.id,
                {
                    "code": group.code,
                    "name": group.name,
                    "kind": group.kind,
                    "choose": group.choose,
                    "items": [],
                },
            )
            entry["items"].append(
                {
                    "sku": skus[item.product_id],
                    "unit": item.unit,
                    "qty": str(plain(item.qty)),
                    "extra_price": str(_two(item.extra_price)),
                }
            )
        return {
            bundle_id: _bundle_encoder.encode(list(by_id.values())).decode()
            for bundle_id, by_id in groups.items()
        }

    # ------------------------------------------------------------------ import

    async def import_csv(self, *, raw: bytes, apply: bool, actor: SessionUser) -> ImportReport:
        text = decode_csv(raw)
        money = await money_rules(self.session)
        branch_ids = dict((await self.session.execute(select(Branch.code, Branch.id))).all())
        categories = {c.code: c for c in await self.session.scalars(select(Category))}
        rows = self._parse(text, money, branch_ids, categories)
        problems = [p for row in rows for p in row.problems]
        problems += await self._cross_check([row for row in rows if not row.problems])
        problems.sort(key=lambda p: p.line)
        if problems:
            shown = problems[:MAX_REPORTED]
            lines = len({p.line for p in problems})
            raise ApiError(
                422,
                _(
                    "%(rows)s rows have problems; nothing was imported. %(first)s",
                    rows=lines,
                    first="; ".join(f"{p.line}, {p.column or '-'}: {p.message}" for p in shown[:3]),
                ),
                errors=[{"line": p.line, "column": p.column, "message": str(p.message)} for p in shown],
                problems=len(problems),
            )
        return await self._write(rows, categories, apply=apply, actor=actor)

    def _parse(
        self, text: str, money: Money, branch_ids: dict[str, int], categories: dict[str, Category]
    ) -> list[_Row]:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        try:
            header = next(reader, None)
        except csv.Error as exc:
            raise file_problem(1, _("not a CSV file (%(why)s)", why=str(exc))) from None
        if header is None:
            raise file_problem(
                1, _("the file is empty; it needs the header row %(header)s", header=",".join(HEADER))
            )
        if [h.strip() for h in header] != list(HEADER):
            raise file_problem(
                1,
                _(
                    "the header must be exactly: %(header)s (found: %(found)s)",
                    header=",".join(HEADER),
                    found=",".join(header)[:300],
                ),
            )
        rows: list[_Row] = []
        line = reader.line_num
        while True:
            start = line + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                raise file_problem(
                    reader.line_num, _("the CSV is broken here (%(why)s)", why=str(exc))
                ) from None
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise file_problem(start, _("more than %(n)s products in one file", n=MAX_ROWS))
            rows.append(_parse_row(start, cells, money, branch_ids, categories))
        if not rows:
            raise file_problem(2, _("the file has a header but no products"))
        return rows

    async def _cross_check(self, rows: list[_Row]) -> list[RowProblem]:  # noqa: PLR0912 - SKUs, barcodes, combos
        """Problems between rows, and between the file and the products it does not list."""
        problems: list[RowProblem] = []
        by_sku: dict[str, int] = {}
        for row in rows:
            if row.data.sku in by_sku:
                problems.append(
                    RowProblem(
                        row.line,
                        "sku",
                        _("%(sku)s is also on line %(line)s", sku=row.data.sku, line=by_sku[row.data.sku]),
                    )
                )
            by_sku.setdefault(row.data.sku, row.line)
        in_file = set(by_sku)
        # Barcodes after the import: the file's rows replace their products' codes; others keep theirs.
        owners: dict[str, tuple[str, int | None]] = {}
        base = await self.session.execute(
            select(Product.barcode, Product.sku).where(Product.barcode.is_not(None))
        )
        units = await self.session.execute(
            select(ProductUnit.barcode, Product.sku)
            .join(Product, Product.id == ProductUnit.product_id)
            .where(ProductUnit.barcode.is_not(None))
        )
        for code, sku in [*base, *units]:
            if sku not in in_file and code is not None:
                owners[code] = (sku, None)
        for row in rows:
            codes = [("barcode", row.data.barcode)] + [("units", u.barcode) for u in row.data.units]
            for column, code in codes:
                if code is None:
                    continue
                owner = owners.get(code)
                if owner is not None and owner[0] != row.data.sku:
                    where = _("line %(line)s", line=owner[1]) if owner[1] is not None else _("the menu")
                    problems.append(
                        RowProblem(
                            row.line,
                            column,
                            _(
                                "barcode %(code)s belongs to %(sku)s (%(where)s)",
                                code=code,
                                sku=owner[0],
                                where=where,
                            ),
                        )
                    )
                owners.setdefault(code, (row.data.sku, row.line))
        # Combos name other products by SKU: in the file, or already on the menu.
        unit_sets: dict[str, set[str]] = {}
        for sku, base_unit in await self.session.execute(select(Product.sku, Product.base_unit)):
            unit_sets[sku] = {base_unit}
        for sku, unit in await self.session.execute(
            select(Product.sku, ProductUnit.unit).join(ProductUnit, ProductUnit.product_id == Product.id)
        ):
            unit_sets[sku].add(unit)
        base_of = dict((await self.session.execute(select(Product.sku, Product.base_unit))).all())
        for row in rows:
            unit_sets[row.data.sku] = {row.data.base_unit} | {u.unit for u in row.data.units}
            base_of[row.data.sku] = row.data.base_unit
        bundles_in_file = {row.data.sku for row in rows if row.bundle}
        for row in rows:
            for group in row.bundle or []:
                for item in group.items:
                    if item.sku not in unit_sets:
                        problems.append(
                            RowProblem(
                                row.line,
                                "bundle",
                                _("no product %(sku)s in the file or on the menu", sku=item.sku),
                            )
                        )
                    elif item.sku in bundles_in_file or item.sku == row.data.sku:
                        problems.append(
                            RowProblem(
                                row.line,
                                "bundle",
                                _("%(sku)s is a combo; a combo cannot hold one", sku=item.sku),
                            )
                        )
                    elif (item.unit or base_of[item.sku]) not in unit_sets[item.sku]:
                        problems.append(
                            RowProblem(
                                row.line,
                                "bundle",
                                _("%(sku)s is not sold by the %(unit)s", sku=item.sku, unit=item.unit),
                            )
                        )
        return problems

    async def _write(
        self, rows: list[_Row], categories: dict[str, Category], *, apply: bool, actor: SessionUser
    ) -> ImportReport:
        created = updated = unchanged = categories_created = 0
        next_order = (
            int(await self.session.scalar(select(func.coalesce(func.max(Category.sort_order), -1))) or 0) + 1
        )
        existing = {
            p.sku: p
            for p in await self.session.scalars(
                select(Product)
                .where(Product.sku.in_([r.data.sku for r in rows]))
                .options(selectinload(Product.units))
                .with_for_update()
            )
        }
        for row in rows:
            if row.category_code not in categories:
                category = Category(code=row.category_code, name=row.category_name, sort_order=next_order)
                next_order += 1
                self.session.add(category)
                await self.session.flush()
                categories[row.category_code] = category
                categories_created += 1
                audit.change(
                    self.session,
                    action="category.create",
                    entity_type="category",
                    entity_id=category.id,
                    actor_user_id=actor.user_id,
                    before=None,
                    after={"code": category.code, "name": category.name},
                    source="csv",
                )
            elif row.category_name and categories[row.category_code].name != row.category_name:
                category = categories[row.category_code]
                audit.change(
                    self.session,
                    action="category.update",
                    entity_type="category",
                    entity_id=category.id,
                    actor_user_id=actor.user_id,
                    before={"name": category.name},
                    after={"name": row.category_name},
                    source="csv",
                )
                category.name = row.category_name
            row.data.category_id = categories[row.category_code].id

        changed_ids: list[int] = []
        ids_by_sku: dict[str, int] = {}
        for row in rows:
            product = existing.get(row.data.sku)
            if product is None:
                product = Product(kind="item")
                self.session.add(product)
                await write_product(self.session, product, row.data, units_now={})
                audit.change(
                    self.session,
                    action="product.create",
                    entity_type="product",
                    entity_id=product.id,
                    actor_user_id=actor.user_id,
                    before=None,
                    after=product_data(product, row.data),
                    source="csv",
                )
                created += 1
                changed_ids.append(product.id)
            else:
                before = await snapshot(self.session, product)
                after = product_data(product, row.data)
                if _same(before, after):
                    unchanged += 1
                else:
                    await write_product(
                        self.session, product, row.data, units_now={u.unit: u for u in product.units}
                    )
                    audit.change(
                        self.session,
                        action="product.update",
                        entity_type="product",
                        entity_id=product.id,
                        actor_user_id=actor.user_id,
                        before=before,
                        after=after,
                        source="csv",
                    )
                    updated += 1
                    changed_ids.append(product.id)
            ids_by_sku[row.data.sku] = product.id
        changed_ids += await self._write_bundles(rows, ids_by_sku)
        report = ImportReport(
            applied=apply,
            rows=len(rows),
            created=created,
            updated=updated,
            unchanged=unchanged,
            categories_created=categories_created,
        )
        if not apply:
            await self.session.rollback()
            return report
        if changed_ids or categories_created:
            audit.record(
                self.session,
                action="catalog.import",
                entity_type="catalog",
                entity_id=None,
                actor_user_id=actor.user_id,
                data={"rows": len(rows), "created": created, "updated": updated, "unchanged": unchanged},
            )
            await announce_catalog_change(
                self.session,
                bus=self.bus,
                redis=self.redis,
                keys=self.keys,
                kind="products",
                product_ids=changed_ids,
            )
        await self.session.commit()
        return report

    async def _write_bundles(self, rows: list[_Row], ids_by_sku: dict[str, int]) -> list[int]:
        """Each row's combo groups, where they differ from what the menu has; returns the combos changed."""
        missing = {i.sku for row in rows for g in row.bundle or [] for i in g.items} - ids_by_sku.keys()
        if missing:
            ids_by_sku |= dict(
                (
                    await self.session.execute(
                        select(Product.sku, Product.id).where(Product.sku.in_(missing))
                    )
                ).all()
            )
        base_units = dict(
            (
                await self.session.execute(
                    select(Product.id, Product.base_unit).where(Product.id.in_(ids_by_sku.values()))
                )
            ).all()
        )
        current = await self._bundles({v: k for k, v in ids_by_sku.items()})
        changed: list[int] = []
        for row in rows:
            product_id = ids_by_sku[row.data.sku]
            wanted = (
                ""
                if not row.bundle
                else _bundle_encoder.encode(
                    [_normal_group(g, base_units, ids_by_sku) for g in row.bundle]
                ).decode()
            )
            if current.get(product_id, "") == wanted:
                continue
            product = await self.session.get(Product, product_id)
            assert product is not None
            await self.session.execute(delete(BundleGroup).where(BundleGroup.bundle_id == product_id))
            for order, group in enumerate(row.bundle or []):
                group_row = BundleGroup(
                    bundle_id=product_id,
                    code=group.code,
                    name=group.name,
                    kind=group.kind,
                    choose=group.choose if group.kind == "choice" else 1,
                    sort_order=order,
                )
                self.session.add(group_row)
                await self.session.flush()
                self.session.add_all(
                    BundleItem(
                        group_id=group_row.id,
                        product_id=ids_by_sku[item.sku],
                        unit=item.unit or base_units[ids_by_sku[item.sku]],
                        qty=item.qty,
                        extra_price=item.extra_price,
                        sort_order=i,
                    )
                    for i, item in enumerate(group.items)
                )
            product.kind = "bundle" if row.bundle else "item"
            await self.session.flush()
            changed.append(product_id)
        return changed


# ---------------------------------------------------------------------- one row


def _parse_row(  # noqa: PLR0912, PLR0915 - one column after the other, each with its own message
    line: int, cells: list[str], money: Money, branch_ids: dict[str, int], categories: dict[str, Category]
) -> _Row:
    problems: list[RowProblem] = []

    def bad(column: str | None, message: str) -> None:
        problems.append(RowProblem(line, column, message))

    if len(cells) != len(HEADER):
        bad(None, _("has %(n)s columns; the header has %(m)s", n=len(cells), m=len(HEADER)))
        cells = (cells + [""] * len(HEADER))[: len(HEADER)]
    cell = dict(zip(HEADER, (c.strip() for c in cells), strict=True))
    # The description may hold line breaks a spreadsheet keeps; every other cell is one line.
    cell["description"] = cells[HEADER.index("description")].strip()

    category_code = cell["category"]
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", category_code):
        bad("category", _("must be a category code: lower-case letters, digits and _"))
    elif category_code not in categories and not cell["category_name"]:
        bad("category_name", _("category %(code)s is new: give it a name", code=category_code))
    tax_rate = _decimal(cell["tax_rate"])
    if tax_rate is None:
        bad("tax_rate", _("%(value)s is not a number", value=repr(cell["tax_rate"])))
    active = _flag(cell["active"])
    if active is None:
        bad("active", _("must be yes or no"))
    stock_tracked = _flag(cell["stock_tracked"] or "no")
    if stock_tracked is None:
        bad("stock_tracked", _("must be yes or no"))

    units: list[dict[str, Any]] = []
    for part in filter(None, (p.strip() for p in cell["units"].split(";"))):
        pieces = part.split(":")
        factor = _decimal(pieces[1]) if len(pieces) in {2, 3} else None
        if factor is None:
            bad("units", _("%(part)s is not unit:factor or unit:factor:barcode", part=repr(part)))
            continue
        units.append(
            {
                "unit": pieces[0],
                "factor": factor,
                "barcode": (pieces[2] or None) if len(pieces) == 3 else None,
            }
        )

    prices: list[dict[str, Any]] = []
    for part in filter(None, (p.strip() for p in cell["prices"].split(";"))):
        match = _PRICE.fullmatch(part)
        amount = _decimal(match.group(4)) if match else None
        if match is None or amount is None:
            bad("prices", _("%(part)s is not list:unit=price (or list:unit@BRANCH=price)", part=repr(part)))
            continue
        branch_id = None
        if match.group(3):
            branch_id = branch_ids.get(match.group(3))
            if branch_id is None:
                bad("prices", _("no branch with the code %(code)s", code=match.group(3)))
                continue
        prices.append(
            {"price_list": match.group(1), "unit": match.group(2), "price": amount, "branch_id": branch_id}
        )

    bundle: list[_BundleGroupCsv] | None = None
    if cell["bundle"]:
        try:
            bundle = _bundle_decoder.decode(cell["bundle"])
        except msgspec.DecodeError as exc:
            bad("bundle", _("not a list of combo groups (%(why)s)", why=str(exc)))
        else:
            if not bundle:
                bad("bundle", _("a combo needs at least one group"))
            for group in bundle:
                if not group.items:
                    bad("bundle", _("group %(code)s has no items", code=group.code))
                elif group.kind == "choice" and not 1 <= group.choose <= len(group.items):
                    bad(
                        "bundle",
                        _(
                            "group %(code)s cannot choose %(n)s of %(m)s items",
                            code=group.code,
                            n=group.choose,
                            m=len(group.items),
                        ),
                    )
                if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", group.code) or not group.name.strip():
                    bad(
                        "bundle",
                        _("group %(code)s needs a code (a-z, 0-9, _) and a name", code=repr(group.code)),
                    )
                for item in group.items:
                    qty = item.qty
                    if not qty.is_finite() or qty <= 0 or qty > 1000 or places(qty) > 3:
                        bad(
                            "bundle",
                            _("%(sku)s: quantity must be above zero with at most 3 decimals", sku=item.sku),
                        )
                    problem = price_problem(item.extra_price, money.all_branches)
                    if problem is not None:
                        bad("bundle", _("%(sku)s: extra price %(problem)s", sku=item.sku, problem=problem))

    data: ProductIn | None = None
    try:
        data = msgspec.convert(
            {
                "sku": cell["sku"],
                "name": cell["name"],
                "category_id": 1,
                "base_unit": cell["base_unit"],
                "barcode": cell["barcode"] or None,
                "tax_rate": tax_rate if tax_rate is not None else Decimal(0),
                "station_code": cell["station"],
                "active": bool(active),
                "stock_tracked": bool(stock_tracked),
                "description": cell["description"],
                "units": units,
                "prices": prices,
            },
            ProductIn,
            from_attributes=True,
        )
    except msgspec.ValidationError as exc:
        bad(_column_of(str(exc)), _message_of(str(exc)))
    if data is not None:
        for found in product_problems(data, money):
            bad(_column_of(found.field), found.message)
    placeholder = ProductIn(
        sku="-", name="-", category_id=1, base_unit="piece", tax_rate=Decimal(0), station_code="x"
    )
    return _Row(
        line=line,
        data=data or placeholder,
        category_code=category_code,
        category_name=cell["category_name"],
        bundle=bundle,
        problems=problems,
    )


def _column_of(field_path: str) -> str:
    """`prices[1].price` → prices; `$.sku` (msgspec's path) → sku."""
    match = re.search(r"`\$\.([a-z_]+)", field_path) or re.match(r"([a-z_]+)", field_path)
    name = match.group(1) if match else "row"
    return _FIELD_TO_COLUMN.get(name, name)


def _message_of(error: str) -> str:
    return re.sub(r" - at `\$\.[^`]*`$", "", error)


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _flag(text: str) -> bool | None:
    low = text.lower()
    return True if low in _TRUE else False if low in _FALSE else None


def _money_text(value: Decimal, money: Money, branch_id: int | None) -> str:
    exponent = money.all_branches if branch_id is None else money.by_branch.get(branch_id, 2)
    quantized = value.quantize(quantum(exponent))
    return str(quantized if quantized == value else plain(value))


def _two(value: Decimal) -> Decimal:
    quantized = value.quantize(quantum(2))
    return quantized if quantized == value else plain(value)


def _normal_group(group: _BundleGroupCsv, base_units: dict[int, str], ids: dict[str, int]) -> dict[str, Any]:
    return {
        "code": group.code,
        "name": group.name,
        "kind": group.kind,
        "choose": group.choose if group.kind == "choice" else 1,
        "items": [
            {
                "sku": i.sku,
                "unit": i.unit or base_units.get(ids.get(i.sku, 0), "piece"),
                "qty": str(plain(i.qty)),
                "extra_price": str(_two(i.extra_price)),
            }
            for i in group.items
        ],
    }


def _same(before: dict[str, Any], after: dict[str, Any]) -> bool:
    keys = set(before) - {"id"}
    return all(_norm(before[k]) == _norm(after.get(k)) for k in keys)


def _norm(value: Any) -> Any:
    if isinstance(value, list):
        return sorted((_norm(v) for v in value), key=str)
    if isinstance(value, str):
        decimal = _decimal(value) if re.fullmatch(r"-?[0-9.]+", value) else None
        return plain(decimal) if decimal is not None else value
    return value
