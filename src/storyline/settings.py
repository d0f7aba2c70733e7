"""One configuration object, filled from CLI flags and ``STORYLINE_*`` variables, handed down.

No other module reads the environment: whoever builds a :class:`Settings` (the CLI, a test, a
Python user) decides, and every stage receives what it needs as arguments.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import platformdirs

__all__ = ["Settings", "default_db_path"]


def default_db_path() -> Path:
    """``storyline.db`` under the user's data directory (``~/.local/share/storyline`` on Linux)."""
    return Path(platformdirs.user_data_dir("storyline")) / "storyline.db"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a run can be told.

    db: a SQLite file path or a ``postgresql://`` URL.
    allow_private: let fetching reach private/loopback/link-local addresses (tests, intranets).
    story_window_hours: how far apart in time two reports of one story may be.
    page_store: rendered story pages kept on disk for every server process
    (:mod:`storyline.store.pages`): ``"auto"`` (beside a SQLite store, none for PostgreSQL),
    ``"off"``, or a file path.
    """

    db: str = field(default_factory=lambda: str(default_db_path()))
    allow_private: bool = False
    user_agent: str = "storyline/0.1 (+https://example.invalid/storyline; news aggregation)"
    fetch_timeout: float = 20.0
    fetch_retries: int = 3
    fetch_max_bytes: int = 20 * 1024 * 1024
    fetch_rate_per_host: float = 1.0  # requests per second per host
    max_input_bytes: int = 64 * 1024 * 1024
    story_window_hours: float = 96.0
    use_encoder: bool = True  # the multilingual sentence encoder for zh↔en story matching
    default_timezone: str = "Asia/Shanghai"
    host: str = "127.0.0.1"
    port: int = 8000
    page_store: str = "auto"
    page_store_max_bytes: int = 256 * 1024 * 1024  # LRU bound of the page store (compressed bytes)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Defaults, then ``STORYLINE_<FIELD>`` variables, then explicit overrides (CLI flags)."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"STORYLINE_{f.name.upper()}")
            if raw is None:
                continue
            default = getattr(cls(), f.name)
            if isinstance(default, bool):
                values[f.name] = raw.strip().lower() in {"1", "true", "yes", "on"}
            elif isinstance(default, int):
                values[f.name] = int(raw)
            elif isinstance(default, float):
                values[f.name] = float(raw)
            else:
                values[f.name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)
