"""What Slack says about a member (name, timezone, workspace admin), asked with `users.info` at most once per
member per TTL, however many of their requests arrive together.

The first request for a member starts the look-up; the others that arrive while it is in flight wait for that
same one. An answer is kept in memory for the TTL, and once dispatch has recorded it (the member's profile check
time) a restart does not ask again either. A member whose stored profile has grown stale is answered from the
database at once while a refresh runs in the background; their next request carries it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from commands.model import Actor

log = logging.getLogger(__name__)
PLATFORM = "slack"
PROFILE_TTL = timedelta(days=7)
PROFILE_TIMEOUT = 1.5  # seconds; a slash command must be acknowledged within 3
STALE_RETRY = timedelta(minutes=10)


@dataclass(frozen=True)
class SlackProfile:
    name: str
    tz: str | None
    is_admin: bool
    learned_at: datetime


Key = tuple[str, str]  # (team id, user id)


class Profiles:
    def __init__(self, clock: Callable[[], datetime], recorded_at: Callable[[Actor], datetime | None],
                 ttl: timedelta = PROFILE_TTL) -> None:
        self.clock = clock
        self.recorded_at = recorded_at  # when dispatch last recorded Slack's profile of this member
        self.ttl = ttl
        self._known: dict[Key, SlackProfile] = {}
        self._fresh_until: dict[Key, datetime] = {}  # recorded profiles still inside the TTL
        self._in_flight: dict[Key, asyncio.Task[SlackProfile | None]] = {}

    async def actor(self, client: AsyncWebClient, team_id: str, user_id: str, user_name: str = "", *,
                    fresh: bool = False) -> Actor:
        """The member as Slack describes them, asked with `client` (authorized for their workspace). `fresh` asks
        Slack now (is the member a workspace admin now?)."""
        key = (team_id, user_id)
        now = self.clock()
        known = self._known.get(key)
        if not fresh and known is not None and now - known.learned_at < self.ttl:
            return _actor(key, known, user_name)
        if not fresh and self._recorded_recently(key, now):
            return Actor(PLATFORM, team_id, user_id)  # the stored name and timezone stand
        if not fresh and key in self._fresh_until:  # recorded, but stale: refresh in the background
            self._fresh_until[key] = now + STALE_RETRY  # one refresh, not one per request, if Slack fails
            self._start(client, key)
            return Actor(PLATFORM, team_id, user_id)
        profile = await self._start(client, key)
        return _actor(key, profile, user_name) if profile else Actor(PLATFORM, team_id, user_id, user_name)

    def _recorded_recently(self, key: Key, now: datetime) -> bool:
        until = self._fresh_until.get(key)
        if until is None:
            recorded = self.recorded_at(Actor(PLATFORM, *key))
            if recorded is None:
                return False
            until = self._fresh_until[key] = recorded + self.ttl
        return now < until

    def _start(self, client: AsyncWebClient, key: Key) -> asyncio.Task[SlackProfile | None]:
        task = self._in_flight.get(key)
        if task is None:
            task = asyncio.ensure_future(self._fetch(client, key))
            self._in_flight[key] = task
            task.add_done_callback(lambda _: self._in_flight.pop(key, None))
        return task

    async def _fetch(self, client: AsyncWebClient, key: Key) -> SlackProfile | None:
        try:
            response = await asyncio.wait_for(client.users_info(user=key[1]), PROFILE_TIMEOUT)
        except (SlackApiError, TimeoutError, OSError, aiohttp.ClientError) as problem:
            log.warning("users.info for %s failed: %s", key[1], problem)
            return None
        user = response.get("user") or {}
        profile = user.get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name")
        found = SlackProfile(str(name or ""), user.get("tz") or None, bool(user.get("is_admin") or
                                                                          user.get("is_owner")), self.clock())
        self._known[key] = found
        return found


def _actor(key: Key, profile: SlackProfile, user_name: str) -> Actor:
    return Actor(PLATFORM, key[0], key[1], profile.name or user_name, profile.tz,
                 is_workspace_admin=profile.is_admin, learned_at=profile.learned_at)
