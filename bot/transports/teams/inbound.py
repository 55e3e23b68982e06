"""Reading Teams activities: which tenant and conversation they come from, who sent them, the command they carry
(with mentions translated), and where the bot can post back to that conversation later.

Only translation: nothing here decides what a command means.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from microsoft_agents.activity import Activity, ChannelAccount, Mention
from microsoft_agents.activity.teams import TeamsChannelData
from microsoft_agents.hosting.core import ClaimsIdentity
from pydantic import ValidationError

from bot.config import Settings
from bot.conversations import TargetKind
from commands.model import Actor, Where

_MENTION = re.compile(r"<at(?:\s[^>]*)?>(.*?)</at>", re.IGNORECASE | re.DOTALL)
GREETINGS = ("help", "?", "hi", "hello")


def channel_data_of(activity: Activity) -> TeamsChannelData:
    raw = activity.channel_data
    if isinstance(raw, TeamsChannelData):
        return raw
    try:
        return TeamsChannelData.model_validate(raw or {})
    except ValidationError:
        return TeamsChannelData()


def value_of(activity: Activity) -> dict[str, Any]:
    """What a pressed Action.Submit button or a submitted form sent (empty for a typed message)."""
    value = activity.value
    return value if isinstance(value, dict) else {}


def tenant_of(activity: Activity, settings: Settings) -> str:
    conversation = activity.conversation
    tenant = channel_data_of(activity).tenant
    return ((conversation.tenant_id if conversation else None) or (tenant.id if tenant else None)
            or settings.teams_tenant_id)


def scope_of(activity: Activity) -> str:
    """personal, channel or groupChat."""
    conversation = activity.conversation
    kind = (conversation.conversation_type if conversation else None) or ""
    if kind:
        return str(kind)
    return "groupChat" if conversation and conversation.is_group else "personal"


def _base_conversation_id(conversation_id: str) -> str:
    """A channel thread's id without `;messageid=...`: posting there starts a new thread."""
    return conversation_id.split(";", 1)[0]


def channel_id_of(activity: Activity) -> str:
    channel = channel_data_of(activity).channel
    return ((channel.id if channel else None)
            or _base_conversation_id(activity.conversation.id if activity.conversation else ""))


def team_id_of(activity: Activity) -> str | None:
    team = channel_data_of(activity).team
    return (team.id or None) if team else None


def channel_label(activity: Activity) -> str:
    """What a reply calls this conversation: its name, or "General", or a stand-in."""
    channel = channel_data_of(activity).channel
    name = (channel.name if channel else None) or (activity.conversation.name if activity.conversation else None)
    if name:
        return name
    if channel_id_of(activity) == team_id_of(activity):
        return "General"  # a team's General channel has the team's id
    return "this channel" if scope_of(activity) == "channel" else "this chat"


def where_of(activity: Activity) -> Where:
    """The conversation the activity came from; in Teams a typed #name names no channel."""
    return Where(channel_id=channel_id_of(activity), channel_name=channel_label(activity),
                 is_direct=scope_of(activity) == "personal", typed_channels=False)


def _tz(name: str | None) -> str | None:
    if not name:
        return None
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return None
    return name


def actor_of(activity: Activity, tenant_id: str, now: datetime) -> Actor:
    """The sender as this activity describes them (Teams tells a bot nothing about workspace admins)."""
    sender = activity.from_property or ChannelAccount()
    return Actor(
        platform="teams",
        workspace_id=tenant_id,
        user_id=sender.aad_object_id or sender.id or "",
        display_name=sender.name or "",
        tz=_tz(activity.local_timezone),
        learned_at=now,
    )


def _neutral_mention(mention: Mention, aad_for: Callable[[str], str | None]) -> str:
    account = mention.mentioned
    shown = _MENTION.sub(lambda m: m.group(1), mention.text or "") or account.name or account.id
    user_id = account.aad_object_id or aad_for(account.id) or account.id
    return f"<@{user_id}|{re.sub(r'[<>|]', '', shown)}>"


def command_text(activity: Activity, aad_for: Callable[[str], str | None]) -> str:
    """The typed text without the bot's mention. Other mentions become `<@ID|Name>`, ID being the member's AAD
    object id when Teams or `aad_for` (from a Teams account id) knows it; an `<at>` without a mention entity
    keeps only its name."""
    text = activity.remove_recipient_mention() if activity.entities else (activity.text or "")
    bot = activity.recipient
    for mention in activity.get_mentions():
        if mention.mentioned is None or not mention.mentioned.id or (bot and mention.mentioned.id == bot.id):
            continue
        pattern = re.escape(mention.text or f"<at>{mention.mentioned.name}</at>")
        neutral = _neutral_mention(mention, aad_for).replace("\\", "\\\\")  # a name is literal text
        text = re.sub(pattern, neutral, text, flags=re.IGNORECASE)
    bot_name = (bot.name or "").lower() if bot else ""
    text = _MENTION.sub(lambda m: "" if bot_name and m.group(1).lower() == bot_name else m.group(1), text)
    return text.replace("&nbsp;", " ").replace("\u00a0", " ").strip()


def typed_command(text: str) -> tuple[str, str]:
    """`name rest` as typed (a leading `/` is fine); a greeting or nothing at all asks for help."""
    name, _, rest = text.lstrip("/").partition(" ")
    if not name or name.lower() in GREETINGS:
        return "cohort", "help"
    return name, rest.strip()


def mentions_bot(activity: Activity) -> bool:
    if activity.is_recipient_mentioned():
        return True
    recipient = activity.recipient
    return bool(recipient and recipient.name and f"<at>{recipient.name}</at>".lower() in (activity.text or "").lower())


# ---- where the bot can post later --------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    kind: TargetKind
    target_id: str
    conversation_id: str
    team_id: str | None


def target_of(activity: Activity) -> Target | None:
    conversation = activity.conversation
    if conversation is None or not conversation.id:
        return None
    scope = scope_of(activity)
    if scope == "personal":
        sender = activity.from_property
        user = (sender.aad_object_id or sender.id) if sender else None
        return Target("user", user, conversation.id, None) if user else None
    if scope == "channel":
        channel = channel_id_of(activity)
        return Target("channel", channel, channel, team_id_of(activity))
    return Target("group", conversation.id, conversation.id, None)


def reference_json(activity: Activity, target: Target) -> str:
    reference = activity.get_conversation_reference()
    reference.activity_id = None
    reference.request_id = None  # a fresh id per HTTP request; keeping it would rewrite the row every message
    reference.conversation = reference.conversation.model_copy(update={"id": target.conversation_id})
    if target.kind != "user":
        reference.user = None  # a channel post is addressed to the channel, not to whoever spoke last
    return json.dumps(reference.model_dump(mode="json", by_alias=True, exclude_none=True), sort_keys=True)


# ---- the request -------------------------------------------------------------------------------------

class Inbound:
    """The SDK's view of one aiohttp request (HttpRequestProtocol), carrying the identity we validated.

    Used instead of CloudAdapter.process, which reads the identity from a string key on the request that a
    JWT middleware would have set.
    """

    def __init__(self, request: web.Request, identity: ClaimsIdentity) -> None:
        self._request = request
        self._identity = identity

    @property
    def method(self) -> str:
        return self._request.method

    @property
    def headers(self) -> Mapping[str, str]:
        return self._request.headers

    async def json(self) -> dict[str, Any]:
        body = await self._request.json()
        if not isinstance(body, dict):
            raise ValueError("an activity is a JSON object")
        return body

    def get_claims_identity(self) -> ClaimsIdentity:
        return self._identity

    def get_path_param(self, name: str) -> str:
        return self._request.match_info[name]
