"""Scheduled messages to Teams (a bot.delivery.Notifier): nudges to a member's personal chat, summaries to a
channel, sent proactively from the conversation reference saved when the bot was last spoken to there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime

import aiohttp
from microsoft_agents.activity import Activity, ConversationReference
from microsoft_agents.hosting.core import ClaimsIdentity, TurnContext

from bot.config import Settings
from bot.conversations import TeamsDirectory
from bot.delivery import NotSent
from bot.outgoing import Outgoing
from bot.transports.teams.auth import build_adapter, mode_of
from bot.transports.teams.outbound import reply_activity
from commands.model import Reply


class TeamsSendError(NotSent):
    """The message surely did not reach Teams; `status` is the connector's HTTP status (0 if none)."""

    def __init__(self, target: str, message: str, status: int = 0) -> None:
        super().__init__(f"Teams message to {target} failed: {message}")
        self.target = target
        self.status = status


class NoConversation(TeamsSendError):
    """No stored conversation reference: the member never chatted with the bot, or it was removed."""

    def __init__(self, target: str) -> None:
        super().__init__(target, "no stored conversation reference (install the app or say hi to the bot first)")


class TeamsNotifier:
    """Scheduled messages to Teams: a member's personal chat or a channel.

    `out.target` is what the reference is stored under: a member's AAD object id (their Teams `user_id`) or a
    channel id; `out.workspace` is the tenant. The message goes out with the SDK's proactive
    `continue_conversation` from the stored reference. 429 and 503 answers are retried after their
    Retry-After (at most `retries` times); any HTTP error answer raises NotSent.
    """

    platform = "teams"

    def __init__(self, settings: Settings, directory: TeamsDirectory, *, retries: int = 3, max_wait: float = 30.0,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.settings = settings
        self.directory = directory
        self.retries = retries
        self.max_wait = max_wait
        self.sleep = sleep
        self.adapter = build_adapter(settings)
        self.adapter.on_turn_error = None  # failures reach the caller instead of being posted to the chat

    async def send(self, out: Outgoing) -> str:
        return await self.send_reply(out.target, out.reply, tenant_id=out.workspace or None)

    async def find_sent(self, out: Outgoing, since: datetime) -> str | None:
        """Teams gives a bot no way to read a chat's history, so a send in doubt cannot be confirmed."""
        return None

    async def send_reply(self, target: str, reply: Reply, *, tenant_id: str | None = None) -> str:
        """Post `reply` as a card to `target`; returns "<conversation id>:<message id>"."""
        if mode_of(self.settings) == "refuse":
            raise TeamsSendError(target, "Teams is not configured")
        stored = self.directory.load_reference(target, tenant_id)
        if stored is None:
            raise NoConversation(target)
        reference = ConversationReference.model_validate_json(stored.reference)
        reference.service_url = stored.service_url
        outgoing = reply_activity(reply)
        for attempt in range(self.retries + 1):
            try:
                message_id = await self._send_once(reference, outgoing)
            except aiohttp.ClientResponseError as problem:
                wait = _retry_after(problem)
                if problem.status in (429, 503) and attempt < self.retries and wait is not None:
                    await self.sleep(min(wait, self.max_wait))
                    continue
                raise TeamsSendError(target, f"HTTP {problem.status}", problem.status) from problem
            except aiohttp.ClientConnectorError as problem:
                raise TeamsSendError(target, f"cannot connect: {problem}") from problem
            return f"{stored.conversation_id}:{message_id}"
        raise TeamsSendError(target, "retries exhausted")  # pragma: no cover - the loop returns or raises

    async def _send_once(self, reference: ConversationReference, outgoing: Activity) -> str:
        sent: list[str] = []

        async def callback(context: TurnContext) -> None:
            # Post a new message rather than a reply to the synthetic continuation event.
            context.activity.id = None
            response = await context.send_activity(outgoing.model_copy(deep=True))
            sent.append(response.id or "")

        continuation = reference.get_continuation_activity()
        if mode_of(self.settings) == "jwt":
            await self.adapter.continue_conversation(self.settings.teams_app_id, continuation, callback)
        else:
            await self.adapter.continue_conversation_with_claims(ClaimsIdentity(), continuation, callback)
        if not sent:
            raise TeamsSendError(reference.conversation.id, "nothing was sent")
        return sent[0]


def _retry_after(problem: aiohttp.ClientResponseError) -> float | None:
    raw = problem.headers.get("Retry-After", "") if problem.headers else ""
    try:
        return max(float(raw), 0.0)
    except ValueError:
        return 1.0 if problem.status in (429, 503) else None
