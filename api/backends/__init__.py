"""Where the named queries run: ``base`` (the interface), ``local`` (DuckDB) and ``athena``.

``api.dependencies.make_backend`` picks one from the settings.
"""
