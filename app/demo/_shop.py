"""The demo shop's content, as plain data. Everything is derived from fixed tables (no randomness) so the
shop is identical on every machine and tests can rely on it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

DEMO_PASSWORD = "passline-demo"  # noqa: S105 - published on purpose: it is printed by `passline seed-demo`

_CENT = Decimal("0.01")
_HALF = Decimal("0.5")


@dataclass(frozen=True, slots=True)
class BranchSpec:
    code: str
    name: str
    timezone: str
    prices_include_tax: bool
    cash_rounding: Decimal
    address: str
    phone: str
    tax_number_h1: str
    tax_number_h2: str
    country: str = "EG"


# One tax-inclusive branch with cash rounding and one tax-exclusive branch without, in different time zones,
# so pricing and business-date code meets both cases on the demo data.
BRANCHES = (
    BranchSpec(
        code="DT",
        name="Downtown",
        timezone="Africa/Cairo",
        prices_include_tax=True,
        cash_rounding=Decimal("0.50"),
        address="12 Talaat Harb St, Downtown, Cairo",
        phone="+20223950001",
        tax_number_h1="100-200-301",
        tax_number_h2="100-200-302",
    ),
    BranchSpec(
        code="RS",
        name="Riverside",
        timezone="Europe/London",
        prices_include_tax=False,
        cash_rounding=Decimal("0.00"),
        address="4 Riverside Walk, London SE1",
        phone="+442079460002",
        tax_number_h1="100-200-401",
        tax_number_h2="100-200-402",
        country="GB",
    ),
)
CURRENCY = "EGP"
CURRENCY_EXPONENT = 2


def tax_number_dates(year: int) -> tuple[dt.date, dt.date]:
    """The seller tax number changes mid-year, so invoices in one year use two numbers (DESIGN §7)."""
    return dt.date(year, 1, 1), dt.date(year, 7, 1)


# (code, name, warn after s, late after s)
STATIONS = (
    ("grill", "Grill", 420, 720),
    ("fryer", "Fryer", 300, 540),
    ("drinks", "Drinks", 120, 240),
    ("cold", "Cold kitchen", 240, 480),
)


@dataclass(frozen=True, slots=True)
class UserSpec:
    username: str
    full_name: str
    roles: tuple[str, ...]
    branches: tuple[str, ...]
    employee_code: str


_ALL = ("DT", "RS")
USERS = (
    UserSpec("admin", "Amira Admin", ("admin",), _ALL, "E0001"),
    UserSpec("manager", "Mostafa Manager", ("manager",), _ALL, "E0002"),
    UserSpec("cashier", "Carla Cashier", ("cashier",), ("DT",), "E0003"),
    UserSpec("kitchen", "Karim Kitchen", ("kitchen",), ("DT",), "E0004"),
    UserSpec("hr", "Hana HR", ("hr",), _ALL, "E0005"),
    *(
        UserSpec(f"courier{n}", f"Courier {n}", ("courier",), ("DT" if n <= 3 else "RS",), f"E01{n:02d}")
        for n in range(1, 7)
    ),
)
DEMO_USERS: list[tuple[str, tuple[str, ...]]] = [(u.username, u.roles) for u in USERS]

# (courier username, display name, phone, vehicle); the courier's branch is its user's branch.
COURIERS = (
    ("courier1", "Omar Said", "+201001110001", "motorbike"),
    ("courier2", "Youssef Adel", "+201001110002", "motorbike"),
    ("courier3", "Mina Fawzy", "+201001110003", "bicycle"),
    ("courier4", "Tom Hughes", "+447700900004", "scooter"),
    ("courier5", "Priya Shah", "+447700900005", "bicycle"),
    ("courier6", "Sam Okafor", "+447700900006", "car"),
)


# (code, name, delivery charge, courier fee). New Cairo pays the courier more than the customer is
# charged, so settlement previews with a negative net exist in the demo.
TERRITORIES = (
    ("ZAM", "Zamalek", Decimal("25.00"), Decimal("20.00")),
    ("MAA", "Maadi", Decimal("35.00"), Decimal("30.00")),
    ("NCA", "New Cairo", Decimal("40.00"), Decimal("55.00")),
)


@dataclass(frozen=True, slots=True)
class CustomerSpec:
    name: str
    phones: tuple[str, ...]  # the first one is primary, and is the customer's natural key for the seed
    addresses: tuple[tuple[str, str, str], ...]  # (label, address, territory code); the first is default
    company_name: str | None = None
    tax_number: str | None = None
    email: str | None = None
    credit_limit: Decimal = Decimal(0)


_CUSTOMER_NAMES = (
    "Nour Hassan",
    "Ahmed Fathy",
    "Laila Mahmoud",
    "Khaled Samir",
    "Mona Ibrahim",
    "Tarek Nabil",
    "Salma Youssef",
    "Hossam Ali",
    "Dina Kamal",
    "Sherif Mansour",
    "Rania Adel",
    "Walid Ezzat",
    "Yasmin Farouk",
    "Amr Shawky",
    "Heba Lotfy",
    "Karim Zaki",
    "Nadia Saleh",
    "Mahmoud Reda",
    "Farida Gamal",
    "Bassem Helmy",
)
_COMPANIES = {
    3: ("Nile Trading Co.", "300-111-203"),
    8: ("Delta Offices LLC", "300-111-208"),
    13: ("Cairo Events Ltd.", "300-111-213"),
    18: ("Zamalek Clinic", "300-111-218"),
}
_STREETS = ("26th of July St", "Road 9", "90th St", "Brazil St", "Street 233", "Teseen St")


def _customer(index: int, name: str) -> CustomerSpec:
    territory = TERRITORIES[index % len(TERRITORIES)][0]
    phones = [f"+20100555{index:04d}"]
    if index % 5 == 0:
        phones.append(f"+2022735{index:04d}")
    addresses = [("Home", f"{index + 3} {_STREETS[index % len(_STREETS)]}, flat {index % 9 + 1}", territory)]
    if index % 4 == 0:
        other = TERRITORIES[(index + 1) % len(TERRITORIES)][0]
        addresses.append(("Work", f"Office {index + 100}, {_STREETS[(index + 2) % len(_STREETS)]}", other))
    company = _COMPANIES.get(index)
    if company is None:
        return CustomerSpec(name=name, phones=tuple(phones), addresses=tuple(addresses))
    company_name, tax_number = company
    return CustomerSpec(
        name=name,
        phones=tuple(phones),
        addresses=tuple(addresses),
        company_name=company_name,
        tax_number=tax_number,
        email=f"accounts{index}@example.com",
        credit_limit=Decimal("5000.00"),
    )


CUSTOMERS = tuple(_customer(i, name) for i, name in enumerate(_CUSTOMER_NAMES, start=1))


@dataclass(frozen=True, slots=True)
class CategorySpec:
    code: str
    name: str
    sku_prefix: str
    station: str
    tax_rate: Decimal
    base_unit: str  # piece or kg
    # (item name, counter price of the plain variant); 8 items x 3 variants = 24 products per category
    items: tuple[tuple[str, str], ...]
    # (name pattern, price multiplier, pieces per package or 0 for none)
    variants: tuple[tuple[str, str, int], ...]


_SIZES = (("Small {}", "0.8", 0), ("{}", "1", 0), ("Large {}", "1.3", 0))
_PORTIONS = (("{}", "1", 0), ("{} Combo", "1.5", 0), ("Family {}", "2.6", 0))

CATEGORIES = (
    CategorySpec(
        "grill",
        "Grill",
        "GRL",
        "grill",
        Decimal(14),
        "piece",
        (
            ("Beef Burger", "95"),
            ("Chicken Burger", "85"),
            ("Kofta Plate", "110"),
            ("Shish Tawook", "105"),
            ("Mixed Grill", "180"),
            ("Lamb Chops", "220"),
            ("Grilled Chicken Quarter", "90"),
            ("Steak Plate", "240"),
        ),
        _PORTIONS,
    ),
    CategorySpec(
        "sandwiches",
        "Sandwiches",
        "SND",
        "grill",
        Decimal(14),
        "piece",
        (
            ("Liver Sandwich", "35"),
            ("Sausage Sandwich", "40"),
            ("Shawarma Sandwich", "60"),
            ("Steak Sandwich", "95"),
            ("Club Sandwich", "75"),
            ("Halloumi Wrap", "55"),
            ("Turkey Melt", "70"),
            ("Chicken Pane Sandwich", "65"),
        ),
        (("{}", "1", 0), ("{} Baguette", "1.3", 0), ("{} Meal", "1.7", 0)),
    ),
    CategorySpec(
        "fried",
        "Fried & sides",
        "FRY",
        "fryer",
        Decimal(14),
        "piece",
        (
            ("Fries", "30"),
            ("Chicken Strips", "85"),
            ("Onion Rings", "35"),
            ("Fried Calamari", "140"),
            ("Chicken Wings", "95"),
            ("Mozzarella Sticks", "60"),
            ("Fish Fillet", "120"),
            ("Potato Wedges", "35"),
        ),
        _SIZES,
    ),
    CategorySpec(
        "breakfast",
        "Breakfast",
        "BRK",
        "fryer",
        Decimal(5),
        "piece",
        (
            ("Ful Medames", "25"),
            ("Taameya", "20"),
            ("Shakshuka", "45"),
            ("Eggs with Pastrami", "60"),
            ("Cheese Omelette", "40"),
            ("Fiteer", "70"),
            ("Fried Eggs", "30"),
            ("Potato Cakes", "30"),
        ),
        _PORTIONS,
    ),
    CategorySpec(
        "hot_drinks",
        "Hot drinks",
        "HOT",
        "drinks",
        Decimal(14),
        "piece",
        (
            ("Espresso", "35"),
            ("Cappuccino", "50"),
            ("Latte", "55"),
            ("Turkish Coffee", "30"),
            ("Mint Tea", "25"),
            ("Hot Chocolate", "55"),
            ("Sahlab", "45"),
            ("Anise Tea", "25"),
        ),
        _SIZES,
    ),
    CategorySpec(
        "cold_drinks",
        "Cold drinks",
        "CLD",
        "drinks",
        Decimal(14),
        "piece",
        (
            ("Cola", "15"),
            ("Lemon Soda", "15"),
            ("Orange Juice", "25"),
            ("Mango Juice", "25"),
            ("Mineral Water", "8"),
            ("Sparkling Water", "12"),
            ("Iced Tea", "20"),
            ("Guava Juice", "25"),
        ),
        # Cans come in packs of six and small bottles in cases of twelve, each with their own barcode.
        (("{} Can 330ml", "1", 6), ("{} Bottle 500ml", "1.3", 12), ("{} Bottle 1L", "2", 0)),
    ),
    CategorySpec(
        "salads",
        "Salads",
        "SLD",
        "cold",
        Decimal(14),
        "piece",
        (
            ("Green Salad", "35"),
            ("Tahini", "20"),
            ("Baba Ghanoush", "30"),
            ("Caesar Salad", "75"),
            ("Greek Salad", "70"),
            ("Fattoush", "45"),
            ("Tabbouleh", "45"),
            ("Coleslaw", "25"),
        ),
        _SIZES,
    ),
    CategorySpec(
        "desserts",
        "Desserts",
        "DES",
        "cold",
        Decimal(14),
        "piece",
        (
            ("Om Ali", "55"),
            ("Rice Pudding", "35"),
            ("Basbousa", "30"),
            ("Konafa", "45"),
            ("Cheesecake", "75"),
            ("Chocolate Cake", "70"),
            ("Fruit Salad", "50"),
            ("Ice Cream Cup", "40"),
        ),
        _SIZES,
    ),
    CategorySpec(
        "deli",
        "Deli counter",
        "DLI",
        "cold",
        # Basic foodstuffs are zero-rated.
        Decimal(0),
        "kg",
        (
            ("Roumy Cheese", "320"),
            ("Feta Cheese", "180"),
            ("Cheddar", "420"),
            ("Halloumi", "380"),
            ("Smoked Turkey", "450"),
            ("Beef Pastrami", "520"),
            ("Green Olives", "140"),
            ("Black Olives", "160"),
        ),
        (("{}", "1", 0), ("Premium {}", "1.35", 0), ("Light {}", "0.9", 0)),
    ),
    CategorySpec(
        "bakery",
        "Bakery",
        "BAK",
        "cold",
        Decimal(5),
        "piece",
        (
            ("Baladi Bread", "2"),
            ("Croissant", "25"),
            ("Pain au Chocolat", "30"),
            ("Cheese Fateera", "35"),
            ("Sesame Simit", "10"),
            ("Date Ka'ak", "12"),
            ("Brown Toast Slice", "3"),
            ("Muffin", "28"),
        ),
        (("{}", "1", 0), ("Mini {}", "0.6", 0), ("Filled {}", "1.4", 0)),
    ),
)


@dataclass(frozen=True, slots=True)
class ProductSpec:
    sku: str
    barcode: str
    name: str
    category: str
    base_unit: str
    tax_rate: Decimal
    station: str
    counter_price: Decimal
    package_size: int  # pieces per `package` unit, 0 when the product has none
    package_barcode: str | None
    description: str
    kind: str = "item"

    @property
    def stock_tracked(self) -> bool:
        # Packaged goods are bought in and counted; prepared food is not.
        return self.package_size > 0

    @property
    def wholesale_price(self) -> Decimal:
        return _to_cent(self.counter_price * Decimal("0.85"))

    @property
    def package_counter_price(self) -> Decimal:
        return _to_half(self.counter_price * self.package_size * Decimal("0.9"))

    @property
    def package_wholesale_price(self) -> Decimal:
        return _to_cent(self.package_counter_price * Decimal("0.85"))


def ean13(first_twelve: str) -> str:
    """Append the EAN-13 check digit: weights 1, 3, 1, 3, … from the left over the first twelve digits."""
    if len(first_twelve) != 12 or not first_twelve.isdigit():
        msg = f"EAN-13 needs twelve digits before the check digit, got {first_twelve!r}"
        raise ValueError(msg)
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first_twelve))
    return first_twelve + str((10 - total % 10) % 10)


def _to_cent(amount: Decimal) -> Decimal:
    return amount.quantize(_CENT, rounding=ROUND_HALF_UP)


def _to_half(amount: Decimal) -> Decimal:
    """Round to a multiple of 0.50, the way a menu prices things."""
    halves = (amount / _HALF).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return _to_cent(halves * _HALF)


def _products() -> tuple[ProductSpec, ...]:
    out: list[ProductSpec] = []
    for category in CATEGORIES:
        number = 0
        for item, price in category.items:
            for pattern, multiplier, package_size in category.variants:
                number += 1
                serial = len(out) + 1
                unit_word = "per kg" if category.base_unit == "kg" else "each"
                # Prefix 20 is GS1's restricted-circulation range: in-store codes that never clash with a
                # manufacturer's barcode on real goods. Products use 200…, their packages 201….
                out.append(
                    ProductSpec(
                        sku=f"{category.sku_prefix}-{number:03d}",
                        barcode=ean13(f"2000000{serial:05d}"),
                        name=pattern.format(item),
                        category=category.code,
                        base_unit=category.base_unit,
                        tax_rate=category.tax_rate,
                        station=category.station,
                        counter_price=_to_half(Decimal(price) * Decimal(multiplier)),
                        package_size=package_size,
                        package_barcode=ean13(f"2010000{serial:05d}") if package_size else None,
                        description=f"{category.name}: {pattern.format(item)}, priced {unit_word}.",
                    )
                )
    return tuple(out)


_ITEMS = _products()

# The combo meal (a bundle): a beef burger and regular fries, plus a drink of the customer's choice; the
# one-litre bottle costs extra. The cans are stock-tracked, so selling the combo counts them down.
COMBO = ProductSpec(
    sku="CMB-001",
    barcode=ean13(f"2000000{len(_ITEMS) + 1:05d}"),
    name="Burger Meal Deal",
    category="grill",
    base_unit="piece",
    tax_rate=Decimal(14),
    station="grill",
    counter_price=Decimal("125.00"),
    package_size=0,
    package_barcode=None,
    description="Combo: Beef Burger, Fries and a drink of your choice.",
    kind="bundle",
)
# (group code, name, kind, choose, ((sku, qty, extra price), ...))
COMBO_GROUPS = (
    ("main", "Burger and fries", "fixed", 1, (("GRL-001", 1, "0"), ("FRY-002", 1, "0"))),
    (
        "drink",
        "Pick a drink",
        "choice",
        1,
        (("CLD-001", 1, "0"), ("CLD-004", 1, "0"), ("CLD-013", 1, "0"), ("CLD-003", 1, "10.00")),
    ),
)
PRODUCTS = (*_ITEMS, COMBO)

# Each branch has one till that needs an open shift before it sells.
POS_PROFILES = (("till-1", "Front counter till"),)
# The demo tills ask the cashier to confirm a sale over this (EGP): a meal for a family is 500-800.
POS_CONFIRM_TOTAL = Decimal(2000)
# Stock on hand of every stock-tracked product in every branch, in its base unit (cans and bottles).
OPENING_STOCK = Decimal(240)

# Riverside charges more for hot drinks than the all-branch list: exercises branch-specific price rows.
BRANCH_PRICE_OVERRIDES = (("RS", "hot_drinks", Decimal("1.10")),)

# Company customers buy a few items at negotiated rates (below wholesale): exercises customer_prices.
CUSTOMER_PRICE_SKUS = ("CLD-001", "CLD-013", "DLI-001", "DLI-004", "BAK-001", "GRL-001")
CUSTOMER_PRICE_FACTOR = Decimal("0.80")


def override_price(price: Decimal, factor: Decimal) -> Decimal:
    return _to_half(price * factor)


def customer_price(counter_price: Decimal) -> Decimal:
    return _to_cent(counter_price * CUSTOMER_PRICE_FACTOR)
