"""Time helpers shared by storage: stored timestamps are ISO-8601 UTC strings."""

from __future__ import annotations

from datetime import UTC, datetime


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
