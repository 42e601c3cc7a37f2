"""PostgreSQL's result rows, read by column name or position (``Row``) as ``sqlite3.Row`` allows,
so the shared row groups (storage/sql/) read both engines' rows alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# A psycopg connection whose rows are ``Row``s (store.connect). Typed loosely, as sqlite3's rows
# are: each row group knows the shape of what it selected.
Connection = Any


class Row(tuple[Any, ...]):
    """A result row, by position or by column name."""

    names: dict[str, int]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self.names[key])
        return tuple.__getitem__(self, key)


def row_factory(cursor: Any) -> Any:
    """psycopg's row-factory hook: one ``Row`` subclass per result shape."""
    description = cursor.description
    if description is None:
        return tuple
    shape = type("Row", (Row,), {"names": {c.name: n for n, c in enumerate(description)}})

    def make(values: Sequence[Any]) -> Row:
        row: Row = shape(values)
        return row

    return make
