"""The coordinator's report: every member of a cohort with their numbers for a period, and when they last logged.

The numbers are the board's (storage/board.py): an interview or a meeting counts when its entry is `counted`
(storage/scoring.py: an offer counts only the interview it implies, a rejection nothing). Offers are counted per
application: an application with an offer in the period is one offer, however many times it was logged. Entries are
every live entry that happened in the period, counted or not. Anonymous and hidden members are listed like anyone
else: the report is for coordinators only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlite_utils import Database


@dataclass(frozen=True)
class ReportRow:
    member_id: int
    display_name: str
    user_id: str
    privacy: str
    active: bool  # False: they left (their entries in the period still count)
    cohort_id: int  # their cohort now (another one when they moved after logging here)
    entries: int
    interviews: int
    meetings: int
    offers: int
    last_entry: date | None  # their latest entry that happened, in any cohort, up to the day asked about
    joined_on: date
    paused_until: date | None  # their own pause, when one is running


# Each member's numbers for the period, as the report counts them (shared by `report` and `period_totals`).
_PERIOD = """
    WITH period AS (
        SELECT member_id, COUNT(*) AS entries, SUM(counted * (kind = 'interview')) AS interviews,
               SUM(counted * (kind = 'networking')) AS meetings,
               COUNT(DISTINCT CASE WHEN kind = 'interview' AND subtype = 'offer'
                                   THEN COALESCE(application_id, -id) END) AS offers
        FROM activities
        WHERE cohort_id = :cohort AND deleted_at IS NULL AND status = 'done' AND happened_on BETWEEN :start AND :end
        GROUP BY member_id
    )"""

_REPORT = _PERIOD + """, listed AS (
        SELECT id FROM members WHERE cohort_id = :cohort AND role = 'member' AND active = 1
        UNION SELECT member_id FROM period
    )
    SELECT m.id, m.display_name, m.user_id, m.privacy, m.active, m.cohort_id,
           COALESCE(p.entries, 0), COALESCE(p.interviews, 0), COALESCE(p.meetings, 0), COALESCE(p.offers, 0),
           (SELECT MAX(a.happened_on) FROM activities AS a WHERE a.member_id = m.id AND a.deleted_at IS NULL
              AND a.status = 'done' AND a.happened_on <= :today),
           m.joined_at, CASE WHEN m.paused_until > :today THEN m.paused_until END
    FROM listed JOIN members AS m ON m.id = listed.id LEFT JOIN period AS p ON p.member_id = m.id
    ORDER BY m.id
"""


def report(db: Database, cohort_id: int, start: date | None, end: date, today: date) -> list[ReportRow]:
    """The cohort's members taking part (anyone who logged in it during start..end too, even if they left or moved
    since), with their numbers for entries dated start..end (start None: from the beginning)."""
    rows = db.execute(_REPORT, {"cohort": cohort_id, "start": (start or date.min).isoformat(),
                                "end": end.isoformat(), "today": today.isoformat()}).fetchall()
    return [ReportRow(r[0], r[1], r[2], r[3], bool(r[4]), r[5], int(r[6]), int(r[7]), int(r[8]), int(r[9]),
                      date.fromisoformat(r[10]) if r[10] else None, _day(r[11]),
                      date.fromisoformat(r[12]) if r[12] else None) for r in rows]


def _day(stamp: str) -> date:
    try:
        return datetime.fromisoformat(stamp).date()
    except ValueError:
        return date.min


@dataclass(frozen=True)
class PeriodTotals:
    """A cohort's totals for a period: the report's Totals line, without listing anyone."""

    entries: int
    interviews: int
    meetings: int
    offers: int


def period_totals(db: Database, cohort_id: int, start: date, end: date) -> PeriodTotals:
    """The sums of `report(db, cohort_id, start, end, ...)`'s numbers over its rows (one statement, no names)."""
    row = db.execute(_PERIOD + " SELECT COALESCE(SUM(entries), 0), COALESCE(SUM(interviews), 0), "
                     "COALESCE(SUM(meetings), 0), COALESCE(SUM(offers), 0) FROM period",
                     {"cohort": cohort_id, "start": start.isoformat(), "end": end.isoformat()}).fetchone()
    return PeriodTotals(*(int(n) for n in row))


@dataclass(frozen=True)
class QuietRow:
    """A member quiet for a while, as the report flags them: weeks since their last entry (since they joined, when
    they have none)."""

    member_id: int
    display_name: str
    user_id: str
    privacy: str
    last_entry: date | None
    weeks: int


_QUIET = """
    WITH latest AS MATERIALIZED (  -- each member's last entry looked up once, not once per use
        SELECT m.id, m.display_name, m.user_id, m.privacy, m.joined_at,
               (SELECT MAX(a.happened_on) FROM activities AS a WHERE a.member_id = m.id AND a.deleted_at IS NULL
                  AND a.status = 'done' AND a.happened_on <= :today) AS last_entry
        FROM members AS m
        WHERE m.cohort_id = :cohort AND m.active = 1 AND m.role = 'member'
          AND (m.paused_until IS NULL OR m.paused_until <= :today)
    ), quiet AS (
        SELECT *, CAST((julianday(:today) - julianday(COALESCE(last_entry, substr(joined_at, 1, 10)))) / 7
                       AS INTEGER) AS weeks
        FROM latest
    )
    SELECT id, display_name, user_id, privacy, last_entry, weeks, COUNT(*) OVER () FROM quiet
    WHERE weeks >= :weeks ORDER BY weeks DESC, display_name COLLATE NOCASE, id LIMIT :limit
"""


def quiet(db: Database, cohort_id: int, today: date, weeks: int, limit: int) -> tuple[int, list[QuietRow]]:
    """(how many, the first `limit` of them) of the cohort's members quiet for `weeks` or more on `today`, longest
    quiet first, by the report's rule (commands/cohort/report.py): members taking part who are still in the cohort,
    not on a pause of their own (a cohort-wide pause is the caller's to check); full weeks since their last entry in
    any cohort, or since they joined. One statement, whatever the cohort's size: only the rows shown are built."""
    rows = db.execute(_QUIET, {"cohort": cohort_id, "today": today.isoformat(), "weeks": weeks,
                               "limit": limit}).fetchall()
    found = [QuietRow(r[0], r[1], r[2], r[3], date.fromisoformat(r[4]) if r[4] else None, int(r[5])) for r in rows]
    return (int(rows[0][6]) if rows else 0), found


def joined_between(db: Database, cohort_id: int, start: date, end: date) -> int:
    """How many of the cohort's members taking part (still in it) joined on a day start..end (UTC, as the report's
    joined_on)."""
    return int(db.execute(
        "SELECT COUNT(*) FROM members WHERE cohort_id = ? AND active = 1 AND role = 'member' AND joined_at >= ? "
        "AND joined_at < ?", [cohort_id, start.isoformat(), (end + timedelta(days=1)).isoformat()]).fetchone()[0])
