"""Activities: the interviews and networking meetings members log, and how they score.

Points are stored on each row and recomputed for a member's whole day whenever that day changes, so the
daily cap and the "same kind, same organisation, same day counts once" rule hold after edits and deletes,
and the leaderboard is a plain indexed sum.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from storage.clock import stamp
from storage.db import transaction
from storage.members import ScoringRules

INTERVIEW_STAGES = ("screener", "callback", "clerkship", "offer", "rejection", "other")
MEETING_TYPES = ("informational", "coffee", "alumni", "event", "referral", "other")
EDITABLE = ("org", "subtype", "happened_on", "notes")


@dataclass(frozen=True)
class Activity:
    id: int
    seq: int
    member_id: int
    kind: str
    subtype: str
    org: str
    happened_on: date
    notes: str
    points: int
    status: str
    source: str
    created_at: str
    deleted: bool
    thanked_at: str | None = None


@dataclass(frozen=True)
class Logged:
    """A stored activity and what the confirmation needs to say about it."""

    activity: Activity
    duplicate_of_day: bool  # same kind at the same organisation already logged that day
    capped: bool  # the daily cap cut its points


_COLS = (
    "id, seq, member_id, kind, subtype, org, happened_on, notes, points, status, source, created_at, deleted_at, "
    "thanked_at"
)
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def org_key(org: str) -> str:
    """Organisations compare without case, spacing or punctuation ("Ropes & Gray" == "ropes gray")."""
    return _NON_WORD.sub("", org.casefold())


def base_points(kind: str, subtype: str, rules: ScoringRules) -> int:
    if kind == "interview":
        return rules.interview + (rules.offer_bonus if subtype == "offer" else 0)
    if subtype == "informational":
        return rules.informational
    if subtype == "event":
        return rules.event
    return rules.meeting


def _activity(row: tuple[Any, ...]) -> Activity:
    return Activity(
        id=row[0],
        seq=row[1],
        member_id=row[2],
        kind=row[3],
        subtype=row[4],
        org=row[5],
        happened_on=date.fromisoformat(row[6]),
        notes=row[7],
        points=row[8],
        status=row[9],
        source=row[10],
        created_at=row[11],
        deleted=row[12] is not None,
        thanked_at=row[13],
    )


THANKS_BONUS = 1


def rescore_day(db: Database, member_id: int, day: str, rules: ScoringRules) -> None:
    """Recompute the points of one member's day, in logging order. Call inside a transaction.

    Cancelled entries and planned ones (not yet confirmed to have happened) score nothing; a thank-you note
    sent after an interview adds a small bonus. The daily cap applies to the total.
    """
    # `+created_at`: sort the day's few rows rather than let SQLite walk every entry the member ever logged
    # through activities_member_created just to avoid that sort (it did, and a log got slower with history).
    rows = db.execute(
        "SELECT id, kind, subtype, org_key, status, points, thanked_at, cohort_id FROM activities "
        "WHERE member_id = ? AND happened_on = ? AND deleted_at IS NULL ORDER BY +created_at, id",
        [member_id, day],
    ).fetchall()
    seen: set[tuple[str, str]] = set()
    total = interviews = meetings = 0
    cohort_id: int | None = rows[0][7] if rows else None  # a member's entries are all in their cohort
    for act_id, kind, subtype, key, status, old, thanked_at, _ in rows:
        points = 0
        if status == "done":
            interviews += kind == "interview"
            meetings += kind == "networking"
            if (kind, key) not in seen:
                seen.add((kind, key))
                earned = base_points(kind, subtype, rules) + (THANKS_BONUS if thanked_at else 0)
                points = max(0, min(earned, rules.daily_cap - total))
        total += points
        if points != old:
            db.execute("UPDATE activities SET points = ? WHERE id = ?", [points, act_id])
    record_day(db, member_id, day, cohort_id, (total, interviews, meetings))


def record_day(db: Database, member_id: int, day: str, cohort_id: int | None,
               totals: tuple[int, int, int]) -> None:
    """Store a member's (points, interviews, meetings) for one day and move their all-time totals by the change.

    These derived tables serve the all-time leaderboard (storage/board.py); `rescore_day` is the only writer,
    and every change to an entry goes through it, inside the same transaction.
    """
    old = db.execute(
        "SELECT cohort_id, points, interviews, meetings FROM member_days WHERE member_id = ? AND day = ?",
        [member_id, day],
    ).fetchone()
    before = (old[1], old[2], old[3]) if old else (0, 0, 0)
    if before == totals:
        return
    cohort = cohort_id if cohort_id is not None else old[0]
    if totals == (0, 0, 0):
        db.execute("DELETE FROM member_days WHERE member_id = ? AND day = ?", [member_id, day])
    else:
        db.execute(
            "INSERT INTO member_days (member_id, day, cohort_id, points, interviews, meetings) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (member_id, day) DO UPDATE SET points = excluded.points, "
            "interviews = excluded.interviews, meetings = excluded.meetings",
            [member_id, day, cohort, *totals],
        )
    db.execute(
        "INSERT INTO member_totals (cohort_id, member_id, points, interviews, meetings) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (cohort_id, member_id) DO UPDATE SET points = points + excluded.points, "
        "interviews = interviews + excluded.interviews, meetings = meetings + excluded.meetings",
        [cohort, member_id, *(now - was for now, was in zip(totals, before, strict=True))],
    )


def get_by_id(db: Database, activity_id: int) -> Activity | None:
    row = db.execute(f"SELECT {_COLS} FROM activities WHERE id = ?", [activity_id]).fetchone()
    return _activity(row) if row else None


def find_by_seq(db: Database, workspace_key: int, seq: int) -> Activity | None:
    """An activity by its short id, only ever within one workspace."""
    row = db.execute(
        f"SELECT {_COLS} FROM activities WHERE workspace_id = ? AND seq = ?", [workspace_key, seq]
    ).fetchone()
    return _activity(row) if row else None


def log_activity(
    db: Database,
    *,
    workspace_key: int,
    cohort_id: int,
    member_id: int,
    kind: str,
    subtype: str,
    org: str,
    happened_on: date,
    notes: str,
    status: str,
    source: str,
    now: datetime,
    rules: ScoringRules,
) -> Logged:
    """Store one activity and score its day, in one transaction."""
    at = stamp(now)
    day = happened_on.isoformat()
    key = org_key(org)
    with transaction(db):
        seq = db.execute(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM activities WHERE workspace_id = ?", [workspace_key]
        ).fetchone()[0]
        duplicate = (
            db.execute(
                "SELECT 1 FROM activities WHERE member_id = ? AND happened_on = ? AND kind = ? AND org_key = ? "
                "AND deleted_at IS NULL AND status != 'cancelled' LIMIT 1",
                [member_id, day, kind, key],
            ).fetchone()
            is not None
        )
        act_id = db.execute(
            "INSERT INTO activities (workspace_id, cohort_id, member_id, seq, kind, subtype, org, org_key, "
            "happened_on, notes, status, source, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [workspace_key, cohort_id, member_id, seq, kind, subtype, org, key, day, notes, status, source,
             at, at],
        ).lastrowid
        assert act_id is not None
        rescore_day(db, member_id, day, rules)
        activity = get_by_id(db, act_id)
    assert activity is not None
    capped = not duplicate and activity.points < base_points(kind, subtype, rules)
    return Logged(activity=activity, duplicate_of_day=duplicate, capped=capped)


def soft_delete(db: Database, activity: Activity, now: datetime, rules: ScoringRules) -> Activity:
    with transaction(db):
        db.execute(
            "UPDATE activities SET deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL",
            [stamp(now), stamp(now), activity.id],
        )
        db.execute("UPDATE activities SET points = 0 WHERE id = ?", [activity.id])
        rescore_day(db, activity.member_id, activity.happened_on.isoformat(), rules)
        updated = get_by_id(db, activity.id)
    assert updated is not None
    return updated


def update_activity(
    db: Database, activity: Activity, now: datetime, rules: ScoringRules, **fields: Any
) -> Activity:
    """Change editable fields of a live activity and rescore the days it touches."""
    unknown = set(fields) - set(EDITABLE) - {"status", "thanked_at"}
    if unknown:
        raise ValueError(f"not an editable field: {sorted(unknown)}")
    values = dict(fields)
    if "happened_on" in values:
        values["happened_on"] = values["happened_on"].isoformat()
    if isinstance(values.get("thanked_at"), datetime):
        values["thanked_at"] = stamp(values["thanked_at"])
    if "org" in values:
        values["org_key"] = org_key(values["org"])
    assignments = ", ".join(f"{name} = ?" for name in values)
    with transaction(db):
        db.execute(
            f"UPDATE activities SET {assignments}, updated_at = ? WHERE id = ? AND deleted_at IS NULL",
            [*values.values(), stamp(now), activity.id],
        )
        days = {activity.happened_on.isoformat(), values.get("happened_on", activity.happened_on.isoformat())}
        for day in sorted(days):
            rescore_day(db, activity.member_id, day, rules)
        updated = get_by_id(db, activity.id)
    assert updated is not None
    return updated


def last_created(db: Database, member_id: int) -> Activity | None:
    """The member's most recently logged entry that is still live (for undo)."""
    row = db.execute(
        f"SELECT {_COLS} FROM activities WHERE member_id = ? AND deleted_at IS NULL "
        "ORDER BY created_at DESC, id DESC LIMIT 1",
        [member_id],
    ).fetchone()
    return _activity(row) if row else None


def recent(db: Database, member_id: int, limit: int = 5) -> list[Activity]:
    rows = db.execute(
        f"SELECT {_COLS} FROM activities WHERE member_id = ? AND deleted_at IS NULL "
        "ORDER BY happened_on DESC, id DESC LIMIT ?",
        [member_id, limit],
    ).fetchall()
    return [_activity(r) for r in rows]
