"""The embedded engine: SQLite files, the only code in Parley that knows SQL."""
