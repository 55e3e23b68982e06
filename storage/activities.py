"""Activities: the interviews and networking meetings members log, the changes they make to them, and undo.

Points and counts are stored on each row and recomputed (storage/scoring.py) for every entry a change can move,
in the same transaction, so the daily caps and "same kind, same organisation, same day counts once" hold after
edits, deletes and undos, and the leaderboard is a plain indexed sum. Interviews, offers and rejections belong to
the member's application at that organisation (storage/applications.py). Every log, edit and delete is written
to the journal (storage/journal.py) in its transaction; `undo_last` takes back the newest one not yet undone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from storage import applications, journal, scoring
from storage.applications import Application, Step
from storage.clock import stamp
from storage.db import transaction
from storage.rules import ScoringRules
from storage.scoring import THANKS_BONUS as THANKS_BONUS  # re-exported: the benchmarks score rows with them
from storage.scoring import State
from storage.scoring import base_points as base_points

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
    application_id: int | None = None  # interviews, offers and rejections; None for networking
    logged_on: date | None = None  # the day it was typed, in the member's timezone
    counted: bool = False  # counts as one interview (an offer: the one it implies) or one meeting on the board
    time_of_day: str | None = None  # "14:00" when a time was typed


@dataclass(frozen=True)
class Logged:
    """A stored activity and what the confirmation needs to say about it."""

    activity: Activity
    duplicate_of_day: bool  # the same kind at the same organisation (application) was already logged that day
    capped: bool  # a daily cap (of the day it happened, or of the day it was typed) cut its points
    too_old: bool = False  # dated more than scoring.TOO_OLD_DAYS before the day it was typed: stored, scores 0
    implied_interview: bool = False  # an offer with no interview there in the last 183 days: counts that one
    full_points: int = 0  # what it earns without the caps (0: it does not score, e.g. a rejection or too old)
    capped_by: str = ""  # with `capped`: "day" (the day it happened was at the cap) or "typed" (entries typed
    #                      today, for any day, were: backdating counts under the day it is typed)
    application: Application | None = None  # the application it belongs to (interviews, offers, rejections)
    history: tuple[Step, ...] = ()  # that application's live entries, oldest first, this one included


@dataclass(frozen=True)
class Undone:
    """What `undo_last` took back."""

    action: str  # "log" (the entry is removed), "edit" (its fields are back) or "delete" (it is back)
    activity: Activity  # the entry as it is now
    restored: dict[str, Any]  # an edit: the fields put back, with the values they have again (dates as date)
    replaced: dict[str, Any]  # an edit: the values the undo replaced
    changed_at: str  # when the undone change was made


_COLS = (
    "id, seq, member_id, kind, subtype, org, happened_on, notes, points, status, source, created_at, deleted_at, "
    "thanked_at, application_id, logged_on, counted, time_of_day"
)
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_FIELDS = ("org", "org_key", "application_id", "subtype", "happened_on", "notes", "status", "thanked_at")


def org_key(org: str) -> str:
    """Organisations compare without case, spacing or punctuation ("Ropes & Gray" == "ropes gray")."""
    return _NON_WORD.sub("", org.casefold())


def _activity(row: tuple[Any, ...]) -> Activity:
    return Activity(
        id=row[0], seq=row[1], member_id=row[2], kind=row[3], subtype=row[4], org=row[5],
        happened_on=date.fromisoformat(row[6]), notes=row[7], points=row[8], status=row[9], source=row[10],
        created_at=row[11], deleted=row[12] is not None, thanked_at=row[13], application_id=row[14],
        logged_on=date.fromisoformat(row[15]) if row[15] else None, counted=bool(row[16]), time_of_day=row[17],
    )


def _state(act: Activity) -> State:
    return State(act.id, act.created_at, act.kind, act.subtype, act.application_id, org_key(act.org),
                 act.happened_on.isoformat(), act.logged_on.isoformat() if act.logged_on else None)


def rescore_day(db: Database, member_id: int, day: str, rules: ScoringRules, *,
                changed: Sequence[Activity] = ()) -> dict[int, scoring.Score]:
    """Rescore after a change: the entries in `changed` (as they were before it; their state now is read here),
    or, when none is given, every entry of `day` (a day entries happened on); and every entry these can move.
    Keeps the day and all-time totals in step. Call inside a transaction. Returns the new scores of the entries
    it rescored."""
    if changed:
        now = [get_by_id(db, a.id) for a in changed]
        states = [_state(a) for a in [*changed, *now] if a is not None]
    else:
        states = scoring.states_of_day(db, member_id, day)
    return scoring.rescore(db, member_id, rules, states)


def get_by_id(db: Database, activity_id: int) -> Activity | None:
    row = db.execute(f"SELECT {_COLS} FROM activities WHERE id = ?", [activity_id]).fetchone()
    return _activity(row) if row else None


def find_by_seq(db: Database, workspace_key: int, seq: int) -> Activity | None:
    """An activity by its short id, only ever within one workspace."""
    row = db.execute(
        f"SELECT {_COLS} FROM activities WHERE workspace_id = ? AND seq = ?", [workspace_key, seq]
    ).fetchone()
    return _activity(row) if row else None


def _typed_on(db: Database, member_id: int, now: datetime) -> date:
    """Today for the member: in their timezone, else their cohort's, else UTC."""
    zones = db.execute(
        "SELECT m.tz, c.tz FROM members AS m JOIN cohorts AS c ON c.id = m.cohort_id WHERE m.id = ?", [member_id]
    ).fetchone()
    return scoring.local_day(now, *(zones or ()))


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
    typed_on: date | None = None,
    time_of_day: str | None = None,
) -> Logged:
    """Store one activity, link it to its application (interviews), journal it and score it, in one transaction.

    `typed_on` is the member's today (the day the entry is typed); without it, it is worked out from the member's
    stored timezone (else the cohort's, else UTC)."""
    at = stamp(now)
    day = happened_on.isoformat()
    key = org_key(org)
    with transaction(db):
        seq = db.execute(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM activities WHERE workspace_id = ?", [workspace_key]
        ).fetchone()[0]
        typed = typed_on or _typed_on(db, member_id, now)
        app = applications.find_or_create(db, member_id, org, key, now) if kind == "interview" else None
        act_id = db.execute(
            "INSERT INTO activities (workspace_id, cohort_id, member_id, seq, kind, subtype, org, org_key, "
            "happened_on, notes, status, source, created_at, updated_at, application_id, logged_on, time_of_day) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [workspace_key, cohort_id, member_id, seq, kind, subtype, org, key, day, notes, status, source,
             at, at, app, typed.isoformat(), time_of_day],
        ).lastrowid
        assert act_id is not None
        journal.record(db, member_id, act_id, "log", now)
        stored = get_by_id(db, act_id)
        assert stored is not None
        score = rescore_day(db, member_id, day, rules, changed=[stored])[act_id]
        activity = get_by_id(db, act_id)
        application = applications.get(db, app) if app is not None else None
        history = applications.history(db, app) if app is not None else ()
    assert activity is not None
    return Logged(activity=activity, duplicate_of_day=score.duplicate, capped=score.capped, too_old=score.too_old,
                  implied_interview=score.implied, full_points=score.full, capped_by=score.capped_by,
                  application=application, history=history)


def _set_deleted(db: Database, act: Activity, deleted_at: str | None, now: datetime, rules: ScoringRules) -> None:
    db.execute("UPDATE activities SET deleted_at = ?, updated_at = ? WHERE id = ?",
               [deleted_at, stamp(now), act.id])
    rescore_day(db, act.member_id, act.happened_on.isoformat(), rules, changed=[act])


def soft_delete(db: Database, activity: Activity, now: datetime, rules: ScoringRules) -> Activity:
    """Delete a live entry (kept, marked deleted, scoring nothing); journaled, so undo brings it back."""
    with transaction(db):
        current = get_by_id(db, activity.id)
        if current is not None and not current.deleted:
            _set_deleted(db, current, stamp(now), now, rules)
            journal.record(db, current.member_id, current.id, "delete", now)
        updated = get_by_id(db, activity.id)
    assert updated is not None
    return updated


def _stored(db: Database, activity_id: int) -> dict[str, Any]:
    row = db.execute(f"SELECT {', '.join(_FIELDS)} FROM activities WHERE id = ?", [activity_id]).fetchone()
    return dict(zip(_FIELDS, row, strict=True))


def _write(db: Database, act: Activity, values: dict[str, Any], now: datetime, rules: ScoringRules) -> None:
    """Store new column values on a live entry and rescore what it was and what it is."""
    assignments = ", ".join(f"{name} = ?" for name in values)
    db.execute(f"UPDATE activities SET {assignments}, updated_at = ? WHERE id = ? AND deleted_at IS NULL",
               [*values.values(), stamp(now), act.id])
    if set(values) - {"notes"}:  # notes alone move no points
        rescore_day(db, act.member_id, values.get("happened_on", act.happened_on.isoformat()), rules, changed=[act])


def update_activity(
    db: Database, activity: Activity, now: datetime, rules: ScoringRules, **fields: Any
) -> Activity:
    """Change fields of a live activity (EDITABLE, status, thanked_at), relink its application when an interview's
    organisation changes, journal the change and rescore what it moves."""
    unknown = set(fields) - set(EDITABLE) - {"status", "thanked_at"}
    if unknown:
        raise ValueError(f"not an editable field: {sorted(unknown)}")
    values = dict(fields)
    if "happened_on" in values:
        values["happened_on"] = values["happened_on"].isoformat()
    if isinstance(values.get("thanked_at"), datetime):
        values["thanked_at"] = stamp(values["thanked_at"])
    with transaction(db):
        current = get_by_id(db, activity.id) or activity
        if "org" in values:
            values["org_key"] = org_key(values["org"])
            if current.kind == "interview":
                values["application_id"] = applications.find_or_create(
                    db, current.member_id, values["org"], values["org_key"], now)
        stored = _stored(db, activity.id)
        changed = [k for k in values if stored[k] != values[k]]
        if changed and not current.deleted:  # an edit that changes nothing is not a change to undo
            journal.record(db, current.member_id, current.id, "edit", now, before={k: stored[k] for k in changed},
                           after={k: values[k] for k in changed})
        _write(db, current, values, now, rules)
        updated = get_by_id(db, activity.id)
    assert updated is not None
    return updated


def _fields(values: dict[str, Any]) -> dict[str, Any]:
    """Stored values as a member reads them: no derived columns, dates as dates."""
    return {k: date.fromisoformat(v) if k == "happened_on" else v for k, v in values.items()
            if k not in ("org_key", "application_id")}


def undo_last(db: Database, member_id: int, now: datetime, rules: ScoringRules) -> Undone | None:
    """Take back the member's newest change not yet undone: remove a log, revert an edit, restore a delete.
    The undo is not a change itself: the next one goes a step further back. None when nothing is left."""
    with transaction(db):
        change = journal.last_open(db, member_id)
        if change is None:
            return None
        act = get_by_id(db, change.activity_id)
        assert act is not None and act.member_id == member_id
        restored: dict[str, Any] = {}
        replaced: dict[str, Any] = {}
        if change.action == "log" and not act.deleted:
            _set_deleted(db, act, stamp(now), now, rules)
        elif change.action == "delete" and act.deleted:
            _set_deleted(db, act, None, now, rules)
        elif change.action == "edit" and not act.deleted:
            replaced = _fields({k: v for k, v in _stored(db, act.id).items() if k in change.before})
            _write(db, act, change.before, now, rules)
            restored = _fields(change.before)
        journal.mark_undone(db, change.id, now)
        updated = get_by_id(db, act.id)
    assert updated is not None
    return Undone(change.action, updated, restored, replaced, change.at)


def recent(db: Database, member_id: int, limit: int = 5) -> list[Activity]:
    rows = db.execute(
        f"SELECT {_COLS} FROM activities WHERE member_id = ? AND deleted_at IS NULL "
        "ORDER BY happened_on DESC, id DESC LIMIT ?",
        [member_id, limit],
    ).fetchall()
    return [_activity(r) for r in rows]
