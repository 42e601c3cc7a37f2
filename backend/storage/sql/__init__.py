"""The row groups both engines share: every table's SQL, written once (docs/storage.md).

The statements are SQLite's spelling; an engine's ``Dialect`` (dialect.py) supplies what really
differs, and PostgreSQL's connection turns each statement into its own spelling once.
"""
