"""The coordinator's report: every member of a cohort with their numbers for a period, and when they last logged.

The numbers are the board's (storage/board.py): an interview or a meeting counts when its entry is `counted`
(storage/scoring.py: an offer counts only the interview it implies, a rejection nothing). Offers are counted per
application: an application with an offer in the period is one offer, however many times it was logged. Entries are
every live entry that happened in the period, counted or not. Anonymous and hidden members are listed like anyone
else: the report is for coordinators only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

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


_REPORT = """
    WITH period AS (
        SELECT member_id, COUNT(*) AS entries, SUM(counted * (kind = 'interview')) AS interviews,
               SUM(counted * (kind = 'networking')) AS meetings,
               COUNT(DISTINCT CASE WHEN kind = 'interview' AND subtype = 'offer'
                                   THEN COALESCE(application_id, -id) END) AS offers
        FROM activities
        WHERE cohort_id = :cohort AND deleted_at IS NULL AND status = 'done' AND happened_on BETWEEN :start AND :end
        GROUP BY member_id
    ), listed AS (
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
