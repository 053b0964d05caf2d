"""Independent expectations: the orders of data/sample written out by hand, and plain-Python
recomputations of every named query over order lines.

Nothing here comes from the code under test: the sample's 17 order lines were read off the
CSVs with the contract in hand (docs/data_contract.md), and the statuses that are not net
sales are the documented ones, written here again.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

# docs/tables.md: cancelled and returned lines are orders, not net sales.
NOT_NET_SALES = frozenset({"cancelled", "returned"})

Lines = list[dict[str, Any]]
Row = tuple[Any, ...]

# order_id, client_id, product_id, channel, quantity, unit_price, status, order_date
_SAMPLE = """
ORD-1001 C00101 P0001 online      24  2.10    delivered 2026-11-20
ORD-1001 C00101 P0003 online      2   18.90   delivered 2026-11-20
ORD-1002 C00102 P0002 online      12  2.45    delivered 2026-11-20
ORD-1003 C00103 P0004 online      1   31.50   cancelled 2026-11-20
ORD-1004 C00104 P0001 distributor 480 1.95    confirmed 2026-11-20
ORD-1004 C00104 P0005 distributor 960 1.80    shipped   2026-11-20
ORD-1005 C00105 P0002 phone       6   2.45    cancelled 2026-11-21
ORD-1006 C00101 P0003 online      3   18.90   delivered 2026-11-21
ORD-1007 C00106 P0004 online      2   31.50   returned  2026-11-21
ORD-1008 C00107 P0001 store       48  2.10    delivered 2026-11-22
ORD-2001 C00103 P0001 store       24  2.10    delivered 2026-11-21
ORD-2001 C00103 P0006 store       1   1234.50 delivered 2026-11-21
ORD-2002 C00104 P0003 store       5   18.90   delivered 2026-11-21
ORD-2003 C00105 P0005 store       10  1.95    confirmed 2026-11-22
ORD-2003 C00105 P0002 store       6   2.45    confirmed 2026-11-22
ORD-2004 C00106 P0004 store       2   31.50   shipped   2026-11-22
ORD-1015 C00108 P0003 phone       4   18.90   confirmed 2026-11-22
"""


def sample_orders() -> Lines:
    """The ``orders`` rows data/sample must produce (updates applied, rejects left out)."""
    lines = []
    for text in _SAMPLE.strip().splitlines():
        order_id, client, product, channel, quantity, price, status, day = text.split()
        lines.append(
            {
                "order_id": order_id,
                "client_id": client,
                "product_id": product,
                "channel": channel,
                "quantity": int(quantity),
                "unit_price": Decimal(price),
                "line_total": int(quantity) * Decimal(price),
                "status": status,
                "order_date": dt.date.fromisoformat(day),
            }
        )
    return lines


def in_range(lines: Lines, values: dict[str, Any]) -> Lines:
    start, end = (dt.date.fromisoformat(str(values[k])) for k in ("date_from", "date_to"))
    channel = values.get("channel")
    return [
        line
        for line in lines
        if start <= line["order_date"] <= end and channel in (None, line["channel"])
    ]


def orders_by_client(lines: Lines, values: dict[str, Any]) -> list[Row]:
    groups: dict[tuple, Lines] = defaultdict(list)
    for line in in_range(lines, values):
        if line["client_id"] == values["client_id"]:
            key = (line["order_id"], line["order_date"], line["channel"], line["client_id"])
            groups[key].append(line)
    rows = [
        (
            *key,
            len(group),
            sum(line["quantity"] for line in group),
            sum(line["line_total"] for line in group),
            ",".join(sorted({line["status"] for line in group})),
        )
        for key, group in groups.items()
    ]
    rows.sort(key=lambda r: r[2])  # channel ascending within ...
    rows.sort(key=lambda r: (r[1], r[0]), reverse=True)  # ... order_date, order_id descending
    start = int(values.get("page_offset", 0))
    return rows[start : start + int(values.get("page_limit", 10_000))]


def _distinct_orders(group: Lines) -> int:
    """Daily marts count distinct orders per day; the queries add the days up."""
    return len({(line["order_id"], line["order_date"]) for line in group})


def _grouped(lines: Lines, values: dict[str, Any], *keys: str) -> dict[tuple, Lines]:
    groups: dict[tuple, Lines] = defaultdict(list)
    for line in in_range(lines, values):
        groups[tuple(line[k] for k in keys)].append(line)
    return groups


def _net(group: Lines) -> tuple[int, Decimal]:
    net = [line for line in group if line["status"] not in NOT_NET_SALES]
    return sum(line["quantity"] for line in net), sum(
        (line["line_total"] for line in net), Decimal("0")
    )


def sales_by_product(lines: Lines, values: dict[str, Any]) -> list[Row]:
    rows = []
    for (product, channel), group in _grouped(lines, values, "product_id", "channel").items():
        units, revenue = _net(group)
        rows.append((product, channel, units, revenue, _distinct_orders(group)))
    return sorted(rows, key=lambda r: (-r[3], r[0], r[1]))


def order_status_report(lines: Lines, values: dict[str, Any]) -> list[Row]:
    rows = [
        (
            status,
            channel,
            _distinct_orders(group),
            len(group),
            sum(line["quantity"] for line in group),
            sum(line["line_total"] for line in group),
        )
        for (status, channel), group in _grouped(lines, values, "status", "channel").items()
    ]
    return sorted(rows)


def total_orders_by_client(lines: Lines, values: dict[str, Any]) -> list[Row]:
    counts: dict[str, int] = defaultdict(int)
    for line in in_range(lines, values):
        counts[line["client_id"]] += 1
    return sorted(counts.items())


def sales_by_channel_daily(lines: Lines, values: dict[str, Any]) -> list[Row]:
    rows = []
    for (day, channel), group in _grouped(lines, values, "order_date", "channel").items():
        units, revenue = _net(group)
        rows.append((day, channel, units, revenue))
    return sorted(rows)


def order_date_range(lines: Lines, values: dict[str, Any]) -> list[Row]:
    days = {line["order_date"] for line in in_range(lines, values)}
    return [(min(days), max(days), len(days))] if days else [(None, None, 0)]


QUERIES: dict[str, Callable[[Lines, dict[str, Any]], list[Row]]] = {
    "orders_by_client": orders_by_client,
    "sales_by_product": sales_by_product,
    "order_status_report": order_status_report,
    "total_orders_by_client": total_orders_by_client,
    "sales_by_channel_daily": sales_by_channel_daily,
    "order_date_range": order_date_range,
}


# The sample's orders are dated 2026-11-20..22. Tests that rely on the default date window
# (the 90 days up to tomorrow) take "today" from here, never from the clock, so they cannot
# start failing once the sample's dates fall out of the window.
SAMPLE_TODAY = dt.date(2026, 11, 22)
SAMPLE_WINDOW = (dt.date(2026, 8, 25), dt.date(2026, 11, 23))  # counted by hand from it
