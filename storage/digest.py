"""The queries behind scheduled messages: who is due a nudge, their week, follow-up candidates, summary facts.

The planner (bot/nudges.py) decides what to say; everything it needs from the database is asked here.
Leaderboard sums and active days come from storage/board.py, so nudges, summaries and /leaderboard agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlite_utils import Database

CHUNK = 500  # SQLite's bound-parameter limit is far above this; it keeps each statement small


@dataclass(frozen=True)
class NudgeCandidate:
    """An active member who has not opted out, with their cohort's nudge schedule."""

    id: int
    workspace_key: int
    platform: str
    workspace: str
    cohort_id: int
    user_id: str
    display_name: str
    tz: str | None
    goal: int
    paused_until: str | None
    joined_at: str
    nudge_weekday: int
    nudge_hour: int


def nudge_candidates(db: Database) -> list[NudgeCandidate]:
    rows = db.execute(
        """
        SELECT m.id, m.workspace_id, w.platform, w.external_id, m.cohort_id, m.user_id, m.display_name, m.tz,
               m.weekly_goal, m.paused_until, m.joined_at, c.nudge_weekday, c.nudge_hour
        FROM members m JOIN workspaces w ON w.id = m.workspace_id JOIN cohorts c ON c.id = m.cohort_id
        WHERE m.active = 1 AND m.nudges_enabled = 1
        """
    ).fetchall()
    return [NudgeCandidate(*r) for r in rows]


def week_stats(db: Database, member_ids: list[int], start: date, end: date) -> dict[int, tuple[int, int, int]]:
    """member id -> (interviews, meetings, points) for days start..end, from the members' day totals."""
    out: dict[int, tuple[int, int, int]] = {}
    for i in range(0, len(member_ids), CHUNK):
        chunk = member_ids[i:i + CHUNK]
        for mid, interviews, meetings, points in db.execute(
            f"SELECT member_id, SUM(interviews), SUM(meetings), SUM(points) FROM member_days "
            f"WHERE member_id IN ({','.join('?' * len(chunk))}) AND day BETWEEN ? AND ? GROUP BY member_id",
            [*chunk, start.isoformat(), end.isoformat()],
        ):
            out[mid] = (int(interviews), int(meetings), int(points))
    return out


def pause_ended_between(db: Database, member_id: int, start: date, end: date) -> bool:
    return db.execute(
        "SELECT 1 FROM pauses WHERE member_id = ? AND ends_on BETWEEN ? AND ? LIMIT 1",
        [member_id, start.isoformat(), end.isoformat()],
    ).fetchone() is not None


def offer_since(db: Database, member_id: int, since: date) -> bool:
    return db.execute(
        "SELECT 1 FROM activities WHERE member_id = ? AND subtype = 'offer' AND deleted_at IS NULL "
        "AND status = 'done' AND happened_on >= ? LIMIT 1",
        [member_id, since.isoformat()],
    ).fetchone() is not None


@dataclass(frozen=True)
class FollowUpCandidate:
    """A recent interview not yet thanked for, or a planned entry not yet confirmed."""

    activity_id: int
    seq: int
    kind: str
    subtype: str
    org: str
    happened_on: str
    status: str
    cohort_id: int
    member_id: int
    user_id: str
    display_name: str
    tz: str | None
    workspace_key: int
    platform: str
    workspace: str


def follow_up_candidates(db: Database, since: date) -> list[FollowUpCandidate]:
    rows = db.execute(
        """
        SELECT a.id, a.seq, a.kind, a.subtype, a.org, a.happened_on, a.status, a.cohort_id,
               m.id, m.user_id, m.display_name, m.tz, w.id, w.platform, w.external_id
        FROM activities a JOIN members m ON m.id = a.member_id JOIN workspaces w ON w.id = a.workspace_id
        WHERE a.deleted_at IS NULL AND a.happened_on >= ? AND m.active = 1 AND m.nudges_enabled = 1
          AND ((a.kind = 'interview' AND a.status = 'done' AND a.thanked_at IS NULL
                AND a.subtype IN ('screener', 'callback', 'clerkship', 'other'))
               OR a.status = 'planned')
        """,
        [since.isoformat()],
    ).fetchall()
    return [FollowUpCandidate(*r) for r in rows]


@dataclass(frozen=True)
class SummaryCohort:
    """A cohort whose admin chose a summary channel, with its schedule."""

    id: int
    workspace_key: int
    platform: str
    workspace: str
    channel: str
    nudge_weekday: int
    nudge_hour: int
    tz: str | None


def summary_cohorts(db: Database) -> list[SummaryCohort]:
    rows = db.execute(
        "SELECT c.id, c.workspace_id, w.platform, w.external_id, c.summary_channel, c.nudge_weekday, c.nudge_hour, "
        "c.tz FROM cohorts c JOIN workspaces w ON w.id = c.workspace_id WHERE c.summary_channel IS NOT NULL"
    ).fetchall()
    return [SummaryCohort(*r) for r in rows]


def offers_between(db: Database, cohort_id: int, start: date, end: date) -> list[int]:
    """Member ids (one per offer, in logging order) of offers dated start..end."""
    rows = db.execute(
        "SELECT member_id FROM activities WHERE cohort_id = ? AND subtype = 'offer' AND happened_on BETWEEN ? AND ? "
        "AND deleted_at IS NULL AND status = 'done' ORDER BY id",
        [cohort_id, start.isoformat(), end.isoformat()],
    ).fetchall()
    return [int(r[0]) for r in rows]
