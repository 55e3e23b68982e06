"""Read-side queries: leaderboard sums, a member's week, and the days they were active."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlite_utils import Database


@dataclass(frozen=True)
class BoardRow:
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
    """Per-member sums for entries dated start..end (inclusive; start None = all time), highest first."""
    lower = start.isoformat() if start else "0000-01-01"
    rows = db.execute(
        """
        SELECT m.id, m.display_name, m.user_id, m.privacy, m.active, s.points, s.interviews, s.meetings
        FROM (
            SELECT member_id, SUM(points) AS points,
                   SUM(kind = 'interview') AS interviews, SUM(kind = 'networking') AS meetings
            FROM activities
            WHERE cohort_id = ? AND happened_on BETWEEN ? AND ? AND deleted_at IS NULL AND status = 'done'
            GROUP BY member_id
        ) AS s JOIN members AS m ON m.id = s.member_id
        ORDER BY s.points DESC, s.interviews + s.meetings DESC, m.id
        """,
        [cohort_id, lower, end.isoformat()],
    ).fetchall()
    return [
        BoardRow(r[0], r[1], r[2], r[3], bool(r[4]), int(r[5]), int(r[6]), int(r[7]))
        for r in rows
    ]


def totals(rows: list[BoardRow]) -> Totals:
    return Totals(
        points=sum(r.points for r in rows),
        interviews=sum(r.interviews for r in rows),
        meetings=sum(r.meetings for r in rows),
        members=len(rows),
    )


def member_sums(db: Database, member_id: int, start: date, end: date) -> BoardRow | None:
    rows = db.execute(
        """
        SELECT m.id, m.display_name, m.user_id, m.privacy, m.active,
               COALESCE(SUM(a.points), 0), COALESCE(SUM(a.kind = 'interview'), 0),
               COALESCE(SUM(a.kind = 'networking'), 0)
        FROM members AS m LEFT JOIN activities AS a
          ON a.member_id = m.id AND a.deleted_at IS NULL AND a.status = 'done' AND a.happened_on BETWEEN ? AND ?
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
    rows = db.execute(
        "SELECT DISTINCT happened_on FROM activities WHERE member_id = ? AND deleted_at IS NULL "
        "AND status = 'done' AND happened_on <= ? ORDER BY happened_on DESC",
        [member_id, until.isoformat()],
    ).fetchall()
    return [date.fromisoformat(r[0]) for r in rows]


def count_upcoming(db: Database, member_id: int, after: date) -> int:
    return int(
        db.execute(
            "SELECT COUNT(*) FROM activities WHERE member_id = ? AND deleted_at IS NULL AND happened_on > ?",
            [member_id, after.isoformat()],
        ).fetchone()[0]
    )
