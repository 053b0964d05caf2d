"""Row rules of the input contract as ``Column -> Column`` functions.

Every rule takes trimmed string columns and is False (never null) when the field is
blank, so a blank value is reported once, as ``missing_required_field``. ``row_rules``
holds one condition per reason code of ``contract.orders.ROW_REASONS`` and returns
them in the contract's precedence order.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Iterable, Mapping, Sequence

from pyspark.sql import Column
from pyspark.sql import functions as F

from contract.orders import (
    CHANNELS,
    FIRST_ORDER_DATE,
    ID_COLUMNS,
    ID_PATTERN,
    MAX_DAYS_AHEAD,
    MAX_QUANTITY,
    MAX_UNIT_PRICE,
    MIN_QUANTITY,
    REQUIRED_COLUMNS,
    ROW_RULE_REASONS,
    STATUSES,
)

REPLACEMENT_CHAR = "\ufffd"  # what Spark's UTF-8 decoder puts in place of invalid bytes
# Java's `$` also matches before a final line terminator (\r, U+0085, U+2028, ...);
# `\z` is the very end of the value, so `C1<U+2028>` is not a valid id.
ID_PATTERN_EXACT = ID_PATTERN.removesuffix("$") + r"\z"
# Digits only, up to 7 once leading zeros are dropped (`0001` is 1).
QUANTITY_PATTERN = r"^0*[0-9]{1,7}$"
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
    return _present_and(value, ~value.rlike(ID_PATTERN_EXACT))


def is_not_in(value: Column, allowed: Sequence[str]) -> Column:
    return _present_and(value, ~F.lower(value).isin(*allowed))


def parse_quantity(value: Column) -> Column:
    """Whole number in range as int, else null. The cast only runs once the pattern (at
    most 7 significant digits) has matched, so it never fails or overflows, even under ANSI
    mode."""
    as_int = value.cast("int")
    return F.when(
        value.rlike(QUANTITY_PATTERN), F.when(as_int.between(MIN_QUANTITY, MAX_QUANTITY), as_int)
    )


def normalise_price(value: Column, delimiter: Column) -> Column:
    """The price as a plain `1234.50` string, or null when it breaks the file's locale."""
    comma_text = F.regexp_replace(F.regexp_replace(value, r"\.", ""), ",", ".")
    comma_locale = F.when(
        value.rlike(PRICE_COMMA_PATTERN) & comma_text.rlike(PRICE_DOT_PATTERN), comma_text
    )
    dot_locale = F.when(value.rlike(PRICE_DOT_PATTERN), value)
    return F.when(delimiter == ";", comma_locale).otherwise(dot_locale)


def parse_unit_price(value: Column, delimiter: Column) -> Column:
    price = normalise_price(value, delimiter).cast("decimal(12,2)")
    return F.when(price <= F.lit(MAX_UNIT_PRICE).cast("decimal(12,2)"), price)


def _calendar_date(year: Column, month: Column, day: Column) -> Column:
    """A real calendar date or null, without make_date's errors under ANSI mode."""
    first_of_month = F.make_date(year, month, F.lit(1))
    month_ok = month.between(1, 12) & (year >= 1)
    day_ok = day.between(F.lit(1), F.dayofmonth(F.last_day(first_of_month)))
    return F.when(month_ok, F.when(day_ok, F.make_date(year, month, day)))


def _digits(value: Column, start: int, length: int) -> Column:
    """A fixed-position number; only called once a pattern has matched the whole value."""
    return F.substring(value, start, length).cast("int")


def parse_order_date(value: Column) -> Column:
    """`yyyy-MM-dd`, `dd/MM/yyyy` or an ISO-8601 timestamp's date part; else null.

    One anchored match per form; the parts are then read at fixed positions (the
    pattern guarantees them), which is much cheaper than a regex extract per part.
    """
    iso = _calendar_date(_digits(value, 1, 4), _digits(value, 6, 2), _digits(value, 9, 2))
    dmy = _calendar_date(_digits(value, 7, 4), _digits(value, 4, 2), _digits(value, 1, 2))
    return (
        F.when(value.rlike(ISO_DATE_PATTERN), iso)
        .when(value.rlike(DMY_DATE_PATTERN), dmy)
        .when(value.rlike(ISO_TIMESTAMP_PATTERN), iso)
    )


def is_order_date_in_range(
    order_date: Column, run_date: dt.date, first_order_date: dt.date = FIRST_ORDER_DATE
) -> Column:
    latest = run_date + dt.timedelta(days=MAX_DAYS_AHEAD)
    return order_date.between(F.lit(first_order_date), F.lit(latest))


def parsed_values() -> dict[str, Column]:
    """Quantity, price and date parsed from the trimmed strings (null when invalid).

    Staging computes them once as columns and hands them to ``row_rules`` and to the
    typed output, so each value is parsed a single time.
    """
    col = F.col
    return {
        "quantity": parse_quantity(col("quantity")),
        "unit_price": parse_unit_price(col("unit_price"), col("source_delimiter")),
        "order_date": parse_order_date(col("order_date")),
    }


def row_rules(
    run_date: dt.date,
    parsed: Mapping[str, Column] | None = None,
    first_order_date: dt.date = FIRST_ORDER_DATE,
) -> list[tuple[str, Column]]:
    """(reason code, failing condition) in the contract's precedence order
    (``ROW_RULE_REASONS``), over trimmed string columns.

    ``parsed``: the ``parsed_values`` columns, if already computed.
    `duplicate_key` is not here: it depends on other rows and is applied by staging.
    """
    col = F.col
    typed = parsed if parsed is not None else parsed_values()
    in_range = is_order_date_in_range(typed["order_date"], run_date, first_order_date)
    failing = {
        "invalid_encoding": any_of([has_invalid_encoding(col(c)) for c in REQUIRED_COLUMNS]),
        "missing_required_field": any_of([is_blank(col(c)) for c in REQUIRED_COLUMNS]),
        "invalid_id": any_of([is_invalid_id(col(c)) for c in ID_COLUMNS]),
        "unknown_channel": is_not_in(col("channel"), CHANNELS),
        "unknown_status": is_not_in(col("status"), STATUSES),
        "invalid_quantity": _present_and(col("quantity"), typed["quantity"].isNull()),
        "invalid_unit_price": _present_and(col("unit_price"), typed["unit_price"].isNull()),
        "invalid_date": _present_and(col("order_date"), ~F.coalesce(in_range, F.lit(False))),
    }
    if set(failing) != set(ROW_RULE_REASONS):
        raise RuntimeError(f"row rules {sorted(failing)} != contract {sorted(ROW_RULE_REASONS)}")
    return [(code, failing[code]) for code in ROW_RULE_REASONS]


def failed_reasons(rules: Sequence[tuple[str, Column]]) -> Column:
    """Every failing rule's code, in contract order; empty when the row passes.

    ``array_remove`` of a blank, not ``array_compact``: the latter is a lambda
    (``filter``) that Spark cannot compile, so every rule under it would be evaluated
    row by row in interpreted mode, about 3x the CPU of the whole staging step.
    """
    codes = [F.when(failed, F.lit(code)).otherwise(F.lit("")) for code, failed in rules]
    return F.array_remove(F.array(*codes), "")
