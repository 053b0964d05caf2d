"""The business logic as pure DataFrame -> DataFrame functions: staging (row rules and
dedupe), core (the orders upsert), the marts and the rejected rows, and the one registry of
the tables they produce (``transforms.tables``)."""
