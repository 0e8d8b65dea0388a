"""Per-user context from SQLite: framework step 3e (context enrichment).

At query time a support assistant needs facts no document holds: this customer's orders,
their status, carrier, tracking number and expected delivery. That lookup is the GenAI
analogue of an online feature store: a keyed, low-latency read joined into the request.
Here the store is a small SQLite shop database (``build_shop_db``) and the join is
``enrich_prompt``: fetch one customer's rows, format them compactly, fill the template.

The one property that matters most is isolation: another customer's data must never reach
the prompt. Three layers enforce it. Every query is parameterised and filtered by the one
customer id (no id is ever formatted into SQL). Every fetched row carries its
``customer_id`` and is checked against the requested id. ``CustomerContext`` refuses, on
construction, any order whose ``customer_id`` is not its own, and ``format_customer_context``
only accepts a ``CustomerContext``.

The data is synthetic and deterministic for a seed: fictional names, ``example.com``
addresses, made-up tracking numbers, dates relative to a fixed ``REFERENCE_DATE``, so a
rebuilt database holds the same rows. Left out: authentication (which
customer is asking is the caller's problem), writes (the assistant only reads; open the
database read-only with ``open_shop_db``), caching, and PII scrubbing (step 6).
"""

from __future__ import annotations

import dataclasses
import os
import random
import re
import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from genai_design.prompts import PromptVersion, render_template

REFERENCE_DATE = date(2025, 6, 1)  # the shop's "today": dates are generated relative to it
SCHEMA_VERSION = "1"  # bump when the tables change; stored in the meta table
STATUSES = ("processing", "shipped", "delivered", "returned", "cancelled")
TIERS = ("standard", "plus", "premium")
# carrier name -> prefix of its (fictional) tracking numbers
CARRIERS = {"DHL": "DH", "UPS": "UP", "DPD": "DP", "GLS": "GL", "PostNord": "PN"}

_FIRST = ("Ada", "Ben", "Chloe", "Dario", "Eva", "Farid", "Greta", "Hugo", "Ines", "Jonas",
          "Kira", "Lars", "Mina", "Nils", "Olga", "Pavel", "Rosa", "Sami", "Tove", "Uma")
_LAST = ("Alder", "Birch", "Cedar", "Dune", "Elm", "Fjord", "Grove", "Heath", "Isle", "Juniper",
         "Kestrel", "Linden", "Moss", "Nook", "Oak", "Pine", "Quill", "Reed", "Sorrel", "Thorn")
_COUNTRIES = ("DE", "FR", "NL", "SE", "DK", "ES", "IT", "PL", "AT", "BE")
_CATALOG = (  # sku, name, price_eur
    ("SKU-1001", "Trail running shoes", 119.0), ("SKU-1002", "Merino socks (3 pack)", 24.5),
    ("SKU-1003", "Rain jacket", 149.0), ("SKU-1004", "Insulated bottle 0.75 l", 29.9),
    ("SKU-1005", "Headlamp", 39.0), ("SKU-1006", "Daypack 22 l", 89.0),
    ("SKU-1007", "Trekking poles", 64.0), ("SKU-1008", "Fleece midlayer", 79.0),
    ("SKU-1009", "Camping mug", 12.0), ("SKU-1010", "First-aid kit", 22.0),
    ("SKU-1011", "Sun hat", 27.5), ("SKU-1012", "Gaiters", 34.0),
)
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE customers (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE,
    country TEXT NOT NULL, tier TEXT NOT NULL CHECK (tier IN ('standard', 'plus', 'premium')),
    created_at TEXT NOT NULL);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id),
    placed_at TEXT NOT NULL,
    status TEXT NOT NULL
        CHECK (status IN ('processing', 'shipped', 'delivered', 'returned', 'cancelled')),
    carrier TEXT, tracking_number TEXT UNIQUE, eta TEXT,
    total_eur REAL NOT NULL CHECK (total_eur >= 0));
CREATE TABLE order_items (
    order_id INTEGER NOT NULL REFERENCES orders(id), sku TEXT NOT NULL, name TEXT NOT NULL,
    qty INTEGER NOT NULL CHECK (qty > 0), price_eur REAL NOT NULL, PRIMARY KEY (order_id, sku));
CREATE INDEX orders_by_customer ON orders (customer_id, placed_at);
"""


@dataclass(frozen=True)
class OrderItem:
    """One line of an order."""

    sku: str  # catalogue id, e.g. "SKU-1003"
    name: str  # product name
    qty: int  # units ordered
    price_eur: float  # unit price in euros


@dataclass(frozen=True)
class OrderSummary:
    """One order as the assistant sees it."""

    order_id: int  # orders.id
    customer_id: int  # owner of the order; must equal the context's customer_id
    placed_at: str  # ISO date the order was placed
    status: str  # one of STATUSES
    carrier: str | None  # shipping company, None before shipping or when cancelled
    tracking_number: str | None  # carrier tracking number, None when not shipped
    eta: str | None  # ISO date of (expected) delivery, None when cancelled
    total_eur: float  # order total in euros
    items: tuple[OrderItem, ...]  # lines of the order


@dataclass(frozen=True)
class CustomerContext:
    """Everything about one customer that may enter a prompt."""

    customer_id: int  # customers.id
    name: str  # display name (fictional)
    email: str  # account e-mail (example.com)
    country: str  # ISO 3166 alpha-2 code
    tier: str  # loyalty tier, one of TIERS
    customer_since: str  # ISO date the account was created
    orders: tuple[OrderSummary, ...]  # most recent orders, newest first
    n_orders_total: int  # all orders on record, including those not in `orders`

    def __post_init__(self) -> None:
        foreign = [o.order_id for o in self.orders if o.customer_id != self.customer_id]
        if foreign:
            raise ValueError(f"orders {foreign} do not belong to customer {self.customer_id}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def open_shop_db(path: str | os.PathLike[str], read_only: bool = True) -> sqlite3.Connection:
    """Connect with foreign keys on; read-only by default (the assistant never writes)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no shop database at {path}: create it with build_shop_db()")
    uri = path.resolve().as_uri() + ("?mode=ro" if read_only else "?mode=rw")
    conn = sqlite3.connect(uri, uri=True)
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _rows(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples, whatever the connection's row_factory is
    return cursor.execute(sql, params).fetchall()


def _status(rng: random.Random, age_days: int) -> str:
    """A plausible status for an order placed ``age_days`` before REFERENCE_DATE."""
    if age_days <= 2:
        return rng.choices(("processing", "cancelled"), weights=(9, 1))[0]
    if age_days <= 10:
        return rng.choices(("shipped", "delivered", "cancelled"), weights=(6, 3, 1))[0]
    return rng.choices(("delivered", "returned", "cancelled"), weights=(8, 1, 1))[0]


def _generate(rng: random.Random, n_customers: int) -> tuple[list[tuple[Any, ...]], ...]:
    """Rows of customers, orders and order_items; order ids increase with the order date."""
    customers: list[tuple[Any, ...]] = []
    drafts: list[tuple[date, int, str, list[tuple[str, str, int, float]]]] = []
    for cid in range(1, n_customers + 1):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        created = REFERENCE_DATE - timedelta(days=rng.randint(30, 1500))
        email = f"{first.lower()}.{last.lower()}.{cid}@example.com"
        customers.append((cid, f"{first} {last}", email, rng.choice(_COUNTRIES),
                          rng.choices(TIERS, weights=(6, 3, 1))[0], created.isoformat()))
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 4, 5, 7))):
            recent = rng.random() < 0.3  # a support desk hears mostly about recent orders
            age = rng.randint(0, 14 if recent else min(180, (REFERENCE_DATE - created).days))
            lines = [(sku, name, rng.randint(1, 3), price)
                     for sku, name, price in rng.sample(_CATALOG, rng.randint(1, 3))]
            drafts.append((REFERENCE_DATE - timedelta(days=age), cid, _status(rng, age), lines))
    orders: list[tuple[Any, ...]] = []
    items: list[tuple[Any, ...]] = []
    for oid, (placed, cid, status, lines) in enumerate(sorted(drafts, key=lambda d: d[:2]), 1):
        carrier = tracking = eta = None
        if status in ("delivered", "returned"):  # eta holds the day it arrived, in the past
            days = rng.randint(2, min(7, (REFERENCE_DATE - placed).days))
            eta = (placed + timedelta(days=days)).isoformat()
        elif status != "cancelled":  # a shipped parcel may be late: its eta can have passed
            eta = (placed + timedelta(days=rng.randint(3, 7))).isoformat()
        if status in ("shipped", "delivered", "returned"):
            carrier = rng.choice(sorted(CARRIERS))
            tracking = f"{CARRIERS[carrier]}{oid:06d}{rng.randrange(10**4):04d}"
        total = round(sum(qty * price for _, _, qty, price in lines), 2)
        orders.append((oid, cid, placed.isoformat(), status, carrier, tracking, eta, total))
        items.extend((oid, *line) for line in lines)
    return customers, orders, items


def build_shop_db(path: str | os.PathLike[str], seed: int = 0, n_customers: int = 200) -> Path:
    """Create the synthetic shop database at ``path``; same seed and size -> same content.

    Re-running on a database built with the same arguments changes nothing. A database built
    with another seed or size, or any other non-empty SQLite file, raises ValueError instead
    of mixing two datasets.
    """
    if not _is_int(seed):
        raise ValueError(f"seed must be an int, got {seed!r}")
    if not _is_int(n_customers) or not 1 <= n_customers <= 100_000:
        raise ValueError(f"n_customers must be an int from 1 to 100000, got {n_customers!r}")
    path = Path(path)
    wanted = {"schema_version": SCHEMA_VERSION, "seed": str(seed), "n_customers": str(n_customers)}
    conn = sqlite3.connect(path, isolation_level=None)  # explicit BEGIN/COMMIT below
    try:
        tables = {r[0] for r in _rows(conn, "SELECT name FROM sqlite_master", ())}
        if tables:
            found = dict(_rows(conn, "SELECT key, value FROM meta", ())) if "meta" in tables else {}
            if found != wanted:
                held = found or "tables that are not a shop database"
                raise ValueError(f"{path} already holds {held}, not {wanted}: pick another "
                                 "path or delete the file to rebuild")
            return path
        customers, orders, items = _generate(random.Random(seed), n_customers)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("BEGIN")
        try:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.executemany("INSERT INTO meta VALUES (?, ?)", sorted(wanted.items()))
            conn.executemany("INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?)", customers)
            conn.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?, ?)", orders)
            conn.executemany("INSERT INTO order_items VALUES (?, ?, ?, ?, ?)", items)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()
    return path


def _check_owner(rows: list[tuple[Any, ...]], customer_id: int, column: int) -> None:
    if any(row[column] != customer_id for row in rows):  # not an assert: it must survive python -O
        raise RuntimeError(f"query for customer {customer_id} returned rows of other customers")


def fetch_customer_context(
    conn: sqlite3.Connection, customer_id: int, max_orders: int = 5
) -> CustomerContext:
    """One customer's profile and most recent orders; unknown id -> KeyError."""
    if not _is_int(customer_id) or customer_id < 1:
        raise ValueError(f"customer_id must be a positive int, got {type(customer_id).__name__}")
    if not _is_int(max_orders) or not 1 <= max_orders <= 50:
        raise ValueError(f"max_orders must be an int from 1 to 50, got {max_orders!r}")
    profile = _rows(conn, "SELECT id, name, email, country, tier, created_at FROM customers "
                    "WHERE id = ?", (customer_id,))
    if not profile:
        raise KeyError(f"no customer with id {customer_id}")
    _check_owner(profile, customer_id, 0)
    (n_total,) = _rows(conn, "SELECT count(*) FROM orders WHERE customer_id = ?", (customer_id,))[0]
    order_rows = _rows(
        conn,
        "SELECT id, customer_id, placed_at, status, carrier, tracking_number, eta, total_eur "
        "FROM orders WHERE customer_id = ? ORDER BY placed_at DESC, id DESC LIMIT ?",
        (customer_id, max_orders),
    )
    _check_owner(order_rows, customer_id, 1)
    orders: list[OrderSummary] = []
    for row in order_rows:
        item_rows = _rows(
            conn,
            "SELECT o.customer_id, i.sku, i.name, i.qty, i.price_eur FROM order_items AS i "
            "JOIN orders AS o ON o.id = i.order_id WHERE o.customer_id = ? AND i.order_id = ? "
            "ORDER BY i.sku",
            (customer_id, row[0]),
        )
        _check_owner(item_rows, customer_id, 0)
        orders.append(OrderSummary(*row, items=tuple(OrderItem(*r[1:]) for r in item_rows)))
    return CustomerContext(*profile[0], orders=tuple(orders), n_orders_total=n_total)


def format_customer_context(ctx: CustomerContext) -> str:
    """Compact text for a prompt: one line of profile, one line per order."""
    lines = [
        f"Customer: {ctx.name} (id {ctx.customer_id}), {ctx.tier} tier, country {ctx.country}, "
        f"customer since {ctx.customer_since}, email {ctx.email}"
    ]
    if not ctx.orders:
        lines.append("Orders: none on record.")
    else:
        lines.append(f"Recent orders ({len(ctx.orders)} of {ctx.n_orders_total}, newest first):")
    for o in ctx.orders:
        shipping = f"via {o.carrier}, tracking {o.tracking_number}" if o.carrier else "not shipped"
        when = {"delivered": "delivered", "returned": "delivered"}.get(o.status, "ETA")
        eta = f", {when} {o.eta}" if o.eta else ""
        items = ", ".join(f"{i.name} x{i.qty}" for i in o.items)
        lines.append(f"- order {o.order_id} placed {o.placed_at}: {o.status}, {shipping}{eta}; "
                     f"{o.total_eur:.2f} EUR ({items})")
    return "\n".join(lines)


def enrich_prompt(
    template: str | PromptVersion,
    conn: sqlite3.Connection,
    customer_id: int,
    question: str,
    max_orders: int = 5,
) -> str:
    """Fill a template's ``{customer_context}`` and ``{question}`` for one customer."""
    if not isinstance(question, str):
        raise ValueError(f"question must be a str, got {type(question).__name__}")
    text = template.text if isinstance(template, PromptVersion) else template
    context = format_customer_context(fetch_customer_context(conn, customer_id, max_orders))
    return render_template(text, customer_context=context, question=question)


def states_order(answer: str, order: OrderSummary) -> bool:
    """Does ``answer`` state ``order`` correctly for "where is my order?": its number, and its
    tracking number once shipped, or that it has not shipped yet while it is processed."""
    if str(order.order_id) not in re.findall(r"\d+", answer):
        return False
    if order.tracking_number:
        return order.tracking_number in answer
    return bool(re.search(r"not (yet )?(been )?shipped|being processed", answer))


# The compact design of chapter 3e: one line of the latest order, after two worked examples.
COMPACT_SYSTEM = ("You are a shop's support assistant. Answer from the customer's record only. "
                  "Copy order numbers and tracking numbers exactly.")
COMPACT_EXAMPLES = (  # fictional orders, not in the database: (record and question, answer)
    ("Record: order 9001 shipped via PostNL, tracking PN0000123456, ETA 2025-05-02.\nWhere is my order?",
     "Your order 9001 has shipped with PostNL. Tracking number: PN0000123456. Expected 2025-05-02."),
    ("Record: order 9002 processing, not shipped yet.\nWhere's my parcel?",
     "Your order 9002 is still being processed and has not shipped yet."),
)


def compact_record(order: OrderSummary) -> str:
    """One order as one line of facts, in the shape the answer needs."""
    if order.carrier:
        return (f"Record: order {order.order_id} {order.status} via {order.carrier}, "
                f"tracking {order.tracking_number}, ETA {order.eta}.")
    return f"Record: order {order.order_id} {order.status}, not shipped yet."


def compact_order_messages(conn: sqlite3.Connection, customer_id: int, question: str) -> list[dict[str, str]]:
    """Chat messages for a question about the customer's latest order: :data:`COMPACT_SYSTEM`,
    :data:`COMPACT_EXAMPLES` as turns, then the order's :func:`compact_record` and the question."""
    if not isinstance(question, str):
        raise ValueError(f"question must be a str, got {type(question).__name__}")
    latest = fetch_customer_context(conn, customer_id, max_orders=1).orders[0]
    shots = [{"role": role, "content": text} for q, a in COMPACT_EXAMPLES
             for role, text in (("user", q), ("assistant", a))]
    return [{"role": "system", "content": COMPACT_SYSTEM}, *shots,
            {"role": "user", "content": compact_record(latest) + "\n" + question}]
