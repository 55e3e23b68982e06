"""Time helpers: stored timestamps are ISO-8601 UTC strings, and a week starts on Monday (ISO weeks)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def week_start(day: date) -> date:
    """Monday of the ISO week holding `day`."""
    return day - timedelta(days=day.weekday())
