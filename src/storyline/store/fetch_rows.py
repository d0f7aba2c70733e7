"""The ``fetch_state`` table's columns and rows as :class:`~storyline.store.base.FetchState`.

Shared by both stores so that they read and write live mode's fetch state column for column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple, fields

from storyline.store.base import FetchState

__all__ = ["COLUMNS", "UPDATE_COLUMNS", "from_row", "on_conflict", "to_row"]

COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(FetchState))
# Everything but the key and what only the first insert decides.
UPDATE_COLUMNS: tuple[str, ...] = tuple(c for c in COLUMNS if c not in {"url", "first_seen"})


def on_conflict(listed_update: bool) -> str:
    """What an insert of a known URL does: nothing, or (the user edited the source list) take
    ``listed``, ``interval_s`` and a non-empty ``outlet`` from the new row. Same SQL in both dialects."""
    if not listed_update:
        return "DO NOTHING"
    return (
        "DO UPDATE SET listed = excluded.listed, interval_s = excluded.interval_s,"
        " outlet = CASE WHEN excluded.outlet <> '' THEN excluded.outlet ELSE fetch_state.outlet END"
    )


def to_row(state: FetchState) -> tuple:
    row = list(astuple(state))
    item = COLUMNS.index("item")
    row[item] = row[item] or None
    return tuple(row)


def from_row(row: Sequence) -> FetchState:
    values = dict(zip(COLUMNS, row, strict=True))
    values["listed"] = bool(values["listed"])
    values["item"] = bytes(values["item"]) if values["item"] is not None else b""
    return FetchState(**values)
