"""A workspace's cohorts: listing, finding by name, creating one, and cohort-wide pauses (exams, holidays).

Names are unique in a workspace whatever their case (the `cohorts_name` index); `find` compares names the same way,
spaces collapsed. Every look-up is scoped by workspace: a name never reaches another workspace's cohort.

A cohort-wide pause stops the cohort's nudges and channel summary and freezes every member's streak
(storage/streaks.py reads it together with each member's own pauses). The planner asks `cohort_paused_on` before it
sends, and `last_active_week_before` for the week a summary after a pause compares with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlite_utils import Database

from storage.clock import stamp, week_start
from storage.db import transaction
from storage.members import COHORT_COLUMNS, Cohort, cohort_of_row, get_cohort
from storage.rules import ScoringRules

MAX_NAME = 40
FIRST_NAME = "Cohort"  # the name of a workspace's first cohort, until it is renamed
WEEK = timedelta(days=7)
MAX_LOOKBACK_WEEKS = 104


def normal(name: str) -> str:
    """A name as stored: spaces trimmed and collapsed."""
    return " ".join(name.split())


def same_name(a: str, b: str) -> bool:
    return normal(a).casefold() == normal(b).casefold()


def cohorts(db: Database, workspace_key: int) -> list[Cohort]:
    """The workspace's cohorts, oldest first."""
    rows = db.execute(f"SELECT {COHORT_COLUMNS} FROM cohorts WHERE workspace_id = ? ORDER BY id", [workspace_key])
    return [cohort_of_row(r) for r in rows]


def find(db: Database, workspace_key: int, name: str) -> Cohort | None:
    """The workspace's cohort called `name` (any case, spaces collapsed); None when it has none of that name."""
    return next((c for c in cohorts(db, workspace_key) if same_name(c.name, name)), None)


@dataclass(frozen=True)
class Listed:
    """A cohort as /cohort list shows it."""

    cohort: Cohort
    members: int  # members taking part (coordinators who don't, and those who left, are not counted)
    paused_until: date | None  # a cohort-wide pause running on the day asked about: its end (exclusive)


def listed(db: Database, workspace_key: int, today: date) -> list[Listed]:
    counts = dict(db.execute(
        "SELECT cohort_id, COUNT(*) FROM members WHERE workspace_id = ? AND role = 'member' AND active = 1 "
        "GROUP BY cohort_id", [workspace_key]).fetchall())
    return [Listed(c, int(counts.get(c.id, 0)), paused_until(db, c.id, today)) for c in cohorts(db, workspace_key)]


def create(db: Database, workspace_key: int, name: str, *, channel: str, weekday: int, hour: int, tz: str | None,
           rules: ScoringRules, now: datetime) -> Cohort:
    """A new cohort in the workspace (the caller has checked that the name is free and the channel is not another
    cohort's)."""
    with transaction(db):
        cohort_id = db.execute(
            "INSERT INTO cohorts (workspace_id, name, summary_channel, nudge_weekday, nudge_hour, tz, "
            "points_interview, points_offer_bonus, points_informational, points_meeting, points_event, daily_cap, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [workspace_key, normal(name), channel, weekday, hour, tz, rules.interview, rules.offer_bonus,
             rules.informational, rules.meeting, rules.event, rules.daily_cap, stamp(now)],
        ).lastrowid
    assert cohort_id is not None
    return get_cohort(db, cohort_id)


def is_blank(db: Database, cohort_id: int, member_id: int) -> bool:
    """Nothing has happened in the cohort yet: no channel, no entries, and nobody in it but `member_id`."""
    return bool(db.execute(
        "SELECT summary_channel IS NULL AND NOT EXISTS (SELECT 1 FROM activities WHERE cohort_id = ?) "
        "AND NOT EXISTS (SELECT 1 FROM members WHERE cohort_id = ? AND id != ?) FROM cohorts WHERE id = ?",
        [cohort_id, cohort_id, member_id, cohort_id]).fetchone() == (1,))


# ---- cohort-wide pauses ----------------------------------------------------------------------------------

def start_pause(db: Database, cohort_id: int, starts: date, ends: date, now: datetime) -> None:
    """Pause the whole cohort from `starts` until `ends` (exclusive); a pause already running ends where this one
    begins."""
    with transaction(db):
        db.execute("UPDATE cohort_pauses SET ends_on = ? WHERE cohort_id = ? AND ends_on > ?",
                   [starts.isoformat(), cohort_id, starts.isoformat()])
        db.execute("INSERT INTO cohort_pauses (cohort_id, starts_on, ends_on, created_at) VALUES (?, ?, ?, ?)",
                   [cohort_id, starts.isoformat(), ends.isoformat(), stamp(now)])


def end_pause(db: Database, cohort_id: int, today: date) -> bool:
    """End the cohort's pause today (today is not paused any more); False when none was running."""
    with transaction(db):
        ended = db.execute("UPDATE cohort_pauses SET ends_on = ? WHERE cohort_id = ? AND ends_on > ?",
                           [today.isoformat(), cohort_id, today.isoformat()]).rowcount
    return ended > 0


def paused_until(db: Database, cohort_id: int, day: date) -> date | None:
    """The end (exclusive) of the cohort pause covering `day`, or None."""
    row = db.execute("SELECT MAX(ends_on) FROM cohort_pauses WHERE cohort_id = ? AND starts_on <= ? AND ends_on > ?",
                     [cohort_id, day.isoformat(), day.isoformat()]).fetchone()
    return date.fromisoformat(row[0]) if row and row[0] else None


def cohort_paused_on(db: Database, cohort_id: int, day: date) -> bool:
    """Whether the whole cohort is paused on `day`: no nudges and no channel summary then."""
    return paused_until(db, cohort_id, day) is not None


def pause_spans(db: Database, cohort_id: int) -> list[tuple[date, date]]:
    """The cohort's pauses as (first day, day after the last), oldest first."""
    rows = db.execute("SELECT starts_on, ends_on FROM cohort_pauses WHERE cohort_id = ? ORDER BY starts_on",
                      [cohort_id]).fetchall()
    return [(date.fromisoformat(s), date.fromisoformat(e)) for s, e in rows]


def last_active_week_before(db: Database, cohort_id: int, week_start_day: date) -> date | None:
    """The Monday of the latest week before the one starting `week_start_day` with no day of a cohort pause in it:
    what a summary after a pause compares with (the week just before, when there was no pause). None only when
    every week of the last two years was paused."""
    spans = [(s, e) for s, e in pause_spans(db, cohort_id) if s < e]
    candidate = week_start(week_start_day) - WEEK
    for _ in range(MAX_LOOKBACK_WEEKS):
        if not any(s < candidate + WEEK and e > candidate for s, e in spans):
            return candidate
        candidate -= WEEK
    return None
