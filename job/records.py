"""Files whose quoted fields hold line breaks: find them cheaply, read them record by record.

RFC 4180 lets a quoted field hold the delimiter, doubled quotes and line breaks (LF or
CRLF). Spark's line-based CSV reader splits a big file across tasks, but cuts such a
record in two; its ``multiLine`` reader keeps records whole but reads each file in one
task (not splittable). So the reader routes per file:

1. ``scan_quotes``: one splittable text scan of every loadable file counts, per file,
   the physical lines holding an odd number of ``"``. In a well-quoted file a line ends
   inside a quoted field exactly when it is such a line (a quoted field adds two quotes,
   a doubled quote two more), so a file with none has no quoted line break and keeps the
   fast line-based path. The scan reads the bytes once more but parses nothing: a filter
   on lines holding a quote, a split on it, one count per file (~1 s for 14 MB on two
   busy cores; see docs/performance.md).
2. ``read_records``: the other files, read with ``multiLine`` (one task per file), with
   the two things the line reader does that ``multiLine`` does not: whitespace-only lines
   are skipped (not counted), and the header is the first non-blank line. Both are told
   apart by the raw record text Spark keeps for a record with too few fields.

An odd number of such lines means the file's quotes do not pair up: a quote that opens
a field never closes, so the parser reads to the end of the file into that field. The
file's last record (the one that swallowed the rest) is then rejected as
``unterminated_quote``; the records before it load.

Why not ``multiLine`` for every file: a big file would be one task, the whole run as
slow as its biggest file. Why not a check of the first bytes only: a quoted line break
can be on any line. The record reader takes the file's line end from its first line, so
such a file must not mix CRLF and LF outside quotes (the line reader does not mind).
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from contract.header import required_positions
from contract.orders import REQUIRED_COLUMNS, UNTERMINATED_QUOTE
from table_format.storage import spark_paths

QUOTE = '"'
# Spark's line reader skips a line when ``line.trim`` is empty: every char <= U+0020.
BLANK_PATTERN = r"^[\x00-\x20]*$"
RAW_RECORD = "_raw_record"  # Spark's corrupt-record column: the text of a short record

RECORD_OPTIONS = {
    "header": "false",  # the header is the first non-blank record, dropped below
    "encoding": "UTF-8",
    "quote": QUOTE,
    "escape": QUOTE,
    "mode": "PERMISSIVE",
    "multiLine": "true",
    "columnNameOfCorruptRecord": RAW_RECORD,
}


@dataclass(frozen=True)
class QuoteScan:
    """How many physical lines of a file hold an odd number of quotes."""

    odd_lines: int = 0

    @property
    def has_unterminated_quote(self) -> bool:
        return self.odd_lines % 2 == 1


def scan_quotes(
    spark: SparkSession, paths: list[str], source: Column | None = None
) -> dict[str, QuoteScan]:
    """Per file with at least one odd-quote line, its ``QuoteScan``; one splittable scan.
    ``source`` names a row's file as ``paths`` do (``job.read.source_file``;
    Spark's percent-encoded ``input_file_name()`` when not given)."""
    if not paths:
        return {}
    value = F.col("value")
    # Counted on the decoded text, as the CSV parser sees it. Not ``length(value) -
    # length(translate(...))``: length counts a raw invalid lead byte (0xF1) as a char of
    # the width it announces, translate as one U+FFFD, so invalid UTF-8 skewed the count.
    quotes = F.size(F.split(value, QUOTE)) - 1
    rows = (
        spark.read.text(spark_paths(paths))
        .where(value.contains(QUOTE))
        .where(quotes % 2 == 1)
        .groupBy((F.input_file_name() if source is None else source).alias("path"))
        .count()
        .collect()
    )
    return {row["path"]: QuoteScan(int(row["count"])) for row in rows}


def read_records(
    spark: SparkSession,
    delimiter: str,
    columns: tuple[str, ...],
    paths: list[str],
    unterminated: set[str],
    source: Column | None = None,
) -> DataFrame:
    """Records of files sharing one layout, with ``read_error`` on the last record of each
    file in ``unterminated``. ``source_row_id`` increases with the record's position.

    Each file is one task (Spark does not split a ``multiLine`` file); the per-file window
    that finds the header and the last record shuffles only these files' records.
    """
    names = [f"_c{i}" for i in range(len(columns))]
    file_schema = T.StructType(
        [T.StructField(name, T.StringType()) for name in [*names, RAW_RECORD]]
    )
    frame = (
        spark.read.options(**RECORD_OPTIONS, sep=delimiter)
        .schema(file_schema)
        .csv(spark_paths(paths))
    )
    # Spark keeps the text only of a record with the wrong number of fields; a blank
    # line is one (empty) field. ``   ,,`` has all its fields and is a record, as in lines.
    # A blank record's last field is always null (no delimiter is blank, and every layout
    # has several columns); saying so also makes a query that needs only `_blank` read a
    # data column, which Spark 4 requires (it refuses a CSV scan of the corrupt-record
    # column alone, e.g. a `count()` of these records).
    is_blank = (
        F.coalesce(F.col(RAW_RECORD).rlike(BLANK_PATTERN), F.lit(False)) & F.col(names[-1]).isNull()
    )
    in_file = Window.partitionBy("source_file")
    position = F.row_number().over(in_file.orderBy("source_row_id"))
    is_last = position == F.count(F.lit(1)).over(in_file)
    positions = required_positions(columns)
    return (
        frame.select(
            *names,
            (F.input_file_name() if source is None else source).alias("source_file"),
            is_blank.alias("_blank"),
        )
        .where(~F.col("_blank"))
        # Taken after the blank records are gone, as on the line path (whose parser skips
        # them): a file's ids within one read partition are consecutive.
        .select("*", F.monotonically_increasing_id().alias("source_row_id"))
        .select("*", position.alias("_position"), is_last.alias("_last"))
        .where(F.col("_position") > 1)  # the header
        .select(
            *[F.col(names[positions[name]]).alias(name) for name in REQUIRED_COLUMNS],
            "source_file",
            F.lit(delimiter).alias("source_delimiter"),
            "source_row_id",
            F.when(
                F.col("_last") & F.col("source_file").isin(*sorted(unterminated)),
                F.lit(UNTERMINATED_QUOTE),
            ).alias("read_error"),
        )
    )
