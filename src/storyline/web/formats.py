"""How a page writes times and figures: minutes in the reader's zone, ISO stamps, 万/亿 amounts.

``local_minute`` and ``iso`` are written from a table rather than ``strftime``/``isoformat``
because a thread page formats two times per floor (tests/test_web_render.py checks them against
the library calls over many generated times).

Example::

    >>> fmt_value(5e11, "USD")
    '5000亿 USD'
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from storyline.web.labels import unit_label

__all__ = ["fmt_value", "iso", "local_minute"]

# "00".."99": formatting with a table is ≈4x cheaper than a ":02d" spec.
_2D = tuple(f"{i:02d}" for i in range(100))


def local_minute(at: datetime, tz: ZoneInfo) -> str:
    """``at`` in ``tz`` as ``YYYY-MM-DD HH:MM`` (``strftime("%Y-%m-%d %H:%M")``, 8x cheaper).

    >>> local_minute(datetime(2025, 1, 22, 13, 5, tzinfo=UTC), ZoneInfo("Asia/Shanghai"))
    '2025-01-22 21:05'
    """
    t = at.astimezone(tz)
    if t.year < 1000:  # strftime does not pad such years: say exactly what the template's dt() says
        return t.strftime("%Y-%m-%d %H:%M")
    return f"{t.year}-{_2D[t.month]}-{_2D[t.day]} {_2D[t.hour]}:{_2D[t.minute]}"


def iso(at: datetime) -> str:
    """``at.isoformat()``, written from the table for UTC times (what the store decodes).

    >>> iso(datetime(2025, 1, 22, 13, 5, 0, 7, tzinfo=UTC))
    '2025-01-22T13:05:00.000007+00:00'
    """
    if at.tzinfo is not UTC or at.year < 1000:
        return at.isoformat()
    us = f".{at.microsecond:06d}" if at.microsecond else ""
    return (
        f"{at.year}-{_2D[at.month]}-{_2D[at.day]}T{_2D[at.hour]}:{_2D[at.minute]}:{_2D[at.second]}{us}+00:00"
    )


def fmt_value(value: float, unit: str) -> str:
    """5e11, "USD" → "5000亿 USD": 万/亿/万亿 because that is how these readers count."""
    v = abs(value)
    # each band keeps the mantissa in [1, 10000), where 4 significant digits never need an exponent
    unit = unit_label(unit)  # jobs → 就业岗位; currency codes stay
    for scale, word in ((1e12, "万亿"), (1e8, "亿"), (1e4, "万")):
        if v >= scale:
            return f"{value / scale:.4g}{word} {unit}".strip()
    return f"{value:.4g} {unit}".strip()
