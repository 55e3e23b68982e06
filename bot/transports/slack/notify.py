"""Sending scheduled messages to Slack: DMs to members and posts to the summary channel.

Each message carries Slack message metadata naming its ledger key, so after a crash the sender can look in the
conversation's history and tell whether a message in doubt already arrived.

Each workspace is written to with its own client: with a bot token, the one client; with OAuth installs, the
installation's bot token (`Installs.client_for`). A workspace that has not installed the app is NotSent.

An app distributed outside the Slack Marketplace may call conversations.history about once a minute per workspace,
15 messages a page (`DISTRIBUTED`). So the check of a send in doubt looks at one page of the newest messages around
the claim, and at most one check a minute runs in a workspace: another one raises `HistoryBusy`, the deliverer
keeps that claim in doubt (it is never re-sent while its check is pending) and the next sweep checks it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.delivery import RECOVERY_WINDOW, CheckLater, NotSent
from bot.outgoing import Outgoing
from bot.transports.slack import rendering
from bot.transports.slack.client import close_session, make_client, open_session

if TYPE_CHECKING:
    from bot.transports.slack.installs import Installs

EVENT_TYPE = "cohortbot_delivery"
TOKEN_GONE = frozenset({"invalid_auth", "token_revoked", "account_inactive", "not_authed", "token_expired"})
log = logging.getLogger(__name__)


class Clients(Protocol):
    """Where a workspace's Web API client comes from."""

    async def client_for(self, team_id: str) -> AsyncWebClient | None: ...

    def forget(self, team_id: str) -> None: ...

    async def open(self) -> None: ...

    async def close(self) -> None: ...


class OneClient:
    """A bot token: one client, whatever the workspace."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def client_for(self, team_id: str) -> AsyncWebClient | None:
        return self.client

    def forget(self, team_id: str) -> None:
        pass

    async def open(self) -> None:
        await open_session(self.client)  # keep-alive connections to the Web API

    async def close(self) -> None:
        await close_session(self.client)


@dataclass(frozen=True)
class HistoryLimits:
    """How a send in doubt is looked for in conversations.history."""

    page: int = 200  # messages a call
    pages: int = 10  # calls for one check
    spacing: float = 0.0  # seconds between two calls in one workspace
    window: timedelta | None = None  # look only this long after `since` (None: up to now)


UNLIMITED = HistoryLimits()
# Slack's limits for apps distributed outside its Marketplace: about one call a minute per workspace, 15 messages.
# `since` is the claim's time less RECOVERY_WINDOW; a send happens within minutes of its claim, so the page holds
# the newest messages up to RECOVERY_WINDOW after the claim.
DISTRIBUTED = HistoryLimits(page=15, pages=1, spacing=60.0, window=2 * RECOVERY_WINDOW)


class HistoryBusy(CheckLater):
    """conversations.history was called in this workspace too recently; check again on a later sweep."""


class SlackNotifier:
    platform = "slack"

    def __init__(self, clients: AsyncWebClient | Clients, *, limits: HistoryLimits = UNLIMITED,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.clients: Clients = OneClient(clients) if isinstance(clients, AsyncWebClient) else clients
        self.limits = limits
        self.clock = clock
        self._dm_channels: dict[tuple[str, str], str] = {}
        self._joined: set[tuple[str, str]] = set()
        self._history_from: dict[str, float] = {}  # workspace -> when its next history call may go

    @property
    def client(self) -> AsyncWebClient:
        """The one client of a bot-token deployment."""
        if not isinstance(self.clients, OneClient):
            raise AttributeError("this notifier writes to each workspace with its own client (client_for)")
        return self.clients.client

    async def open(self) -> None:
        await self.clients.open()

    async def close(self) -> None:
        await self.clients.close()

    async def _client(self, out: Outgoing) -> AsyncWebClient:
        client = await self.clients.client_for(out.workspace)
        if client is None:
            raise NotSent("not installed in that workspace")
        return client

    async def _join(self, client: AsyncWebClient, team: str, channel: str) -> None:
        """Be a member of a channel before posting there, so its history can be read if the post ends in doubt.

        chat:write.public lets the bot post without joining, but reading the channel back needs membership
        (channels:history). A private channel can't be joined: someone must invite the bot; setup says so.
        """
        if channel.startswith(("D", "U", "W")) or (team, channel) in self._joined:
            return
        try:
            await client.conversations_join(channel=channel)
        except SlackApiError as problem:
            log.warning("could not join %s (%s); invite the bot to it", channel, _error(problem))
            return
        self._joined.add((team, channel))

    async def send(self, out: Outgoing) -> str:
        client = await self._client(out)
        await self._join(client, out.workspace, out.target)
        try:
            response = await client.chat_postMessage(
                channel=out.target,
                **rendering.to_message(out.reply),
                metadata={"event_type": EVENT_TYPE, "event_payload": {"key": out.key}},
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as problem:
            if problem.response.status_code >= 500:
                raise  # Slack may have posted it before failing: in doubt, so the claim stays and is checked
            error = _error(problem)
            if error in TOKEN_GONE:
                self.clients.forget(out.workspace)  # read the installation again next time
            raise NotSent(error) from problem
        channel = str(response.get("channel") or out.target)
        return f"{channel}:{response.get('ts')}"

    async def _channel(self, client: AsyncWebClient, out: Outgoing) -> str:
        if not out.target.startswith(("U", "W")):
            return out.target
        key = (out.workspace, out.target)
        if key not in self._dm_channels:
            response = await client.conversations_open(users=out.target)
            self._dm_channels[key] = str(response["channel"]["id"])
        return self._dm_channels[key]

    def _take_history_turn(self, team: str) -> None:
        """Reserve this workspace's next conversations.history call, or raise HistoryBusy."""
        if not self.limits.spacing:
            return
        now = self.clock()
        free_at = self._history_from.get(team, now)
        if now < free_at:
            raise HistoryBusy(f"conversations.history was called in {team} less than {self.limits.spacing:g} s "
                              f"ago; the send stays in doubt and is checked in {free_at - now:.0f} s")
        self._history_from[team] = now + self.limits.spacing

    def _history_args(self, channel: str, since: datetime) -> dict[str, Any]:
        args: dict[str, Any] = {"channel": channel, "oldest": f"{since.timestamp():.6f}",
                                "include_all_metadata": True, "limit": self.limits.page}
        if self.limits.window is not None:
            args["latest"] = f"{(since + self.limits.window).timestamp():.6f}"
        return args

    async def _history(self, client: AsyncWebClient, team: str, args: dict[str, Any]) -> Any:
        try:
            return await client.conversations_history(**args)
        except SlackApiError as problem:
            if problem.response.status_code == 429:  # another process asked too: wait what Slack says
                wait = _retry_after(problem, self.limits.spacing)
                self._history_from[team] = max(self._history_from.get(team, 0.0), self.clock() + wait)
            raise

    async def find_sent(self, out: Outgoing, since: datetime) -> str | None:
        self._take_history_turn(out.workspace)
        client = await self._client(out)
        channel = await self._channel(client, out)
        await self._join(client, out.workspace, channel)
        args = self._history_args(channel, since)
        for _ in range(self.limits.pages):
            response = await self._history(client, out.workspace, args)
            found = _find_key(response.get("messages") or [], out.key)
            if found is not None:
                return f"{channel}:{found}"
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
            args["cursor"] = cursor
        return None


def _find_key(messages: list[Any], key: str) -> str | None:
    """The ts of the message whose metadata carries ledger key `key`."""
    for message in messages:
        metadata = message.get("metadata") or {}
        if metadata.get("event_type") == EVENT_TYPE and (metadata.get("event_payload") or {}).get("key") == key:
            return str(message.get("ts"))
    return None


def _error(problem: SlackApiError) -> str:
    data = problem.response.data
    return str((data.get("error") if isinstance(data, dict) else None) or problem)


def _retry_after(problem: SlackApiError, default: float) -> float:
    try:
        return float(problem.response.headers.get("Retry-After") or problem.response.headers.get("retry-after"))
    except (TypeError, ValueError):
        return default or 60.0


def scheduled_notifier(settings: Settings, installs: Installs | None = None) -> SlackNotifier:
    """The notifier for scheduled sends: the bot token's client, or (OAuth) each installed workspace's own, paced
    to Slack's history limits for distributed apps. `installs` shares the server's `Installs`, so an uninstall
    drops the workspace's client at once."""
    if settings.slack_oauth:
        if installs is None:
            from bot.transports.slack.installs import Installs  # the OAuth machinery, only when it is used

            installs = Installs(settings)
        return SlackNotifier(installs, limits=DISTRIBUTED)
    return SlackNotifier(make_client(settings, sends=True))
