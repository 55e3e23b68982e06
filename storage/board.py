"""Read-side queries: leaderboard sums, a member's week, and the days they were active."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from sqlite_utils import Database

from storage import scoring
from storage.db import transaction


class BoardRow(NamedTuple):
    """One member's sums. A NamedTuple rather than a frozen dataclass: as immutable, and built five times
    faster, which was a third of a weekly board's time (a frozen dataclass's __init__ costs ~3 µs a row)."""

    member_id: int
    display_name: str
    user_id: str
    privacy: str
    active: bool
    points: int
    interviews: int
    meetings: int


@dataclass(frozen=True)
class Totals:
    points: int
    interviews: int
    meetings: int
    members: int  # members with at least one entry in the period


def board(db: Database, cohort_id: int, start: date | None, end: date) -> list[BoardRow]:
    """Per-member sums for entries dated start..end (inclusive; start None = all time), highest first.

    Interviews and meetings are the entries that count (storage/scoring.py: an offer counts only the interview it
    implies, a rejection nothing, an entry typed long after it happened nothing); a member is on the board for a
    period when something of theirs in it scores or counts. Coordinators who don't take part (members.role) are
    never on it; logging an entry makes a coordinator a member."""
    if start is None:
        return _all_time(db, cohort_id, end)
    lower = start.isoformat()
    rows = db.execute(
        """
        SELECT m.id, m.display_name, m.user_id, m.privacy, m.active, s.points, s.interviews, s.meetings
        FROM (
            SELECT member_id, SUM(points) AS points, SUM(counted * (kind = 'interview')) AS interviews,
                   SUM(counted * (kind = 'networking')) AS meetings
            FROM activities
            WHERE cohort_id = ? AND happened_on BETWEEN ? AND ? AND deleted_at IS NULL AND (counted = 1 OR points > 0)
            GROUP BY member_id
        ) AS s JOIN members AS m ON m.id = s.member_id
        WHERE m.role = 'member'
        ORDER BY s.points DESC, s.interviews + s.meetings DESC, m.id
        """,
        [cohort_id, lower, end.isoformat()],
    ).fetchall()
    return _rows(rows)


def _rows(rows: list[tuple[Any, ...]]) -> list[BoardRow]:
    make = BoardRow._make  # tuple.__new__: the sums are already integers, `active` becomes a bool
    return [make((i, name, user, privacy, active == 1, points, interviews, meetings))
            for i, name, user, privacy, active, points, interviews, meetings in rows]


def _all_time(db: Database, cohort_id: int, end: date) -> list[BoardRow]:
    """The all-time board from the running totals (one row per member), less any entries dated after `end`.

    Same answer as `board(db, cohort_id, date.min, end)` over the entries, without summing every entry the
    cohort ever logged (the totals are kept by storage.scoring.record_day).
    """
    future = db.execute(
        "SELECT 1 FROM member_days WHERE cohort_id = ? AND day > ? LIMIT 1", [cohort_id, end.isoformat()]
    ).fetchone()
    if future is None:  # the usual case: nothing confirmed ahead of today, so the totals are the answer
        rows = db.execute(
            """
            SELECT m.id, m.display_name, m.user_id, m.privacy, m.active, t.points, t.interviews, t.meetings
            FROM member_totals AS t JOIN members AS m ON m.id = t.member_id
            WHERE t.cohort_id = ? AND t.points + t.interviews + t.meetings > 0 AND m.role = 'member'
            ORDER BY t.points DESC, t.interviews + t.meetings DESC, m.id
            """,
            [cohort_id],
        ).fetchall()
        return _rows(rows)
    rows = db.execute(
        """
        SELECT m.id, m.display_name, m.user_id, m.privacy, m.active, s.points, s.interviews, s.meetings
        FROM (
            SELECT t.member_id, t.points - COALESCE(f.points, 0) AS points,
                   t.interviews - COALESCE(f.interviews, 0) AS interviews,
                   t.meetings - COALESCE(f.meetings, 0) AS meetings
            FROM member_totals AS t LEFT JOIN (
                SELECT member_id, SUM(points) AS points, SUM(interviews) AS interviews, SUM(meetings) AS meetings
                FROM member_days WHERE cohort_id = ? AND day > ? GROUP BY member_id
            ) AS f ON f.member_id = t.member_id
            WHERE t.cohort_id = ?
        ) AS s JOIN members AS m ON m.id = s.member_id
        WHERE s.points + s.interviews + s.meetings > 0 AND m.role = 'member'
        ORDER BY s.points DESC, s.interviews + s.meetings DESC, m.id
        """,
        [cohort_id, end.isoformat(), cohort_id],
    ).fetchall()
    return _rows(rows)


def rebuild_totals(db: Database) -> None:
    """Recompute member_days and member_totals from the entries (after bulk imports or a repair)."""
    with transaction(db):
        scoring.rebuild_totals(db)


def totals(rows: list[BoardRow]) -> Totals:
    return Totals(
        points=sum(r.points for r in rows),
        interviews=sum(r.interviews for r in rows),
        meetings=sum(r.meetings for r in rows),
        members=len(rows),
    )


def member_sums(db: Database, member_id: int, start: date, end: date) -> BoardRow | None:
    """One member's sums for entries dated start..end, from their day totals (at most one row a day)."""
    rows = db.execute(
        """
        SELECT m.id, m.display_name, m.user_id, m.privacy, m.active,
               COALESCE(SUM(d.points), 0), COALESCE(SUM(d.interviews), 0), COALESCE(SUM(d.meetings), 0)
        FROM members AS m LEFT JOIN member_days AS d ON d.member_id = m.id AND d.day BETWEEN ? AND ?
        WHERE m.id = ?
        GROUP BY m.id
        """,
        [start.isoformat(), end.isoformat(), member_id],
    ).fetchall()
    if not rows:
        return None
    r = rows[0]
    return BoardRow(r[0], r[1], r[2], r[3], bool(r[4]), int(r[5]), int(r[6]), int(r[7]))


def active_days(db: Database, member_id: int, until: date) -> list[date]:
    """Distinct days (newest first) on which the member has a live entry, up to `until`."""
    # A member_days row exists exactly for the days with a live entry that scores or counts.
    rows = db.execute(
        "SELECT day FROM member_days WHERE member_id = ? AND day <= ? ORDER BY day DESC",
        [member_id, until.isoformat()],
    ).fetchall()
    return [date.fromisoformat(r[0]) for r in rows]
