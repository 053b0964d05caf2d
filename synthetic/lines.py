"""Building blocks of the synthetic order generator: pools, file formats, lines.

Kept free of I/O so the full-set and update writers share one notion of what a
realistic line looks like and how each file format spells it.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple, TypeVar

from contract.orders import CHANNELS, NON_SALE_STATUSES, REQUIRED_COLUMNS, STATUSES

ISO, ES = "iso", "es"
FORMATS = (ISO, ES)
EXTRA_COLUMN = "notes"  # not in the contract: readers must ignore it

# Business mix. Any contract value missing here still appears, with a small weight.
_CHANNEL_WEIGHTS = {"online": 40, "store": 25, "distributor": 25, "phone": 10}
_STATUS_WEIGHTS = {
    "delivered": 45,
    "shipped": 18,
    "confirmed": 17,
    "pending": 8,
    "cancelled": 7,
    "returned": 5,
}
_DEFAULT_WEIGHT = 2
_LINES_PER_ORDER = (1, 2, 3, 4, 5)
_LINES_WEIGHTS = (35, 25, 18, 12, 10)
# (price range in cents, max quantity): bottles, cases, kegs, pallets (> 1,000 for "1.234,50").
_PRODUCT_CLASSES = (((79, 450), 48), ((1200, 4800), 24), ((9500, 26000), 6), ((90000, 240000), 3))
_CLASS_WEIGHTS = (20, 18, 8, 4)
_DISTRIBUTOR_DISCOUNT = 0.88
_PROMOTIONS = (0.95, 0.9, 0.8)
_NOTES = ("", "", "", "", "", "Entregar antes de las 10:00; llamar", 'Caja "frágil", no apilar')
# The same notes as a spreadsheet writes them with a line break in the cell (RFC 4180 quoting).
_MULTILINE_NOTES = (
    *_NOTES[:-2],
    "Entregar antes de las 10:00\nllamar",
    'Caja "frágil",\r\nno apilar',
)

T = TypeVar("T")

for _name, _known in (("channel", CHANNELS), ("status", STATUSES)):
    _weights = _CHANNEL_WEIGHTS if _name == "channel" else _STATUS_WEIGHTS
    if not set(_weights) <= set(_known):
        raise RuntimeError(f"{_name} weights name values outside contract.orders")


class Line(NamedTuple):
    """One order line with typed values; formatting happens per file format."""

    order_id: str
    client_id: str
    product_id: str
    channel: str
    quantity: int
    cents: int
    status: str
    order_date: dt.date


@dataclass(frozen=True)
class FileFormat:
    """How one file spells the contract: delimiter, locale, line ending, header."""

    kind: str
    keys: tuple[str, ...]  # normalised column names, in file order
    header_upper: bool = False
    multiline_notes: bool = False  # notes (if any) may hold quoted line breaks

    @property
    def delimiter(self) -> str:
        return ";" if self.kind == ES else ","

    @property
    def newline(self) -> str:
        return "\r\n" if self.kind == ES else "\n"

    @property
    def bom(self) -> str:
        return "\ufeff" if self.kind == ES else ""

    def header(self) -> str:
        names = [k.upper() if self.header_upper else k for k in self.keys]
        return self.bom + self.delimiter.join(names) + self.newline

    def template(self) -> str:
        """A str.format template that lays a value dict out in this file's column order."""
        return self.delimiter.join("{" + k + "}" for k in self.keys) + self.newline


def file_format_for(
    index: int,
    rng: random.Random,
    kinds: tuple[str, ...] = FORMATS,
    multiline_notes: bool = False,
) -> FileFormat:
    """Vary files by index: alternate locales, shuffle columns, add an extra column, upper-case."""
    kind = kinds[index % len(kinds)]
    keys = list(REQUIRED_COLUMNS)
    if index % 4 in (1, 2):
        keys.append(EXTRA_COLUMN)
    if index > 0:
        rng.shuffle(keys)
    return FileFormat(
        kind=kind,
        keys=tuple(keys),
        header_upper=index % 4 == 3,
        multiline_notes=multiline_notes and EXTRA_COLUMN in keys,
    )


@lru_cache(maxsize=65536)
def format_price(cents: int, kind: str) -> str:
    """2-decimal price; Spanish Excel style uses a decimal comma and a thousands dot."""
    whole, frac = divmod(cents, 100)
    if kind == ES:
        return f"{whole:,}".replace(",", ".") + f",{frac:02d}"
    return f"{whole}.{frac:02d}"


@lru_cache(maxsize=65536)
def format_date(day: dt.date, kind: str) -> str:
    return day.strftime("%d/%m/%Y") if kind == ES else day.isoformat()


def quote(value: str, delimiter: str) -> str:
    """RFC-4180 quoting, only where needed."""
    if delimiter in value or '"' in value or "\n" in value or "\r" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


@lru_cache(maxsize=4)
def quoted_notes(delimiter: str, multiline: bool = False) -> tuple[str, ...]:
    return tuple(quote(note, delimiter) for note in (_MULTILINE_NOTES if multiline else _NOTES))


@dataclass(frozen=True)
class Pools:
    """Clients, products and their prices: fixed by the seed, shared by full and update mode."""

    clients: tuple[str, ...]
    client_cum_weights: tuple[float, ...]
    products: tuple[str, ...]
    base_cents: tuple[int, ...]
    max_quantity: tuple[int, ...]


DEFAULT_CLIENTS, MAX_CLIENTS = 400, 99_999  # ids C00001 .. C99999
DEFAULT_PRODUCTS, MAX_PRODUCTS = 50, 9_999  # ids P0001 .. P9999
MIN_PRODUCTS = len(_PRODUCT_CLASSES)  # one of each price class


def build_pools(
    seed: int, n_clients: int = DEFAULT_CLIENTS, n_products: int = DEFAULT_PRODUCTS
) -> Pools:
    """Client IDs like C00042 with a skewed order frequency, product IDs like P0007."""
    rng = random.Random(f"pools-{seed}")
    # Random order: the big accounts are random ids.
    client_numbers = rng.sample(range(1, MAX_CLIENTS + 1), n_clients)
    clients = tuple(f"C{n:05d}" for n in client_numbers)
    cum, total = [], 0.0
    for rank in range(n_clients):
        total += 1.0 / (1 + rank) ** 0.8  # a few big accounts, a long tail
        cum.append(total)
    products = tuple(f"P{n:04d}" for n in range(1, n_products + 1))
    classes = rng.choices(_PRODUCT_CLASSES, weights=_CLASS_WEIGHTS, k=n_products)
    classes[: len(_PRODUCT_CLASSES)] = _PRODUCT_CLASSES  # every class is present
    base = tuple(rng.randint(*price_range) for price_range, _ in classes)
    max_qty = tuple(q for _, q in classes)
    return Pools(clients, tuple(cum), products, base, max_qty)


class LineFactory:
    """Draws realistic orders (1-5 lines, distinct products) from the pools, fast."""

    def __init__(self, rng: random.Random, pools: Pools, days: tuple[dt.date, ...]) -> None:
        self.rng = rng
        self.pools = pools
        self.days = days
        self.channel_cum = _cumulative([_CHANNEL_WEIGHTS.get(c, _DEFAULT_WEIGHT) for c in CHANNELS])
        self.status_cum = _cumulative([_STATUS_WEIGHTS.get(s, _DEFAULT_WEIGHT) for s in STATUSES])
        self.line_cum = _cumulative(list(_LINES_WEIGHTS))
        discount = {c: _DISTRIBUTOR_DISCOUNT if c == "distributor" else 1.0 for c in CHANNELS}
        self.cents = {c: [int(b * discount[c]) for b in pools.base_cents] for c in CHANNELS}

    def _pick(self, values: Sequence[T], cum: Sequence[float]) -> T:
        return values[min(bisect(cum, self.rng.random() * cum[-1]), len(values) - 1)]

    def order(self, seq: int, max_lines: int) -> list[Line]:
        """One order of up to ``max_lines`` lines sharing order_id, client, channel, date."""
        rnd, pools = self.rng.random, self.pools
        day = self.days[int(rnd() * len(self.days))]
        order_id = f"ORD-{day.year}-{seq:07d}"
        client = self._pick(pools.clients, pools.client_cum_weights)
        channel = self._pick(CHANNELS, self.channel_cum)
        status = self._pick(STATUSES, self.status_cum)
        n_lines = min(max_lines, self._pick(_LINES_PER_ORDER, self.line_cum))
        n_products, prices = len(pools.products), self.cents[channel]
        chosen: list[int] = []
        while len(chosen) < n_lines:
            p = int(rnd() * n_products)
            if p not in chosen:
                chosen.append(p)
        lines = []
        for p in chosen:
            cents = prices[p]
            roll = rnd()
            if roll < 0.1:  # promotion
                cents = int(cents * _PROMOTIONS[int(roll * 30)])
            line_status = status
            if roll > 0.97:  # one line of the order cancelled or returned
                line_status = NON_SALE_STATUSES[int(roll * 1000) % len(NON_SALE_STATUSES)]
            qty = 1 + int(rnd() * pools.max_quantity[p])
            lines.append(
                Line(order_id, client, pools.products[p], channel, qty, cents, line_status, day)
            )
        return lines


def _cumulative(weights: list[int]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def line_values(line: Line, fmt: FileFormat, rng: random.Random) -> dict[str, str]:
    """The line as the strings a file of this format holds, with a little real-world mess."""
    channel, status = line.channel, line.status
    date = format_date(line.order_date, fmt.kind)
    roll = rng.random()
    if roll < 0.02:
        channel, status = channel.title(), status.upper()
    elif roll < 0.025:
        channel, status = f" {channel}", f"{status} "
    elif roll < 0.055 and fmt.kind == ISO:
        date = f"{date}T{rng.randint(6, 21):02d}:{rng.randint(0, 59):02d}:00Z"
    values = {
        "order_id": line.order_id,
        "client_id": line.client_id,
        "product_id": line.product_id,
        "channel": channel,
        "quantity": str(line.quantity),
        "unit_price": format_price(line.cents, fmt.kind),
        "status": status,
        "order_date": date,
    }
    if EXTRA_COLUMN in fmt.keys:
        notes = quoted_notes(fmt.delimiter, fmt.multiline_notes)
        values[EXTRA_COLUMN] = notes[int(rng.random() * len(notes))]
    return values
