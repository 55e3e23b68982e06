"""The journal: every change a member makes to their entries (a log, an edit, a delete), so undo can take back
the last one, then the one before, and so on.

Written by storage/activities.py in the same transaction as the change. Undoing marks the change undone; an undo
is not itself a change, so the next undo goes one further back. Each member's journal is their own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from storage.clock import stamp

ACTIONS = ("log", "edit", "delete")


@dataclass(frozen=True)
class Change:
    id: int
    member_id: int
    activity_id: int
    action: str  # log, edit or delete
    before: dict[str, Any]  # an edit: the changed columns' values before it (as stored)
    after: dict[str, Any]  # an edit: their values after it
    at: str


def record(db: Database, member_id: int, activity_id: int, action: str, now: datetime, *,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> int:
    if action not in ACTIONS:
        raise ValueError(f"not a journal action: {action!r}")
    new = db.execute(
        "INSERT INTO journal (member_id, activity_id, action, before, after, at) VALUES (?, ?, ?, ?, ?, ?)",
        [member_id, activity_id, action, json.dumps(before or {}), json.dumps(after or {}), stamp(now)],
    ).lastrowid
    assert new is not None
    return new


def last_open(db: Database, member_id: int) -> Change | None:
    """The member's most recent change that has not been undone."""
    row = db.execute(
        "SELECT id, member_id, activity_id, action, before, after, at FROM journal "
        "WHERE member_id = ? AND undone_at IS NULL ORDER BY id DESC LIMIT 1",
        [member_id],
    ).fetchone()
    if row is None:
        return None
    return Change(row[0], row[1], row[2], row[3], json.loads(row[4]), json.loads(row[5]), row[6])


def mark_undone(db: Database, change_id: int, now: datetime) -> None:
    db.execute("UPDATE journal SET undone_at = ? WHERE id = ? AND undone_at IS NULL", [stamp(now), change_id])
