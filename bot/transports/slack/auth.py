"""Who the bot is in its workspace: Slack's `auth.test`, asked once when the server starts, not per request.

Bolt's single-workspace authorization calls `auth.test` on every request until one has succeeded, so a burst of
commands right after a start asked it dozens of times at once, each waiting on Slack. This is handed to Bolt as
its `authorize`: one call, in flight once however many requests wait for it, then reused for the process's life.
"""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse


class OneAuthTest(AsyncAuthorize):
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._result: AsyncSlackResponse | None = None
        self._in_flight: asyncio.Task[AsyncSlackResponse] | None = None

    async def load(self) -> AsyncSlackResponse:
        """auth.test's answer: asked at most once at a time, kept once it succeeded (a failure is asked again)."""
        if self._result is not None:
            return self._result
        if self._in_flight is None or self._in_flight.done():
            self._in_flight = asyncio.ensure_future(self.client.auth_test())
        self._result = await asyncio.shield(self._in_flight)
        return self._result

    async def __call__(self, *, context: Any, enterprise_id: str | None, team_id: str | None,
                       user_id: str | None, **_: Any) -> AuthorizeResult:
        found = await self.load()
        return AuthorizeResult.from_auth_test_response(auth_test_response=found, bot_token=self.client.token,
                                                       user_token=None)
