"""The queries behind scheduled messages: who is due a nudge, their week, follow-up candidates, summary facts.

The planner (bot/nudges.py) decides what to say; everything it needs from the database is asked here.
Leaderboard sums and active days come from storage/board.py, so nudges, summaries and /leaderboard agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlite_utils import Database

from storage.clock import stamp

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


_CANDIDATES = """
    SELECT m.id, m.workspace_id, w.platform, w.external_id, m.cohort_id, m.user_id, m.display_name, m.tz,
           m.weekly_goal, m.paused_until, m.joined_at, c.nudge_weekday, c.nudge_hour
    FROM members m JOIN workspaces w ON w.id = m.workspace_id JOIN cohorts c ON c.id = m.cohort_id
    WHERE m.active = 1 AND m.nudges_enabled = 1 AND m.role = 'member'
"""


def nudge_candidates(db: Database) -> list[NudgeCandidate]:
    rows = db.execute(_CANDIDATES).fetchall()
    return [NudgeCandidate(*r) for r in rows]


def nudge_candidates_after(db: Database, after_id: int, limit: int) -> list[NudgeCandidate]:
    """One page of `nudge_candidates`, in member id order, starting after member `after_id` (keyset paging: a
    sweep over 100,000 members never holds them all, and each page is one short statement)."""
    rows = db.execute(_CANDIDATES + " AND m.id > ? ORDER BY m.id LIMIT ?", [after_id, limit]).fetchall()
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


def rejection_between(db: Database, member_id: int, start: date, end: date) -> bool:
    """Whether the member logged an interview at stage `rejection` dated start..end (a "recent rejection")."""
    return db.execute(
        "SELECT 1 FROM activities WHERE member_id = ? AND kind = 'interview' AND subtype = 'rejection' "
        "AND deleted_at IS NULL AND status = 'done' AND happened_on BETWEEN ? AND ? LIMIT 1",
        [member_id, start.isoformat(), end.isoformat()],
    ).fetchone() is not None


# ---- the same questions for a page of members at once ----------------------------------------------------
# The planner asks these once per page of due members instead of once per member: a few statements a page,
# where the single-member functions above made several per member (60,000 statements for 10,000 nudges).

Windows = Mapping[int, tuple[date, date]]  # member id -> (first day, last day), both included


def _dated(db: Database, select: str, windows: Windows) -> set[int]:
    """The members in `windows` with a row of `select` (which gives member_id and an ISO date, and has a
    `{ids}` placeholder for the member ids and two more for the widest range) dated inside their own window."""
    found: set[int] = set()
    if not windows:
        return found
    bounds = {mid: (start.isoformat(), end.isoformat()) for mid, (start, end) in windows.items()}
    low, high = min(b[0] for b in bounds.values()), max(b[1] for b in bounds.values())
    ids = list(bounds)
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i:i + CHUNK]
        for mid, day in db.execute(select.format(ids=",".join("?" * len(chunk))), [*chunk, low, high]):
            start, end = bounds[mid]
            if start <= day <= end:  # compared as text, as SQLite's BETWEEN does in the single-member queries
                found.add(mid)
    return found


def pauses_ended_between(db: Database, windows: Windows) -> set[int]:
    """The members for whom `pause_ended_between(db, member, start, end)` holds, for each one's window."""
    return _dated(db, "SELECT member_id, ends_on FROM pauses WHERE member_id IN ({ids}) AND ends_on BETWEEN ? AND ?",
                  windows)


def offers_since(db: Database, since: Mapping[int, date]) -> set[int]:
    """The members for whom `offer_since(db, member, since)` holds, each with their own `since`."""
    return _dated(db, "SELECT member_id, happened_on FROM activities WHERE member_id IN ({ids}) "
                      "AND subtype = 'offer' AND deleted_at IS NULL AND status = 'done' "
                      "AND happened_on BETWEEN ? AND ?", {mid: (day, date.max) for mid, day in since.items()})


def rejections_between(db: Database, windows: Windows) -> set[int]:
    """The members for whom `rejection_between(db, member, start, end)` holds, for each one's window."""
    return _dated(db, "SELECT member_id, happened_on FROM activities WHERE member_id IN ({ids}) "
                      "AND kind = 'interview' AND subtype = 'rejection' AND deleted_at IS NULL AND status = 'done' "
                      "AND happened_on BETWEEN ? AND ?", windows)


def recent_cards_of(db: Database, member_ids: list[int], since: datetime) -> dict[int, set[str]]:
    """member id -> the cards of the nudges claimed for them since `since` (storage.ledger.recent_cards for
    many members; members with none are left out)."""
    out: dict[int, set[str]] = {}
    for i in range(0, len(member_ids), CHUNK):
        chunk = member_ids[i:i + CHUNK]
        for mid, card in db.execute(
            f"SELECT member_id, card_id FROM deliveries WHERE member_id IN ({','.join('?' * len(chunk))}) "
            "AND kind = 'nudge' AND claimed_at >= ? AND card_id IS NOT NULL",
            [*chunk, stamp(since)],
        ):
            out.setdefault(mid, set()).add(card)
    return out


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


_FOLLOW_UPS = """
    SELECT a.id, a.seq, a.kind, a.subtype, a.org, a.happened_on, a.status, a.cohort_id,
           m.id, m.user_id, m.display_name, m.tz, w.id, w.platform, w.external_id
    FROM activities a JOIN members m ON m.id = a.member_id JOIN workspaces w ON w.id = a.workspace_id
    WHERE a.deleted_at IS NULL AND a.happened_on >= ? AND m.active = 1 AND m.nudges_enabled = 1 AND m.role = 'member'
      AND ((a.kind = 'interview' AND a.status = 'done' AND a.thanked_at IS NULL
            AND a.subtype IN ('screener', 'callback', 'clerkship', 'other'))
           OR a.status = 'planned')
"""


def follow_up_candidates(db: Database, since: date) -> list[FollowUpCandidate]:
    rows = db.execute(_FOLLOW_UPS, [since.isoformat()]).fetchall()
    return [FollowUpCandidate(*r) for r in rows]


def member_ids_after(db: Database, after_id: int, limit: int) -> list[int]:
    """One page of the members who get scheduled messages (active, nudges on, taking part: a coordinator who is
    not a member gets none), in id order after `after_id`."""
    rows = db.execute("SELECT id FROM members WHERE active = 1 AND nudges_enabled = 1 AND role = 'member' AND id > ? "
                      "ORDER BY id LIMIT ?", [after_id, limit]).fetchall()
    return [int(r[0]) for r in rows]


def follow_up_candidates_of(db: Database, since: date, member_ids: list[int]) -> list[FollowUpCandidate]:
    """`follow_up_candidates` for some members only (a page of them), through their entries' index: the sweep
    asks page by page instead of scanning every entry at once."""
    out: list[FollowUpCandidate] = []
    for i in range(0, len(member_ids), CHUNK):
        chunk = member_ids[i:i + CHUNK]
        rows = db.execute(_FOLLOW_UPS + f" AND a.member_id IN ({','.join('?' * len(chunk))}) ORDER BY a.id",
                          [since.isoformat(), *chunk]).fetchall()
        out += [FollowUpCandidate(*r) for r in rows]
    return out


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


@dataclass(frozen=True)
class CoordinatorTarget:
    """One coordinator of one cohort (an active admin of its workspace: coordinators run every cohort in it, members
    or not, as members.coordinators lists them), with that cohort's schedule."""

    cohort_id: int
    cohort_name: str
    nudge_weekday: int
    nudge_hour: int
    member_id: int
    workspace_key: int
    platform: str
    workspace: str
    user_id: str
    display_name: str
    tz: str | None


def coordinator_targets_after(db: Database, after: tuple[int, int], limit: int) -> list[CoordinatorTarget]:
    """One page of (cohort, coordinator) pairs in (cohort id, member id) order, after the pair `after` (keyset
    paging, as nudge_candidates_after)."""
    rows = db.execute(
        "SELECT c.id, c.name, c.nudge_weekday, c.nudge_hour, m.id, w.id, w.platform, w.external_id, m.user_id, "
        "m.display_name, m.tz FROM cohorts AS c JOIN workspaces AS w ON w.id = c.workspace_id "
        "JOIN members AS m ON m.workspace_id = c.workspace_id "
        "WHERE m.is_admin = 1 AND m.active = 1 AND (c.id, m.id) > (?, ?) ORDER BY c.id, m.id LIMIT ?",
        [*after, limit]).fetchall()
    return [CoordinatorTarget(*r) for r in rows]
