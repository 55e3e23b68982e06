"""Teams conversation references: where the bot may post without being spoken to first.

Teams only lets a bot message a chat or channel it has a conversation reference for. The Teams transport
saves one on first contact and on install; the scheduler's nudges and summaries read them back. A reference
is stored as the JSON the transport made of it: nothing here knows the Teams SDK.

Rows are keyed by (tenant_id, target_id): the tenant is the Teams workspace, and the target is a member's AAD
object id (their personal chat with the bot), a channel id (19:...@thread.tacv2) or a group chat id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlite_utils import Database

from storage.clock import stamp
from storage.db import transaction

TargetKind = Literal["user", "channel", "group"]


@dataclass(frozen=True)
class ConversationRef:
    tenant_id: str
    target_kind: str
    target_id: str
    conversation_id: str
    team_id: str | None
    reference: str  # JSON, as the transport serialised it
    service_url: str
    updated_at: str


_COLS = "tenant_id, target_kind, target_id, conversation_id, team_id, reference, service_url, updated_at"


def _ref(row: tuple[Any, ...]) -> ConversationRef:
    return ConversationRef(*row)


def save_reference(
    db: Database,
    *,
    tenant_id: str,
    target_kind: TargetKind,
    target_id: str,
    conversation_id: str,
    reference: str,
    service_url: str,
    now: datetime,
    team_id: str | None = None,
) -> ConversationRef:
    """Insert or refresh the reference for (tenant, target); the newest service URL wins."""
    if not tenant_id or not target_id:
        raise ValueError("a Teams conversation reference needs a tenant id and a target id")
    at = stamp(now)
    with transaction(db):
        db.execute(
            "INSERT INTO teams_conversations (tenant_id, target_kind, target_id, conversation_id, team_id, "
            "reference, service_url, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (tenant_id, target_id) DO UPDATE SET target_kind = excluded.target_kind, "
            "conversation_id = excluded.conversation_id, team_id = COALESCE(excluded.team_id, team_id), "
            "reference = excluded.reference, service_url = excluded.service_url, updated_at = excluded.updated_at",
            [tenant_id, target_kind, target_id, conversation_id, team_id, reference, service_url, at, at],
        )
        row = db.execute(
            f"SELECT {_COLS} FROM teams_conversations WHERE tenant_id = ? AND target_id = ?",
            [tenant_id, target_id],
        ).fetchone()
    return _ref(row)


def load_reference(db: Database, target_id: str, tenant_id: str | None = None) -> ConversationRef | None:
    """The reference for a member (AAD object id) or channel; scoped to `tenant_id` when given.

    AAD object ids and Teams channel ids are globally unique, so a lookup without the tenant is safe; with
    it, a target from another tenant is never returned.
    """
    if tenant_id is not None:
        row = db.execute(
            f"SELECT {_COLS} FROM teams_conversations WHERE tenant_id = ? AND target_id = ?",
            [tenant_id, target_id],
        ).fetchone()
    else:
        row = db.execute(
            f"SELECT {_COLS} FROM teams_conversations WHERE target_id = ? ORDER BY updated_at DESC LIMIT 1",
            [target_id],
        ).fetchone()
    return _ref(row) if row else None


def list_references(db: Database, tenant_id: str, kind: TargetKind | None = None) -> list[ConversationRef]:
    """Every stored reference in one tenant (optionally only one kind), oldest first."""
    sql = f"SELECT {_COLS} FROM teams_conversations WHERE tenant_id = ?"
    params: list[str] = [tenant_id]
    if kind is not None:
        sql += " AND target_kind = ?"
        params.append(kind)
    return [_ref(row) for row in db.execute(sql + " ORDER BY id", params).fetchall()]


def delete_reference(db: Database, tenant_id: str, target_id: str) -> bool:
    """Forget a target (the bot was removed from the team or uninstalled); True when a row went."""
    with transaction(db):
        cursor = db.execute(
            "DELETE FROM teams_conversations WHERE tenant_id = ? AND target_id = ?", [tenant_id, target_id]
        )
    return bool(cursor.rowcount)


def delete_team(db: Database, tenant_id: str, team_id: str) -> int:
    """Forget every channel of a team the bot was removed from; returns how many rows went."""
    with transaction(db):
        cursor = db.execute(
            "DELETE FROM teams_conversations WHERE tenant_id = ? AND team_id = ?", [tenant_id, team_id]
        )
    return int(cursor.rowcount)


def remember_user_id(db: Database, tenant_id: str, channel_user_id: str, aad_object_id: str) -> None:
    with transaction(db):
        db.execute(
            "INSERT INTO teams_user_ids (tenant_id, channel_user_id, aad_object_id) VALUES (?, ?, ?) "
            "ON CONFLICT (tenant_id, channel_user_id) DO UPDATE SET aad_object_id = excluded.aad_object_id "
            "WHERE aad_object_id != excluded.aad_object_id",
            [tenant_id, channel_user_id, aad_object_id],
        )


def aad_for(db: Database, tenant_id: str, channel_user_id: str) -> str | None:
    row = db.execute(
        "SELECT aad_object_id FROM teams_user_ids WHERE tenant_id = ? AND channel_user_id = ?",
        [tenant_id, channel_user_id],
    ).fetchone()
    return str(row[0]) if row else None
