"""The Slack Web API clients: slack_sdk's, with the retries each use needs and one keep-alive session."""

from __future__ import annotations

from typing import Any

import aiohttp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings


def make_client(settings: Settings, *, sends: bool = False) -> AsyncWebClient:
    """The Web API client, with slack_sdk's retries for 429 (honouring Retry-After), 5xx and dropped connections.

    `sends=True` is the client for scheduled messages, which must arrive exactly once: it retries only 429s,
    which Slack answers without posting anything. A 5xx or a dropped connection may come after the message was
    posted, so the delivery ledger treats it as in doubt and checks the conversation before sending again,
    instead of letting the client re-post blindly.
    """
    handlers: list[Any] = [AsyncRateLimitErrorRetryHandler(max_retry_count=5)]
    if not sends:
        handlers += [AsyncConnectionErrorRetryHandler(max_retry_count=2),
                     AsyncServerErrorRetryHandler(max_retry_count=3)]
    return AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, retry_handlers=handlers)


async def open_session(client: AsyncWebClient) -> None:
    """Give the client one keep-alive aiohttp session (call inside the running event loop).

    Without it slack_sdk opens a new connection, on Slack a new TLS handshake, for every Web API call; the weekly
    fan-out spent half its time there. Close it with `close_session` when the loop ends.
    """
    if client.session is None or client.session.closed:
        client.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=client.timeout))


async def close_session(client: AsyncWebClient) -> None:
    session, client.session = client.session, None
    if session is not None and not session.closed:
        await session.close()
