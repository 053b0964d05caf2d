"""Synthetic order CSVs for benchmarks and manual runs.

`make generate`, or `python -m synthetic.generate --help`.
"""
