"""The course shop's orders and return policy, as tools (framework step 2).

:func:`load_orders` reads ``data/shop_orders/orders.yaml`` (invented orders, one fixed
``today``). :func:`return_verdict` applies the help centre's return rules to one item of one
order: the 30-day window (60 days for Plus members, not for electronics), the marketplace
sellers' 14-day minimum, the holiday extension to 15 January, the items that cannot be returned
unless faulty, and what the return costs (parcel labels by country, collection fees for bulky
items, nothing for faulty items). :class:`ShopTools` exposes ``lookup_order`` and
``check_return`` the way a model calls them: by name, with JSON arguments, returning JSON-ready
dicts and an ``error`` instead of raising, so a wrong call is an observation, not a crash.
Left out on purpose: partial refunds for used items, orders not yet delivered, exchanges.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from genai_design.corpora.documents import data_dir

# Categories that cannot be returned once delivered unless faulty (help centre: non-returnable items).
NON_RETURNABLE = {"personalised": "personalised items", "plants": "live plants, bulbs and seeds",
                  "cut-to-length": "cut-to-length goods", "opened food": "opened food and drink",
                  "fuel": "fuel", "gift card": "gift cards"}
PARCEL_FEE_EUR = {"NL": 0.0, "BE": 0.0, "LU": 5.95, "DE": 5.95, "AT": 5.95, "FR": 5.95}  # return label
COLLECTION_FEE_EUR = {"NL": 39.0, "BE": 39.0, "LU": 59.0, "DE": 59.0, "AT": 59.0, "FR": 69.0}  # bulky items
BULKY = {"furniture"}  # categories collected from the home instead of sent as a parcel
LEGAL_GUARANTEE_DAYS = 730  # faulty items: the 2-year legal guarantee


@dataclass(frozen=True)
class Item:
    name: str  # as the order lists it
    category: str  # decides the window and whether it can be returned
    seller: str  # "quillmere", or a marketplace seller's name
    price_eur: float


@dataclass(frozen=True)
class Order:
    id: str  # QM- and five digits
    customer: str
    country: str  # two-letter code: decides return costs
    plus_member: bool  # Quillmere Plus: 60-day window and free parcel labels
    delivered: dt.date
    items: tuple[Item, ...]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["delivered"] = self.delivered.isoformat()
        d["items"] = [asdict(i) for i in self.items]
        return d


@dataclass(frozen=True)
class ReturnVerdict:
    """Whether one item can be returned today, and what it costs."""

    order_id: str
    item: str
    eligible: bool  # can be returned (or, if faulty, claimed) today
    deadline: str | None  # last day of the return window (None: no window applies)
    cost_eur: float  # deducted from the refund (0 when not eligible)
    reason: str  # the rule that decided, in one sentence

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_orders(path: str | Path | None = None) -> tuple[dt.date, dict[str, Order]]:
    """``(today, orders by id)`` from the course's orders file (or ``path``)."""
    import yaml

    raw = yaml.safe_load(Path(path or data_dir() / "shop_orders" / "orders.yaml").read_text())
    orders = {}
    for o in raw["orders"]:
        items = tuple(Item(i["name"], i["category"], i["seller"], float(i["price_eur"])) for i in o["items"])
        orders[o["id"]] = Order(o["id"], o["customer"], o["country"], bool(o["plus_member"]),
                                _date(o["delivered"]), items)
    return _date(raw["today"]), orders


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def find_item(order: Order, name: str) -> Item | None:
    """The order's item whose name contains ``name`` or is contained in it (case-insensitive)."""
    wanted = " ".join(name.lower().split())
    if not wanted:
        return None
    hits = [i for i in order.items if wanted in i.name.lower() or i.name.lower() in wanted]
    return hits[0] if len(hits) == 1 else None


def return_verdict(order: Order, item: Item, today: dt.date, faulty: bool = False) -> ReturnVerdict:
    """Apply the return rules to ``item`` of ``order`` on ``today`` (see the module docstring)."""
    age = (today - order.delivered).days
    if faulty:
        ok = age <= LEGAL_GUARANTEE_DAYS
        return ReturnVerdict(order.id, item.name, ok, (order.delivered + dt.timedelta(LEGAL_GUARANTEE_DAYS)).isoformat(),
                             0.0, "a faulty item is covered by the 2-year legal guarantee, free of charge" if ok
                             else "the 2-year legal guarantee has ended")
    if item.category in NON_RETURNABLE:
        return ReturnVerdict(order.id, item.name, False, None, 0.0,
                             f"{NON_RETURNABLE[item.category]} cannot be returned once delivered unless faulty")
    marketplace = item.seller.lower() != "quillmere"
    if marketplace:
        days, rule = 14, f"marketplace items follow the seller's window ({item.seller}: at least 14 days)"
    elif item.category == "electronics":
        days, rule = 30, "electronics have a 30-day window, also for Plus members"
    elif order.plus_member:
        days, rule = 60, "Quillmere Plus members have a 60-day window"
    else:
        days, rule = 30, "most items have a 30-day window"
    deadline = order.delivered + dt.timedelta(days)
    holiday = dt.date(order.delivered.year, 11, 15) <= order.delivered <= dt.date(order.delivered.year, 12, 24)
    if holiday and not marketplace and deadline < dt.date(order.delivered.year + 1, 1, 15):
        deadline, rule = dt.date(order.delivered.year + 1, 1, 15), "holiday deliveries can be returned until 15 January"
    eligible = today <= deadline
    if not eligible:
        return ReturnVerdict(order.id, item.name, False, deadline.isoformat(), 0.0, f"{rule}; it ended on {deadline}")
    if item.category in BULKY:
        cost = COLLECTION_FEE_EUR[order.country]
    elif order.plus_member:
        cost = 0.0
    else:
        cost = PARCEL_FEE_EUR[order.country]
    return ReturnVerdict(order.id, item.name, True, deadline.isoformat(), cost, f"{rule}; it runs until {deadline}")


class ShopTools:
    """``lookup_order`` and ``check_return`` over the orders, callable by name with JSON arguments."""

    names = ("lookup_order", "check_return")

    def __init__(self, today: dt.date, orders: dict[str, Order]) -> None:
        self.today, self.orders = today, orders

    def call(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        """Run tool ``name``; a bad name or bad arguments come back as ``{"error": ...}``."""
        if name == "lookup_order":
            return self.lookup_order(str(args.get("order_id", "")))
        if name == "check_return":
            return self.check_return(str(args.get("order_id", "")), str(args.get("item", "")),
                                     bool(args.get("faulty", False)))
        return {"error": f"unknown tool {name!r}; tools: {', '.join(self.names)}"}

    def lookup_order(self, order_id: str) -> dict[str, Any]:
        order = self.orders.get(order_id.strip().upper())
        if order is None:
            return {"error": f"no order {order_id!r}"}
        return order.to_dict()

    def check_return(self, order_id: str, item: str, faulty: bool = False) -> dict[str, Any]:
        order = self.orders.get(order_id.strip().upper())
        if order is None:
            return {"error": f"no order {order_id!r}"}
        found = find_item(order, item)
        if found is None:
            return {"error": f"order {order.id} has no single item matching {item!r}; items: "
                             + ", ".join(i.name for i in order.items)}
        return return_verdict(order, found, self.today, faulty).to_dict()
