"""The benchmark: the job vs a naive Spark script vs a DuckDB floor (`make bench`).

Run: `python -m bench.run`; results land beside this package (results.md, results.png).
"""
