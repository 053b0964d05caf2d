"""Records, not lines: RFC 4180 quoted fields with line breaks, through the real reader."""

from __future__ import annotations

from pathlib import Path

import pytest
from chispa import assert_df_equality
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from job.read import _read_lines, inspect_input, read_raw_orders
from job.records import read_records, scan_quotes
from table_format.storage import Storage
from tests.builders import INGESTED_AT, RUN_DATE
from transforms.staging import stage_orders

COMMA = "order_id,client_id,product_id,channel,quantity,unit_price,status,order_date,notes"
SEMI = "notes;order_id;client_id;product_id;channel;quantity;unit_price;status;order_date"
BOM = "\ufeff"

# name -> file text; every order_id is unique across files so tests can look rows up by it.
FILES = {
    "lf.csv": (
        f"{COMMA}\n"
        'A1,C1,P1,online,1,1.50,pending,2026-11-20,"first line\nsecond line"\n'
        "A2,C1,P2,online,2,2.00,shipped,2026-11-20,\n"
        "\n   \n"  # blank lines outside quotes: not records
        'A3,C1,P3,store,3,3.00,shipped,2026-11-20,"one\n\ntwo, three\nfour"\n'
    ),
    "crlf_semicolon.csv": (
        f"{BOM}{SEMI}\r\n"
        '"Entregar\r\nantes de las 10:00; llamar";B1;C2;P1;phone;3;1.234,50;pending;20/11/2026\r\n'
        '"Caja ""frágil""\nno apilar";B2;C2;P2;phone;1;2,00;pending;20/11/2026\r\n'
        "\r\n"
        ";B3;C2;P3;store;1;3,50;confirmed;21/11/2026\r\n"
    ),
    "quoting.csv": (
        f"{COMMA}\n"
        'D1,"C,1",P1,online,1,1.00,pending,2026-11-20,"a, b"\n'  # delimiter inside a value
        'D2,C1,P1,online,1,1.00,pending,2026-11-20,"say ""hi""\nthen go"\n'
    ),
    "required_break.csv": (
        f"{COMMA}\n"
        '"E\n1",C1,P1,online,1,1.00,pending,2026-11-20,x\n'
        'E2,C1,P1,online,1,1.00,"shipped\n",2026-11-20,x\n'
        'E3,C1,P1,online,1,1.00,"shipped\r\n",2026-11-20,x\n'
    ),
    "unterminated.csv": (
        f"{COMMA}\n"
        'F1,C1,P1,online,1,1.00,pending,2026-11-20,"fine\nnote"\n'
        'F2,C1,P2,online,1,1.00,pending,2026-11-20,"never closed\n'
    ),
    "unterminated_mid.csv": (
        f"{COMMA}\n"
        "H1,C1,P1,online,1,1.00,pending,2026-11-20,\n"
        'H2,C1,P2,online,1,1.00,pending,2026-11-20,"opened here\n'
        "H3,C1,P3,online,1,1.00,pending,2026-11-20,\n"
    ),
    "stray_quote.csv": (
        f"{COMMA}\n"
        'J1,C1,P1,online,1,1.00,pending,2026-11-20,12" pizza\n'
        "J2,C1,P2,online,1,1.00,pending,2026-11-20,\n"
    ),
    "plain.csv": (f'{COMMA}\nG1,C1,P1,online,1,1.00,pending,2026-11-20,"quoted, one line"\n'),
}


# Invalid UTF-8 next to quotes (as the generator's invalid_encoding rows have): a lead byte
# that promises more bytes than follow must not hide or invent a quote. One line per record.
BAD_BYTES = (
    f"{COMMA}\n".encode()
    + b'K1,C\xf1,P1,online,1,1.00,pending,2026-11-20,"Caja ""fr\xc3\xa1gil"", no"\n'
    + b'K2,C1,P\xc3,online,1,1.00,pending,2026-11-20,"x\xf1"\n'
    + b'K3,C1,P1,online,1,1.00,pending,2026-11-20,"\xc3"\n'
)


@pytest.fixture(scope="module")
def input_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("records")
    for name, text in FILES.items():
        (folder / name).write_bytes(text.encode("utf-8"))
    (folder / "bad_bytes.csv").write_bytes(BAD_BYTES)
    return folder


@pytest.fixture(scope="module")
def files(spark: SparkSession, input_dir: Path) -> list:
    return inspect_input(Storage(spark), str(input_dir))


@pytest.fixture(scope="module")
def raw(spark: SparkSession, files: list) -> dict[str, dict]:
    return {r.order_id: r.asDict() for r in read_raw_orders(spark, files).collect()}


def _name(path: str) -> str:
    return Path(path.removeprefix("file:")).name


def test_only_files_with_quoted_line_breaks_are_read_record_by_record(
    spark: SparkSession, files: list
) -> None:
    scans = scan_quotes(spark, [f.path for f in files if f.status == "ok"])
    assert {_name(p): s.odd_lines for p, s in scans.items()} == {
        "lf.csv": 4,
        "crlf_semicolon.csv": 4,
        "quoting.csv": 2,
        "required_break.csv": 6,
        "unterminated.csv": 3,
        "unterminated_mid.csv": 1,
        "stray_quote.csv": 1,
    }
    unterminated = sorted(_name(p) for p, s in scans.items() if s.has_unterminated_quote)
    assert unterminated == ["stray_quote.csv", "unterminated.csv", "unterminated_mid.csv"]


def test_a_record_is_read_whole_however_many_lines_it_spans(raw: dict[str, dict]) -> None:
    per_file: dict[str, list[str]] = {}
    for order_id, row in sorted(raw.items()):
        per_file.setdefault(_name(row["source_file"]), []).append(order_id)
    assert per_file == {
        "lf.csv": ["A1", "A2", "A3"],
        "crlf_semicolon.csv": ["B1", "B2", "B3"],
        "quoting.csv": ["D1", "D2"],
        "required_break.csv": ["E\n1", "E2", "E3"],
        "unterminated.csv": ["F1", "F2"],
        "unterminated_mid.csv": ["H1", "H2"],  # H3 is inside H2's open quote
        "stray_quote.csv": ["J1", "J2"],
        "plain.csv": ["G1"],
        "bad_bytes.csv": ["K1", "K2", "K3"],
    }


def test_values_after_a_quoted_line_break_land_in_their_own_columns(
    raw: dict[str, dict],
) -> None:
    got = {k: (raw[k]["client_id"], raw[k]["unit_price"], raw[k]["status"]) for k in raw}
    assert got["A3"] == ("C1", "3.00", "shipped")
    assert got["B1"] == ("C2", "1.234,50", "pending")  # `;` file, CRLF, BOM, decimal comma
    assert got["B2"] == ("C2", "2,00", "pending")
    assert got["D1"] == ("C,1", "1.00", "pending")  # delimiter inside quotes
    assert {raw[k]["source_delimiter"] for k in ("A1", "B1")} == {",", ";"}


def test_a_quoted_line_break_stays_in_a_required_value(raw: dict[str, dict]) -> None:
    # In a CRLF file Spark's record reader hands a quoted CRLF over as LF; in an LF file as is.
    assert [raw[k]["status"] for k in ("E2", "E3")] == ["shipped\n", "shipped\r\n"]


def test_line_break_in_a_required_field_follows_that_fields_rule(
    spark: SparkSession, files: list
) -> None:
    staged = read_raw_orders(spark, files).transform(stage_orders(RUN_DATE, INGESTED_AT))
    reasons = {r.order_id: r.reject_reason for r in staged.collect()}
    # Trimming removes spaces only, so the line break is part of the value.
    assert {k: reasons[k] for k in ("E\n1", "E2", "E3")} == {
        "E\n1": "invalid_id",
        "E2": "unknown_status",
        "E3": "unknown_status",
    }
    assert reasons["A1"] is None and reasons["B2"] is None and reasons["D2"] is None


def test_unterminated_quote_rejects_the_last_record_with_a_reason(
    spark: SparkSession, files: list
) -> None:
    staged = read_raw_orders(spark, files).transform(stage_orders(RUN_DATE, INGESTED_AT))
    rows = staged.where(F.col("order_id").rlike("^[FH]")).orderBy("order_id").collect()
    assert [(r.order_id, r.reject_reason, r.reject_reasons) for r in rows] == [
        ("F1", None, []),
        ("F2", "unterminated_quote", ["unterminated_quote"]),
        ("H1", None, []),
        ("H2", "unterminated_quote", ["unterminated_quote"]),
    ]


def test_an_odd_number_of_stray_quotes_is_taken_for_an_unterminated_quote(
    spark: SparkSession, files: list
) -> None:
    """Not RFC 4180 (a quote inside an unquoted value): the quote scan cannot tell it from a
    quote that never closes, so the file's last record is quarantined, never loaded unseen."""
    staged = read_raw_orders(spark, files).transform(stage_orders(RUN_DATE, INGESTED_AT))
    rows = staged.where(F.col("order_id").startswith("J")).orderBy("order_id").collect()
    assert [(r.order_id, r.reject_reason) for r in rows] == [
        ("J1", None),
        ("J2", "unterminated_quote"),
    ]


def test_source_row_id_increases_with_the_record_position_in_its_file(
    raw: dict[str, dict],
) -> None:
    for ids in (["A1", "A2", "A3"], ["B1", "B2", "B3"], ["E\n1", "E2", "E3"]):
        positions = [raw[k]["source_row_id"] for k in ids]
        assert positions == sorted(positions) and len(set(positions)) == 3


def _ordinary_files(folder: Path) -> list[str]:
    """What the line-based path already handles: BOM, CRLF, blank lines, bad UTF-8, short rows."""
    (folder / "a.csv").write_bytes(
        (f'\n  \n{COMMA}\nO1,C1,P1,online,1,"1.50",pending,2026-11-20,x\n\n   \n\t\n')
        .encode()
        .replace(b"x\n", b"x\xff\n")
        + b"O2,C1,P1,store,2,3.00,shipped,2026-11-20\n   ,,,,\n,,,,,,,,\nO3,C1\n"
    )
    (folder / "b.csv").write_bytes(
        f"{BOM}{SEMI}\r\n;O4;C\udcff;P2;phone;3;1.234,50;pending;20/11/2026\r\n\r\n".encode(
            "utf-8", "surrogateescape"
        )
    )
    return [str(folder / "a.csv"), str(folder / "b.csv")]


def test_record_path_reads_ordinary_files_exactly_like_the_line_path(
    spark: SparkSession, tmp_path: Path
) -> None:
    paths = _ordinary_files(tmp_path)

    def both(delimiter: str, header: str, path: str) -> tuple[DataFrame, DataFrame]:
        columns = tuple(header.split(delimiter))
        lines = _read_lines(spark, delimiter, columns, [path])
        records = read_records(spark, delimiter, columns, [path], set())
        return lines.drop("source_row_id"), records.drop("source_row_id")

    for delimiter, header, path in ((",", COMMA, paths[0]), (";", SEMI, paths[1])):
        lines, records = both(delimiter, header, path)
        assert_df_equality(lines, records, ignore_row_order=True, ignore_nullable=True)
    assert both(",", COMMA, paths[0])[1].count() == 5
