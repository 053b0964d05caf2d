"""Run-sized session settings: pure sizing rule, and restored after the run."""

from __future__ import annotations

from pyspark.sql import SparkSession

from job.tuning import MB, run_settings
from table_format.session import applied


def test_a_local_run_gets_two_splits_and_four_shuffle_partitions_per_core() -> None:
    settings = run_settings(139 * MB, cores=2)
    assert settings["spark.sql.shuffle.partitions"] == "8"
    # AQE merges partitions only up to 16 MB: the 8 stay 8 (~22 MB each at 2M rows).
    assert settings["spark.sql.adaptive.advisoryPartitionSizeInBytes"] == str(16 * MB)
    assert int(settings["spark.sql.files.maxPartitionBytes"]) == -(-139 * MB // 4)


def test_a_big_input_gets_about_64_mb_per_shuffle_partition_in_whole_waves() -> None:
    settings = run_settings(10 * 1024 * MB, cores=36)
    assert settings["spark.sql.shuffle.partitions"] == "180"  # 160 wanted, 5 waves of 36
    assert settings["spark.sql.files.maxPartitionBytes"] == str(128 * MB)


def test_a_tiny_input_never_splits_below_4_mb() -> None:
    assert run_settings(1000, cores=2)["spark.sql.files.maxPartitionBytes"] == str(4 * MB)


def test_settings_are_restored_after_the_block(spark: SparkSession) -> None:
    before = spark.conf.get("spark.sql.shuffle.partitions")
    with applied(spark, {"spark.sql.shuffle.partitions": "7"}):
        assert spark.conf.get("spark.sql.shuffle.partitions") == "7"
    assert spark.conf.get("spark.sql.shuffle.partitions") == before
