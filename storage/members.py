"""Workspaces, cohorts and members: who belongs where, and their settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from storage.clock import stamp
from storage.db import transaction
from storage.rules import ScoringRules as ScoringRules  # re-exported: callers say members.ScoringRules


@dataclass(frozen=True)
class Cohort:
    id: int
    workspace_key: int  # our database key of the workspace
    name: str
    summary_channel: str | None
    nudge_weekday: int
    nudge_hour: int
    rules: ScoringRules
    channel_name: str = ""  # the summary channel's name when it was set, to show ("" for an old setup)


@dataclass(frozen=True)
class Member:
    id: int
    workspace_key: int  # our database key of the workspace
    cohort_id: int
    user_id: str
    display_name: str
    tz: str | None
    weekly_goal: int
    privacy: str
    active: bool
    is_admin: bool
    nudges_enabled: bool
    paused_until: str | None
    profile_checked_at: str | None
    # 'member' takes part (nudged, on the board, counted); 'coordinator' runs the workspace's cohorts without taking
    # part (always an admin). An admin whose role is 'member' is both.
    role: str = "member"

    @property
    def takes_part(self) -> bool:
        return self.role == "member"


@dataclass(frozen=True)
class Membership:
    workspace_key: int
    cohort: Cohort
    member: Member
    created: bool  # True when this request made the member


_MEMBER_COLS = (
    "id, workspace_id, cohort_id, user_id, display_name, tz, weekly_goal, privacy, active, is_admin, "
    "nudges_enabled, paused_until, profile_checked_at, role"
)
_COHORT_COLS = (
    "id, workspace_id, name, summary_channel, nudge_weekday, nudge_hour, points_interview, "
    "points_offer_bonus, points_informational, points_meeting, points_event, daily_cap, channel_name"
)

_MEMBER_WIDTH = len(_MEMBER_COLS.split(","))
_MEMBER_JOIN_COLS = ", ".join("m." + c.strip() for c in _MEMBER_COLS.split(","))
_COHORT_JOIN_COLS = ", ".join("c." + c.strip() for c in _COHORT_COLS.split(","))


COHORT_COLUMNS = _COHORT_COLS  # for storage/cohorts.py, which reads cohorts too


def _member(row: tuple[Any, ...]) -> Member:
    return Member(
        id=row[0],
        workspace_key=row[1],
        cohort_id=row[2],
        user_id=row[3],
        display_name=row[4],
        tz=row[5],
        weekly_goal=row[6],
        privacy=row[7],
        active=bool(row[8]),
        is_admin=bool(row[9]),
        nudges_enabled=bool(row[10]),
        paused_until=row[11],
        profile_checked_at=row[12],
        role=row[13],
    )


def _cohort(row: tuple[Any, ...]) -> Cohort:
    return Cohort(
        id=row[0],
        workspace_key=row[1],
        name=row[2],
        summary_channel=row[3],
        nudge_weekday=row[4],
        nudge_hour=row[5],
        rules=ScoringRules(*row[6:12]),
        channel_name=row[12],
    )


cohort_of_row = _cohort


def ensure_member(
    db: Database,
    *,
    platform: str,
    workspace: str,
    user_id: str,
    display_name: str,
    tz: str | None,
    now: datetime,
    rules: ScoringRules,
    weekly_goal: int,
    learned_at: datetime | None = None,
    channel: str = "",
    channel_name: str = "",
) -> Membership:
    """Find or create the workspace, its first cohort and the member, in one transaction.

    A new member joins the cohort whose channel (`channel`, an id, or `channel_name`) the request came from,
    else the workspace's first cohort; a member stays in their own. A display name or timezone the platform
    supplies refreshes the stored one; `learned_at` (when the platform was asked) is recorded as the profile's
    check time when it is newer than the one stored.
    """
    at = stamp(now)
    checked = stamp(learned_at) if learned_at is not None else None
    known = db.execute(
        f"SELECT {_MEMBER_JOIN_COLS}, {_COHORT_JOIN_COLS} FROM members m JOIN workspaces w ON w.id = m.workspace_id "
        "JOIN cohorts c ON c.id = m.cohort_id WHERE w.platform = ? AND w.external_id = ? AND m.user_id = ?",
        [platform, workspace, user_id],
    ).fetchone()
    if known is not None:  # the common case: one read, no write
        member = _member(known[:_MEMBER_WIDTH])
        if not _profile_changes(member, display_name, tz, checked):
            return Membership(workspace_key=member.workspace_key, cohort=_cohort(known[_MEMBER_WIDTH:]),
                              member=member, created=False)
    with transaction(db):
        ws_id = _workspace_key(db, platform, workspace, at)
        mrow = db.execute(
            f"SELECT {_MEMBER_COLS} FROM members WHERE workspace_id = ? AND user_id = ?", [ws_id, user_id]
        ).fetchone()
        created = mrow is None
        if mrow is None:  # a new member joins the cohort of the channel they typed in, else the first one
            row = _cohort_of_channel(db, ws_id, channel, channel_name) or _first_cohort(db, ws_id, rules, at)
            cohort = _cohort(row)
            member_id = db.execute(
                "INSERT INTO members (workspace_id, cohort_id, user_id, display_name, tz, weekly_goal, "
                "profile_checked_at, joined_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [ws_id, cohort.id, user_id, display_name, tz, weekly_goal, checked, at, at],
            ).lastrowid
        else:  # a known member whose profile changed stays in their own cohort
            member_id = mrow[0]
            cohort = get_cohort(db, mrow[2])
            changes = _profile_changes(_member(mrow), display_name, tz, checked)
            if changes:  # none when another request recorded the same profile in between
                db.execute(f"UPDATE members SET {', '.join(f'{k} = ?' for k in changes)}, updated_at = ? "
                           "WHERE id = ?", [*changes.values(), at, member_id])
    assert member_id is not None
    return Membership(workspace_key=ws_id, cohort=cohort, member=get_member(db, member_id), created=created)


def _workspace_key(db: Database, platform: str, workspace: str, at: str) -> int:
    """Our key of a platform's workspace, made on its first request."""
    row = db.execute("SELECT id FROM workspaces WHERE platform = ? AND external_id = ?", [platform, workspace]
                     ).fetchone()
    if row is not None:
        return int(row[0])
    made = db.execute("INSERT INTO workspaces (platform, external_id, created_at) VALUES (?, ?, ?)",
                      [platform, workspace, at]).lastrowid
    assert made is not None
    return made


def _first_cohort(db: Database, ws_id: int, rules: ScoringRules, at: str) -> tuple[Any, ...]:
    """The workspace's first cohort's row, made (named "Cohort", with `rules`) when it has none yet."""
    select = f"SELECT {_COHORT_COLS} FROM cohorts WHERE workspace_id = ? ORDER BY id LIMIT 1"
    row = db.execute(select, [ws_id]).fetchone()
    if row is None:
        db.execute(
            "INSERT INTO cohorts (workspace_id, name, points_interview, points_offer_bonus, points_informational, "
            "points_meeting, points_event, daily_cap, created_at) VALUES (?, 'Cohort', ?, ?, ?, ?, ?, ?, ?)",
            [ws_id, rules.interview, rules.offer_bonus, rules.informational, rules.meeting, rules.event,
             rules.daily_cap, at],
        )
        row = db.execute(select, [ws_id]).fetchone()
    return tuple(row)


def _cohort_of_channel(db: Database, ws_id: int, channel: str, channel_name: str) -> tuple[Any, ...] | None:
    """The row of the workspace's cohort whose summary goes to this channel (named by id or by name), if any."""
    names = [c for c in (channel, channel_name) if c]
    if not names:
        return None
    row: tuple[Any, ...] | None = db.execute(
        f"SELECT {_COHORT_COLS} FROM cohorts WHERE workspace_id = ? AND summary_channel IN "
        f"({', '.join('?' * len(names))}) ORDER BY id LIMIT 1", [ws_id, *names]).fetchone()
    return row


def cohort_of_channel(db: Database, workspace_key: int, channel: str, channel_name: str = "") -> Cohort | None:
    """The workspace's cohort whose channel this is (its summary goes here), or None."""
    row = _cohort_of_channel(db, workspace_key, channel, channel_name)
    return _cohort(row) if row else None


def _profile_changes(member: Member, display_name: str, tz: str | None, checked: str | None) -> dict[str, Any]:
    """What the platform's profile changes in the stored member (empty when nothing)."""
    changes: dict[str, Any] = {}
    if display_name and display_name != member.display_name:
        changes["display_name"] = display_name
    if tz and tz != member.tz:
        changes["tz"] = tz
    if checked and (member.profile_checked_at or "") < checked:
        changes["profile_checked_at"] = checked
    return changes


def get_member(db: Database, member_id: int) -> Member:
    row = db.execute(f"SELECT {_MEMBER_COLS} FROM members WHERE id = ?", [member_id]).fetchone()
    return _member(row)


def find_member(db: Database, workspace_key: int, user_id: str) -> Member | None:
    row = db.execute(
        f"SELECT {_MEMBER_COLS} FROM members WHERE workspace_id = ? AND user_id = ?", [workspace_key, user_id]
    ).fetchone()
    return _member(row) if row else None


def get_cohort(db: Database, cohort_id: int) -> Cohort:
    row = db.execute(f"SELECT {_COHORT_COLS} FROM cohorts WHERE id = ?", [cohort_id]).fetchone()
    return _cohort(row)


_SETTABLE = {"weekly_goal", "privacy", "active", "is_admin", "nudges_enabled", "paused_until", "display_name",
             "tz", "profile_checked_at", "role", "cohort_id"}


def update_member(db: Database, member_id: int, now: datetime, **fields: Any) -> Member:
    unknown = set(fields) - _SETTABLE
    if unknown:
        raise ValueError(f"not a member setting: {sorted(unknown)}")
    assignments = ", ".join(f"{name} = ?" for name in fields)
    with transaction(db):
        db.execute(
            f"UPDATE members SET {assignments}, updated_at = ? WHERE id = ?",
            [*fields.values(), stamp(now), member_id],
        )
    return get_member(db, member_id)


@dataclass(frozen=True)
class Profile:
    display_name: str
    tz: str | None
    checked_at: str | None


def profile(db: Database, platform: str, workspace: str, user_id: str) -> Profile | None:
    """The name and timezone stored for a platform user, and when the platform was last asked."""
    row = db.execute(
        "SELECT m.display_name, m.tz, m.profile_checked_at FROM members m JOIN workspaces w "
        "ON w.id = m.workspace_id WHERE w.platform = ? AND w.external_id = ? AND m.user_id = ?",
        [platform, workspace, user_id],
    ).fetchone()
    return Profile(row[0], row[1], row[2]) if row else None


def find_member_by_platform(db: Database, platform: str, workspace: str, user_id: str) -> Member | None:
    row = db.execute(
        f"SELECT {', '.join('m.' + c.strip() for c in _MEMBER_COLS.split(','))} FROM members m "
        "JOIN workspaces w ON w.id = m.workspace_id WHERE w.platform = ? AND w.external_id = ? AND m.user_id = ?",
        [platform, workspace, user_id],
    ).fetchone()
    return _member(row) if row else None


def start_pause(db: Database, member_id: int, starts: date, ends: date, now: datetime) -> None:
    """Pause nudges (and freeze the streak) from `starts` until `ends` (exclusive)."""
    with transaction(db):
        db.execute("UPDATE pauses SET ends_on = ? WHERE member_id = ? AND ends_on > ?",
                   [starts.isoformat(), member_id, starts.isoformat()])
        db.execute("INSERT INTO pauses (member_id, starts_on, ends_on) VALUES (?, ?, ?)",
                   [member_id, starts.isoformat(), ends.isoformat()])
        db.execute("UPDATE members SET paused_until = ?, updated_at = ? WHERE id = ?",
                   [ends.isoformat(), stamp(now), member_id])


def end_pause(db: Database, member_id: int, today: date, now: datetime) -> None:
    with transaction(db):
        db.execute("UPDATE pauses SET ends_on = ? WHERE member_id = ? AND ends_on > ?",
                   [today.isoformat(), member_id, today.isoformat()])
        db.execute("UPDATE members SET paused_until = NULL, updated_at = ? WHERE id = ?", [stamp(now), member_id])


def paused_days(db: Database, member_id: int) -> list[date]:
    """Every day covered by one of the member's pauses (for freezing streaks)."""
    out: list[date] = []
    for starts, ends in db.execute("SELECT starts_on, ends_on FROM pauses WHERE member_id = ?", [member_id]):
        day, end = date.fromisoformat(starts), date.fromisoformat(ends)
        while day < end:
            out.append(day)
            day += timedelta(days=7) if (end - day).days > 7 else timedelta(days=1)
    return out


def set_cohort(db: Database, cohort_id: int, **fields: Any) -> Cohort:
    allowed = {"summary_channel", "nudge_weekday", "nudge_hour", "tz", "name", "channel_name"}
    if set(fields) - allowed:
        raise ValueError(f"not a cohort setting: {sorted(set(fields) - allowed)}")
    with transaction(db):
        db.execute(f"UPDATE cohorts SET {', '.join(f'{k} = ?' for k in fields)} WHERE id = ?",
                   [*fields.values(), cohort_id])
    return get_cohort(db, cohort_id)


def coordinators(db: Database, workspace_key: int) -> list[Member]:
    """The workspace's coordinators (its cohort admins, members or not), oldest first: they run every cohort in it."""
    rows = db.execute(f"SELECT {_MEMBER_COLS} FROM members WHERE workspace_id = ? AND is_admin = 1 ORDER BY id",
                      [workspace_key])
    return [_member(r) for r in rows]


def make_coordinator(db: Database, member_id: int, now: datetime) -> Member:
    """Make a member a coordinator (an admin). One who has never logged an entry coordinates only (not a member
    any more: no nudges, off the board); one with entries stays a member too, and an admin stays as they are."""
    with transaction(db):
        db.execute(
            "UPDATE members SET is_admin = 1, updated_at = ?, "
            "role = CASE WHEN is_admin = 1 OR EXISTS (SELECT 1 FROM activities WHERE member_id = members.id) THEN role "
            "ELSE 'coordinator' END WHERE id = ?", [stamp(now), member_id])
    return get_member(db, member_id)


def cohort_tz(db: Database, cohort_id: int) -> str | None:
    row = db.execute("SELECT tz FROM cohorts WHERE id = ?", [cohort_id]).fetchone()
    return row[0] if row else None
