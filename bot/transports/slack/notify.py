"""Sending scheduled messages to Slack: DMs to members and posts to the summary channel.

Each message carries Slack message metadata naming its ledger key, so after a crash the sender can look in the
conversation's history and tell whether a message in doubt already arrived.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.delivery import NotSent
from bot.outgoing import Outgoing
from bot.transports.slack import rendering

EVENT_TYPE = "cohortbot_delivery"
log = logging.getLogger(__name__)


class SlackNotifier:
    platform = "slack"

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._dm_channels: dict[str, str] = {}
        self._joined: set[str] = set()

    async def _join(self, channel: str) -> None:
        """Be a member of a channel before posting there, so its history can be read if the post ends in doubt.

        chat:write.public lets the bot post without joining, but reading the channel back needs membership
        (channels:history). A private channel can't be joined: someone must invite the bot; setup says so.
        """
        if channel.startswith(("D", "U", "W")) or channel in self._joined:
            return
        try:
            await self.client.conversations_join(channel=channel)
        except SlackApiError as problem:
            data = problem.response.data
            log.warning("could not join %s (%s); invite the bot to it", channel,
                        (data.get("error") if isinstance(data, dict) else None) or problem)
            return
        self._joined.add(channel)

    async def send(self, out: Outgoing) -> str:
        await self._join(out.target)
        try:
            response = await self.client.chat_postMessage(
                channel=out.target,
                **rendering.to_message(out.reply),
                metadata={"event_type": EVENT_TYPE, "event_payload": {"key": out.key}},
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as problem:
            if problem.response.status_code >= 500:
                raise  # Slack may have posted it before failing: in doubt, so the claim stays and is checked
            data = problem.response.data
            raise NotSent(str((data.get("error") if isinstance(data, dict) else None) or problem)) from problem
        channel = str(response.get("channel") or out.target)
        return f"{channel}:{response.get('ts')}"

    async def _channel(self, target: str) -> str:
        if not target.startswith(("U", "W")):
            return target
        if target not in self._dm_channels:
            response = await self.client.conversations_open(users=target)
            self._dm_channels[target] = str(response["channel"]["id"])
        return self._dm_channels[target]

    async def find_sent(self, out: Outgoing, since: datetime) -> str | None:
        channel = await self._channel(out.target)
        await self._join(channel)
        cursor: str | None = None
        for _ in range(10):
            kwargs: dict[str, Any] = {"channel": channel, "oldest": f"{since.timestamp():.6f}",
                                      "include_all_metadata": True, "limit": 200}
            if cursor:
                kwargs["cursor"] = cursor
            response = await self.client.conversations_history(**kwargs)
            for message in response.get("messages") or []:
                metadata = message.get("metadata") or {}
                if metadata.get("event_type") == EVENT_TYPE and (metadata.get("event_payload") or {}).get(
                        "key") == out.key:
                    return f"{channel}:{message.get('ts')}"
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        return None
