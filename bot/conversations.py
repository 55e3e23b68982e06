"""Where the bot may post in Teams, and which Azure AD object id stands behind a Teams account id.

Teams lets a bot message a chat or channel only with a conversation reference saved when it was spoken to (or
installed); members are keyed by their AAD object id, but a mention names their Teams account id (29:...). This
service wraps `storage/teams.py` for the Teams transport, which must not reach into storage itself: `bot/app.py`
builds one from the database and hands it to the Teams route, its agent and its notifier.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from storage import teams as teams_store
from storage.teams import ConversationRef, TargetKind

__all__ = ["ConversationRef", "TargetKind", "TeamsDirectory"]


@dataclass(frozen=True)
class TeamsDirectory:
    db: Database

    def save_reference(self, *, tenant_id: str, target_kind: TargetKind, target_id: str, conversation_id: str,
                       reference: str, service_url: str, now: datetime, team_id: str | None = None,
                       ) -> ConversationRef:
        """Save (or refresh) where the bot can post to `target_id`; no write when nothing changed."""
        known = teams_store.load_reference(self.db, target_id, tenant_id)
        if known and known.reference == reference and known.service_url == service_url:
            return known
        return teams_store.save_reference(
            self.db, tenant_id=tenant_id, target_kind=target_kind, target_id=target_id,
            conversation_id=conversation_id, reference=reference, service_url=service_url, now=now, team_id=team_id,
        )

    def load_reference(self, target_id: str, tenant_id: str | None = None) -> ConversationRef | None:
        """The reference for a member (AAD object id) or a channel, scoped to `tenant_id` when given."""
        return teams_store.load_reference(self.db, target_id, tenant_id)

    def list_references(self, tenant_id: str, kind: TargetKind | None = None) -> list[ConversationRef]:
        return teams_store.list_references(self.db, tenant_id, kind)

    def delete_reference(self, tenant_id: str, target_id: str, *, team_id: str | None = None) -> None:
        """Forget a conversation; with `team_id` (the bot left that team), every channel of the team too."""
        teams_store.delete_reference(self.db, tenant_id, target_id)
        if team_id:
            teams_store.delete_team(self.db, tenant_id, team_id)

    def remember_user_id(self, tenant_id: str, teams_id: str, aad_object_id: str) -> None:
        teams_store.remember_user_id(self.db, tenant_id, teams_id, aad_object_id)

    def aad_for(self, tenant_id: str, teams_id: str) -> str | None:
        """The AAD object id last seen behind a Teams account id (29:...) in this tenant."""
        return teams_store.aad_for(self.db, tenant_id, teams_id)
