"""Naive Spark baseline for the benchmark: what a typical hand-written Glue script does.

``inferSchema`` (an extra full pass over every file), default session settings (200
shuffle partitions, default partition sizes), a ``dropDuplicates`` on the order key,
then ``partitionBy(order_date, channel)`` straight from the shuffle output: the classic
small-file explosion. It knows each file's delimiter (from its header) and date/price
format so that its output holds the same values as the job's; it does no validation,
upsert or quarantine. Its casts, date parses and product are the ``try_`` forms (NULL on a
bad value, as Spark 3.5's default casts): under Spark 4's ANSI mode (Glue 6.0) a plain cast
of a bad value fails the script.

    spark-submit bench/naive_spark.py --input DIR --output DIR
"""

from __future__ import annotations

import argparse
from functools import reduce
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

COLUMNS = (
    "order_id",
    "client_id",
    "product_id",
    "channel",
    "quantity",
    "unit_price",
    "status",
    "order_date",
)


def read_file(spark: SparkSession, path: Path) -> DataFrame:
    with path.open(encoding="utf-8-sig", errors="replace") as handle:
        header = handle.readline()
    sep = ";" if header.count(";") > header.count(",") else ","
    df = spark.read.csv(str(path), header=True, inferSchema=True, sep=sep)
    df = df.toDF(*[c.replace("\ufeff", "").strip().lower() for c in df.columns]).select(*COLUMNS)
    date = F.trim(F.col("order_date").cast("string"))
    if sep == ";":
        price = F.regexp_replace(F.regexp_replace("unit_price", r"\.", ""), ",", ".")
        parsed = F.try_to_timestamp(date, F.lit("dd/MM/yyyy"))
    else:
        price = F.col("unit_price").cast("string")
        parsed = F.try_to_timestamp(F.substring(date, 1, 10), F.lit("yyyy-MM-dd"))
    order_date = F.to_date(parsed)
    df = df.withColumn("_price", F.trim(price))
    return df.select(
        F.trim("order_id").alias("order_id"),
        F.trim("client_id").alias("client_id"),
        F.trim("product_id").alias("product_id"),
        F.expr("try_cast(quantity AS INT)").alias("quantity"),
        F.expr("try_cast(_price AS DECIMAL(12,2))").alias("unit_price"),
        F.lower(F.trim("status")).alias("status"),
        F.lit(str(path)).alias("source_file"),
        order_date.alias("order_date"),
        F.lower(F.trim("channel")).alias("channel"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, required=True)
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    spark = SparkSession.builder.appName("naive-orders").getOrCreate()
    # The usual fix after the first SparkUpgradeException on a bad date.
    spark.conf.set("spark.sql.legacy.timeParserPolicy", "CORRECTED")
    paths = sorted(p for p in args.input.iterdir() if p.suffix.lower() == ".csv")
    orders = reduce(DataFrame.unionByName, [read_file(spark, p) for p in paths])
    (
        orders.where(F.col("order_date").isNotNull() & F.col("quantity").isNotNull())
        .withColumn(
            "line_total", F.expr("try_cast(try_multiply(quantity, unit_price) AS DECIMAL(18,2))")
        )
        .withColumn("ingested_at", F.current_timestamp())
        .dropDuplicates(["order_id", "product_id"])
        .write.mode("overwrite")
        .partitionBy("order_date", "channel")
        .parquet(args.output)
    )
    spark.stop()


if __name__ == "__main__":
    main()
