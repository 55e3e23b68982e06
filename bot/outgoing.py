"""One message to send: where it goes, what it says and the ledger key that makes it go out once.

The planner (`bot/nudges.py`) makes these, the deliverer (`bot/delivery.py`) sends them through each platform's
notifier; all three share this value and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from commands.model import Reply


@dataclass(frozen=True)
class Outgoing:
    key: str  # ledger key: what makes this message unique
    kind: str  # "nudge", "summary", "thanks", "checkback"
    platform: str
    workspace: str  # the platform's workspace id (Slack team, Teams tenant)
    workspace_key: int  # our database key of that workspace
    target: str  # a platform user id (a direct message) or a channel id
    reply: Reply
    member_id: int | None = None
    cohort_id: int | None = None
    card_id: str | None = None
    who: str = ""  # for people reading a dry run
