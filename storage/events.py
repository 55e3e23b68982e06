"""Delivery de-duplication: remember platform event ids so a retried event is handled once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlite_utils import Database

from storage.clock import stamp
from storage.db import transaction

KEEP = timedelta(days=2)


def first_sighting(db: Database, key: str, now: datetime) -> bool:
    """True the first time `key` is seen; False for every later delivery of the same event."""
    with transaction(db):
        cursor = db.execute("INSERT OR IGNORE INTO seen_events (key, seen_at) VALUES (?, ?)", [key, stamp(now)])
        fresh = cursor.rowcount == 1
        if fresh:
            db.execute("DELETE FROM seen_events WHERE seen_at < ?", [stamp(now - KEEP)])
    return fresh
