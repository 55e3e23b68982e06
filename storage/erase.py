"""Erasing a member at their request: everything stored about them, in one transaction.

Their entries (deleted ones too) and the undo journal of them, their applications, pauses, the delivery ledger's
rows and tip votes tied to them, their board rows (member_days, member_totals), and in Teams the account-id pairs
behind their AAD object id and the reference to their personal chat with the bot; last their member row, which
holds their name, timezone and settings. Nothing else names them: channel references keep no user, and the
weekly summary is not stored.

Another member's points depend only on that member's own entries (storage/scoring.py), so deleting the erased
member's board rows leaves every other total exactly as a recomputation would make it. Foreign keys are on: a
table added later that still refers to the member makes the member row's delete fail, and the whole erasure rolls
back (tests/test_erase.py checks that every table referring to members is listed here).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlite_utils import Database

from storage.db import transaction

# (what it counts as, table, which rows: each ? is the member's id), in an order the foreign keys allow.
_MEMBER_ROWS = (
    ("journal", "journal", "member_id = ? OR activity_id IN (SELECT id FROM activities WHERE member_id = ?)"),
    ("entries", "activities", "member_id = ?"),
    ("applications", "applications", "member_id = ?"),
    ("pauses", "pauses", "member_id = ?"),
    ("deliveries", "deliveries", "member_id = ?"),
    ("feedback", "card_feedback", "member_id = ?"),
    ("board_days", "member_days", "member_id = ?"),
    ("", "member_totals", "member_id = ?"),
)
# Teams only (each ? pair is the tenant and the member's AAD object id).
_TEAMS_ROWS = (
    ("teams_ids", "teams_user_ids", "tenant_id = ? AND aad_object_id = ?"),
    ("teams_chats", "teams_conversations", "tenant_id = ? AND target_kind = 'user' AND target_id = ?"),
)
TABLES = frozenset(table for _, table, _ in (*_MEMBER_ROWS, *_TEAMS_ROWS)) | {"members"}


@dataclass(frozen=True)
class Target:
    """A member, as an operator names them: the platform, its workspace id and their user id there."""

    member_id: int
    platform: str
    workspace: str  # the platform's workspace id (Slack team, Teams tenant, "local" for the shell)
    user_id: str
    display_name: str


@dataclass(frozen=True)
class Erased:
    """What was erased about a member (or, from `preview`, what would be): rows of each kind."""

    target: Target
    entries: int = 0  # deleted entries included
    applications: int = 0
    journal: int = 0  # undo steps
    pauses: int = 0
    deliveries: int = 0  # nudges, follow-ups and thank-you reminders recorded as sent to them
    feedback: int = 0  # tip votes
    board_days: int = 0  # days on the board
    teams_ids: int = 0
    teams_chats: int = 0


_TARGET = ("SELECT m.id, w.platform, w.external_id, m.user_id, m.display_name FROM members AS m "
           "JOIN workspaces AS w ON w.id = m.workspace_id")


def find(db: Database, workspace: str, user_id: str, platform: str = "") -> list[Target]:
    """The members with this user id in a workspace of this platform id (on `platform`, when given)."""
    sql, params = _TARGET + " WHERE w.external_id = ? AND m.user_id = ?", [workspace, user_id]
    if platform:
        sql, params = sql + " AND w.platform = ?", [*params, platform]
    return [Target(*row) for row in db.execute(sql + " ORDER BY m.id", params).fetchall()]


def target(db: Database, member_id: int) -> Target | None:
    row = db.execute(_TARGET + " WHERE m.id = ?", [member_id]).fetchone()
    return Target(*row) if row else None


def _rows(who: Target) -> list[tuple[str, str, str, list[object]]]:
    rows: list[tuple[str, str, str, list[object]]] = [
        (name, table, where, [who.member_id] * where.count("?")) for name, table, where in _MEMBER_ROWS]
    if who.platform == "teams":
        rows += [(name, table, where, [who.workspace, who.user_id]) for name, table, where in _TEAMS_ROWS]
    return rows


def preview(db: Database, who: Target) -> Erased:
    """What `erase` would erase about `who`, counted; nothing changes."""
    counts = {name: db.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}", params).fetchone()[0]
              for name, table, where, params in _rows(who) if name}
    return replace(Erased(who), **counts)


def erase(db: Database, who: Target) -> Erased:
    """Delete everything stored about `who`, in one transaction (the caller's, when it runs inside one)."""
    counts: dict[str, Any] = {}
    with transaction(db):
        for name, table, where, params in _rows(who):
            gone = db.execute(f"DELETE FROM {table} WHERE {where}", params).rowcount
            if name:
                counts[name] = gone
        db.execute("DELETE FROM members WHERE id = ?", [who.member_id])
    return replace(Erased(who), **counts)
