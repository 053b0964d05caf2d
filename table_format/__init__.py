"""The table format: where a table's files live, the storage they are written to, the commit
that makes a run's files current, the writer lease, reading a table's current version and
recovery from a failed run. It knows a table only by its name, partition columns and schema
(``TableSpec``) and imports nothing from the transforms."""
