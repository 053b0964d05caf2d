"""The synthetic order generator: determinism, formats, bad rows, update mode.

Generated files are checked by an independent reading of the input contract written
here (not the generator's own reader), so a generator bug cannot vouch for itself.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from contract.orders import (
    CHANNELS,
    ID_REGEX,
    MAX_DAYS_AHEAD,
    REJECT_REASONS,
    REQUIRED_COLUMNS,
    STATUSES,
)
from synthetic.generate import UPDATE_FILE, main
from synthetic.lines import build_pools

ROWS = 6000
LATEST = dt.date.today() + dt.timedelta(days=MAX_DAYS_AHEAD)
ISO_PRICE = re.compile(r"^[0-9]+(\.[0-9]{1,2})?$")
ES_PRICE = re.compile(r"^([0-9]{1,3}(\.[0-9]{3})+|[0-9]+)(,[0-9]{1,2})?$")


def read_file(path: Path) -> tuple[str, list[str], list[dict[str, str]]]:
    """(delimiter, header, rows as dicts of the required columns), invalid bytes kept."""
    text = path.read_bytes().decode("utf-8", "surrogateescape").removeprefix("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(text.splitlines(), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    rows = [dict(zip(header, row, strict=True)) for row in reader if row]
    return delimiter, header, [{c: r[c].strip() for c in REQUIRED_COLUMNS} for r in rows]


def parse_date(value: str) -> dt.date | None:
    for pattern, order in (
        (r"^(\d{4})-(\d{2})-(\d{2})(T.+)?$", (1, 2, 3)),
        (r"^(\d{2})/(\d{2})/(\d{4})$", (3, 2, 1)),
    ):
        m = re.match(pattern, value, re.ASCII)
        if m:
            try:
                day = dt.date(*(int(m.group(i)) for i in order))
            except ValueError:
                return None
            return day if dt.date(2000, 1, 1) <= day <= LATEST else None
    return None


def row_reason(row: dict[str, str], spanish: bool) -> str | None:
    """The first contract rule the row fails, duplicates aside."""
    checks = [
        ("invalid_encoding", any(re.search("[\udc80-\udcff]", v) for v in row.values())),
        ("missing_required_field", any(v == "" for v in row.values())),
        (
            "invalid_id",
            not all(ID_REGEX.match(row[c]) for c in ("order_id", "client_id", "product_id")),
        ),
        ("unknown_channel", row["channel"].lower() not in CHANNELS),
        ("unknown_status", row["status"].lower() not in STATUSES),
        (
            "invalid_quantity",
            not (
                row["quantity"].isascii()
                and row["quantity"].isdigit()
                and 1 <= int(row["quantity"]) <= 1_000_000
            ),
        ),
        ("invalid_unit_price", not _price_ok(row["unit_price"], spanish)),
        ("invalid_date", parse_date(row["order_date"]) is None),
    ]
    return next((reason for reason, failed in checks if failed), None)


def _price_ok(value: str, spanish: bool) -> bool:
    if not (ES_PRICE if spanish else ISO_PRICE).match(value):
        return False
    number = value.replace(".", "").replace(",", ".") if spanish else value
    return float(number) <= 9_999_999.99


def classify(path: Path) -> tuple[Counter[str], list[dict[str, str]]]:
    """Reject reasons found in a file, and its accepted rows (first of each key)."""
    delimiter, _, rows = read_file(path)
    reasons: Counter[str] = Counter()
    seen: set[tuple[str, str]] = set()
    valid = []
    for row in rows:
        reason = row_reason(row, delimiter == ";")
        key = (row["order_id"], row["product_id"])
        if reason is None and key in seen:
            reason = "duplicate_key"
        if reason is None:
            seen.add(key)
            valid.append(row)
        else:
            reasons[reason] += 1
    return reasons, valid


def run(out: Path, *extra: str) -> dict[str, Any]:
    return main(["--out", str(out), *extra])


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("full")
    return out, run(
        out, "--rows", str(ROWS), "--seed", "7", "--files", "4", "--bad-fraction", "0.02"
    )


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(
    tmp_path: Path, generated: tuple[Path, dict[str, Any]]
) -> None:
    out, _ = generated
    again, other = tmp_path / "again", tmp_path / "other"
    run(again, "--rows", str(ROWS), "--seed", "7", "--files", "4", "--bad-fraction", "0.02")
    run(other, "--rows", str(ROWS), "--seed", "8", "--files", "4", "--bad-fraction", "0.02")
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(p.name for p in again.iterdir()) and len(names) == 4
    assert all((out / n).read_bytes() == (again / n).read_bytes() for n in names)
    assert any((out / n).read_bytes() != (other / n).read_bytes() for n in names)


def test_files_hold_exactly_the_requested_rows_and_the_summary_says_so(
    generated: tuple[Path, dict[str, Any]],
) -> None:
    out, summary = generated
    counts = [len(read_file(p)[2]) for p in sorted(out.glob("*.csv"))]
    assert counts == [ROWS // 4] * 4
    assert summary["rows"] == ROWS and summary["files"] == 4
    assert summary["bytes"] == sum(p.stat().st_size for p in out.glob("*.csv"))


def test_every_reject_reason_occurs_as_the_summary_counts_them(
    generated: tuple[Path, dict[str, Any]],
) -> None:
    out, summary = generated
    found: Counter[str] = Counter()
    for path in out.glob("*.csv"):
        found += classify(path)[0]
    assert set(found) == set(REJECT_REASONS)
    assert dict(found) == summary["bad_by_reason"]
    assert sum(found.values()) == summary["bad_rows"] == round(ROWS * 0.02)


def test_invalid_encoding_rows_hold_raw_non_utf8_bytes(
    generated: tuple[Path, dict[str, Any]],
) -> None:
    out, summary = generated
    broken = 0
    for path in out.glob("*.csv"):
        for line in path.read_bytes().splitlines():
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                broken += 1
    assert broken == summary["bad_by_reason"]["invalid_encoding"]


def test_both_locales_with_shuffled_columns_and_an_extra_column_are_written(
    generated: tuple[Path, dict[str, Any]],
) -> None:
    out, _ = generated
    files = sorted(out.glob("*.csv"))
    raw = [p.read_bytes() for p in files]
    iso = [b for b in raw if not b.startswith(b"\xef\xbb\xbf")]
    es = [b for b in raw if b.startswith(b"\xef\xbb\xbf")]
    assert iso and es
    assert all(b"\r\n" not in b and b.split(b"\n", 1)[0].count(b",") >= 7 for b in iso)
    assert re.search(rb",\d{4}-\d{2}-\d{2}[,\nT]", b"".join(iso)), "ISO dates"
    assert all(b.count(b"\r\n") == b.count(b"\n") for b in es)
    es_text = b"".join(es).decode("utf-8", "replace")
    assert re.search(r";\d{1,3}\.\d{3},\d{2};", es_text), "thousands dot and decimal comma"
    assert re.search(r";\d{2}/\d{2}/\d{4}(;|\r)", es_text)
    headers = [read_file(p)[1] for p in files]
    assert headers[0] == list(REQUIRED_COLUMNS)
    assert len({tuple(h) for h in headers}) == len(headers), "column order varies"
    assert any("notes" in h for h in headers)


def test_valid_lines_look_like_real_orders(generated: tuple[Path, dict[str, Any]]) -> None:
    out, summary = generated
    lines = [row for p in out.glob("*.csv") for row in classify(p)[1]]
    assert {r["channel"].lower() for r in lines} == set(CHANNELS)
    statuses = Counter(r["status"].lower() for r in lines)
    assert set(statuses) == set(STATUSES)
    assert statuses["delivered"] > statuses["cancelled"] > 0
    assert 200 <= len({r["client_id"] for r in lines}) <= 400
    assert 40 <= len({r["product_id"] for r in lines}) <= 50
    assert all(re.fullmatch(r"ORD-\d{4}-\d{7}", r["order_id"]) for r in lines)
    assert all(
        re.fullmatch(r"C\d{5}", r["client_id"]) and re.fullmatch(r"P\d{4}", r["product_id"])
        for r in lines
    )
    assert {int(r["quantity"]) for r in lines} <= set(range(1, 49))
    dates = {d for r in lines if (d := parse_date(r["order_date"])) is not None}
    assert len(dates) == 14
    assert [min(dates), max(dates)] == [dt.date.fromisoformat(d) for d in summary["dates"]]
    orders: dict[str, list[dict[str, str]]] = {}
    for r in lines:
        orders.setdefault(r["order_id"], []).append(r)
    assert {len(v) for v in orders.values()} == {1, 2, 3, 4, 5}
    for order_lines in orders.values():
        assert len({r["product_id"] for r in order_lines}) == len(order_lines)
        assert (
            len(
                {
                    (r["client_id"], r["channel"].lower(), parse_date(r["order_date"]))
                    for r in order_lines
                }
            )
            == 1
        )


def test_update_resends_recent_lines_with_new_status_moves_some_and_adds_new_ones(
    tmp_path: Path, generated: tuple[Path, dict[str, Any]]
) -> None:
    base, _ = generated
    summary = run(
        tmp_path,
        "--update-of",
        str(base),
        "--seed",
        "7",
        "--update-fraction",
        "0.05",
        "--new-fraction",
        "0.03",
    )
    assert [p.name for p in tmp_path.iterdir()] == [UPDATE_FILE]
    existing = {}
    for path in sorted(base.glob("*.csv")):
        existing.update({(r["order_id"], r["product_id"]): r for r in classify(path)[1]})
    reasons, update = classify(tmp_path / UPDATE_FILE)
    resent = [r for r in update if (r["order_id"], r["product_id"]) in existing]
    new = [r for r in update if (r["order_id"], r["product_id"]) not in existing]
    assert set(reasons) == set(REJECT_REASONS)
    assert len(resent) == summary["resent"] == round(len(existing) * 0.05)
    assert len(new) == summary["new"] == round(len(existing) * 0.03)
    old = [existing[(r["order_id"], r["product_id"])] for r in resent]
    assert all(r["status"].lower() != o["status"].lower() for r, o in zip(resent, old, strict=True))
    moved = [
        r
        for r, o in zip(resent, old, strict=True)
        if r["channel"].lower() != o["channel"].lower()
        or parse_date(r["order_date"]) != parse_date(o["order_date"])
    ]
    assert len(moved) == summary["moved"] >= 1
    window = {parse_date(r["order_date"]) for r in update}
    assert len(window) <= 3, "updates concentrate on the last days"


def test_clients_and_products_set_how_many_distinct_ids_the_set_and_its_update_use(
    tmp_path: Path,
) -> None:
    """The bench's wide shape (many clients, more products) comes from these two options."""
    shape = ("--clients", "3000", "--products", "120")
    run(tmp_path / "full", "--rows", "20000", "--days", "90", "--bad-fraction", "0", *shape)
    lines = [row for p in (tmp_path / "full").glob("*.csv") for row in classify(p)[1]]
    clients = {r["client_id"] for r in lines}
    products = {r["product_id"] for r in lines}
    assert 2000 < len(clients) <= 3000
    assert 100 < len(products) <= 120
    assert len({parse_date(r["order_date"]) for r in lines}) == 90
    update = tmp_path / "update"
    summary = run(update, "--update-of", str(tmp_path / "full"), "--bad-fraction", "0", *shape)
    known = {(r["order_id"], r["product_id"]) for r in lines}
    new = [
        r
        for r in classify(update / UPDATE_FILE)[1]
        if (r["order_id"], r["product_id"]) not in known
    ]
    assert len(new) == summary["new"] > 100
    # Drawn from the full set's pools, not the defaults (400 clients, P0001..P0050).
    default = build_pools(42)
    assert any(int(r["product_id"][1:]) > 50 for r in new)
    assert {r["client_id"] for r in new} - set(default.clients)
    assert {r["client_id"] for r in new} <= set(build_pools(42, 3000, 120).clients)


def test_update_is_deterministic(tmp_path: Path, generated: tuple[Path, dict[str, Any]]) -> None:
    base, _ = generated
    for name in ("a", "b"):
        run(tmp_path / name, "--update-of", str(base), "--update-format", "es")
    first = (tmp_path / "a" / UPDATE_FILE).read_bytes()
    assert first == (tmp_path / "b" / UPDATE_FILE).read_bytes()
    assert first.startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--files", "2"], "--rows is required"),
        (["--rows", "3", "--files", "4"], "cannot exceed"),
        (["--rows", "10", "--start-date", "1999-12-30"], "outside the valid"),
        (
            ["--rows", "10", "--start-date", (LATEST + dt.timedelta(days=1)).isoformat()],
            "outside the valid",
        ),
        (["--rows", "10", "--bad-fraction", "0.9"], "between 0 and 0.5"),
        (["--rows", "10", "--formats", "iso,xx"], "--formats"),
        (["--rows", "10", "--clients", "0"], "--clients: must be 1..99999"),
        (["--rows", "10", "--clients", "100000"], "--clients: must be 1..99999"),
        (["--rows", "10", "--products", "3"], "--products: must be 4..9999"),
    ],
)
def test_bad_arguments_are_refused_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exc:
        run(tmp_path / "out", *args)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_a_folder_with_other_csvs_is_refused_but_regenerating_the_same_set_is_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(tmp_path, "--rows", "20", "--files", "2")
    run(tmp_path, "--rows", "20", "--files", "2")
    with pytest.raises(SystemExit):
        run(tmp_path, "--rows", "20", "--files", "1")
    assert "already holds other CSV files (orders_0001.csv" in capsys.readouterr().err


def test_multiline_notes_change_only_the_notes_and_keep_one_record_per_row(
    tmp_path: Path,
) -> None:
    plain, multiline = tmp_path / "plain", tmp_path / "multiline"
    main(["--rows", "400", "--out", str(plain)])
    main(["--rows", "400", "--out", str(multiline), "--multiline-notes"])

    def records(path: Path) -> list[list[str]]:
        text = path.read_bytes().decode("utf-8", "surrogateescape").removeprefix("\ufeff")
        delimiter = ";" if text.split("\n", 1)[0].count(";") > 1 else ","
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))

    broken = 0
    for name in sorted(p.name for p in plain.glob("*.csv")):
        before, after = records(plain / name), records(multiline / name)
        assert len(before) == len(after)
        for old, new in zip(before, after, strict=True):
            changed = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
            assert all(b.replace("\r\n", " ").replace("\n", "; ") == a for a, b in changed)
            broken += len(changed)
    assert broken > 10
