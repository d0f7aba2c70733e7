"""Storage: SQLite by default, PostgreSQL for newsrooms. ``open_store`` picks by the URL."""

from __future__ import annotations

from storyline.store.base import InputWrite, SearchHit, Store, StoryAssignment, WriteResult

__all__ = ["InputWrite", "SearchHit", "Store", "StoryAssignment", "WriteResult", "open_store"]


def open_store(db: str, *, migrate: bool = True) -> Store:
    """Open a store: ``postgresql://…`` selects PostgreSQL, anything else is a SQLite file path."""
    if db.startswith(("postgresql://", "postgres://")):
        from storyline.store.postgres import PostgresStore

        store: Store = PostgresStore(db)
    else:
        from storyline.store.sqlite import SQLiteStore

        store = SQLiteStore(db)
    if migrate:
        store.migrate()
    return store
