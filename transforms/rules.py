"""Row rules of the input contract as ``Column -> Column`` functions.

Every rule takes trimmed string columns and is False (never null) when the field is
blank, so a blank value is reported once, as ``missing_required_field``. The rule table
``row_rules`` is the single source for the transform, the docs and the tests.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Iterable, Sequence

from pyspark.sql import Column
from pyspark.sql import functions as F

from transforms.contract import (
    CHANNELS,
    ID_COLUMNS,
    ID_PATTERN,
    MAX_DAYS_AHEAD,
    MAX_QUANTITY,
    MAX_UNIT_PRICE,
    MIN_ORDER_DATE,
    MIN_QUANTITY,
    REQUIRED_COLUMNS,
    STATUSES,
)

REPLACEMENT_CHAR = "\ufffd"  # what Spark's UTF-8 decoder puts in place of invalid bytes
QUANTITY_PATTERN = r"^[0-9]{1,7}$"
# Decimal point, up to 7 integer digits once leading zeros are dropped.
PRICE_DOT_PATTERN = r"^0*[0-9]{1,7}(\.[0-9]{1,2})?$"
# Spanish Excel (`;` files): decimal comma, optional thousands dots in groups of three.
PRICE_COMMA_PATTERN = r"^([0-9]{1,3}(\.[0-9]{3})+|[0-9]+)(,[0-9]{1,2})?$"
ISO_DATE_PATTERN = r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$"
DMY_DATE_PATTERN = r"^([0-9]{2})/([0-9]{2})/([0-9]{4})$"
ISO_TIMESTAMP_PATTERN = (
    r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([01][0-9]|2[0-3]):[0-5][0-9]"
    r"(:[0-5][0-9](\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$"
)


def any_of(conditions: Iterable[Column]) -> Column:
    return functools.reduce(operator.or_, conditions)


def is_blank(value: Column) -> Column:
    return value.isNull() | (value == "")


def _present_and(value: Column, failed: Column) -> Column:
    """A rule only fails on a present value; null-safe so reasons never go missing."""
    return F.coalesce(~is_blank(value) & failed, F.lit(False))


def has_invalid_encoding(value: Column) -> Column:
    return F.coalesce(value.contains(REPLACEMENT_CHAR), F.lit(False))


def is_invalid_id(value: Column) -> Column:
    return _present_and(value, ~value.rlike(ID_PATTERN))


def is_not_in(value: Column, allowed: Sequence[str]) -> Column:
    return _present_and(value, ~F.lower(value).isin(*allowed))


def parse_quantity(value: Column) -> Column:
    """Whole number in range as int, else null. Guarded so it never overflows."""
    as_int = F.when(value.rlike(QUANTITY_PATTERN), value.cast("int"))
    return F.when(as_int.between(MIN_QUANTITY, MAX_QUANTITY), as_int)


def normalise_price(value: Column, delimiter: Column) -> Column:
    """The price as a plain `1234.50` string, or null when it breaks the file's locale."""
    comma_locale = F.when(
        value.rlike(PRICE_COMMA_PATTERN),
        F.regexp_replace(F.regexp_replace(value, r"\.", ""), ",", "."),
    )
    dot_locale = F.when(value.rlike(r"^[0-9]+(\.[0-9]{1,2})?$"), value)
    plain = F.when(delimiter == ";", comma_locale).otherwise(dot_locale)
    return F.when(plain.rlike(PRICE_DOT_PATTERN), plain)


def parse_unit_price(value: Column, delimiter: Column) -> Column:
    price = normalise_price(value, delimiter).cast("decimal(12,2)")
    return F.when(price <= F.lit(MAX_UNIT_PRICE).cast("decimal(12,2)"), price)


def _calendar_date(year: Column, month: Column, day: Column) -> Column:
    """A real calendar date or null, without make_date's errors under ANSI mode."""
    first_of_month = F.make_date(year, month, F.lit(1))
    month_ok = month.between(1, 12) & (year >= 1)
    day_ok = day.between(F.lit(1), F.dayofmonth(F.last_day(first_of_month)))
    return F.when(month_ok, F.when(day_ok, F.make_date(year, month, day)))


def parse_order_date(value: Column) -> Column:
    """`yyyy-MM-dd`, `dd/MM/yyyy` or an ISO-8601 timestamp's date part; else null."""

    def part(pattern: str, group: int) -> Column:
        return F.regexp_extract(value, pattern, group).cast("int")

    return (
        F.when(
            value.rlike(ISO_DATE_PATTERN),
            _calendar_date(
                part(ISO_DATE_PATTERN, 1), part(ISO_DATE_PATTERN, 2), part(ISO_DATE_PATTERN, 3)
            ),
        )
        .when(
            value.rlike(DMY_DATE_PATTERN),
            _calendar_date(
                part(DMY_DATE_PATTERN, 3), part(DMY_DATE_PATTERN, 2), part(DMY_DATE_PATTERN, 1)
            ),
        )
        .when(
            value.rlike(ISO_TIMESTAMP_PATTERN),
            _calendar_date(
                part(ISO_TIMESTAMP_PATTERN, 1),
                part(ISO_TIMESTAMP_PATTERN, 2),
                part(ISO_TIMESTAMP_PATTERN, 3),
            ),
        )
    )


def is_order_date_in_range(order_date: Column, run_date: dt.date) -> Column:
    latest = run_date + dt.timedelta(days=MAX_DAYS_AHEAD)
    return order_date.between(F.lit(MIN_ORDER_DATE).cast("date"), F.lit(latest))


def row_rules(run_date: dt.date) -> list[tuple[str, Column]]:
    """(reason code, failing condition) in contract order, over trimmed string columns.

    `duplicate_key` is not here: it depends on other rows and is applied by staging.
    """
    col = F.col
    order_date = parse_order_date(col("order_date"))
    return [
        ("invalid_encoding", any_of([has_invalid_encoding(col(c)) for c in REQUIRED_COLUMNS])),
        ("missing_required_field", any_of([is_blank(col(c)) for c in REQUIRED_COLUMNS])),
        ("invalid_id", any_of([is_invalid_id(col(c)) for c in ID_COLUMNS])),
        ("unknown_channel", is_not_in(col("channel"), CHANNELS)),
        ("unknown_status", is_not_in(col("status"), STATUSES)),
        (
            "invalid_quantity",
            _present_and(col("quantity"), parse_quantity(col("quantity")).isNull()),
        ),
        (
            "invalid_unit_price",
            _present_and(
                col("unit_price"),
                parse_unit_price(col("unit_price"), col("source_delimiter")).isNull(),
            ),
        ),
        (
            "invalid_date",
            _present_and(
                col("order_date"),
                ~F.coalesce(is_order_date_in_range(order_date, run_date), F.lit(False)),
            ),
        ),
    ]


def failed_reasons(rules: Sequence[tuple[str, Column]]) -> Column:
    """Every failing rule's code, in contract order; empty when the row passes."""
    return F.array_compact(F.array(*[F.when(failed, F.lit(code)) for code, failed in rules]))
