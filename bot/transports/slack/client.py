"""The Slack Web API clients: slack_sdk's, with the retries each use needs and one keep-alive session."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.logs import RedactSecrets

# slack_sdk logs whole responses at DEBUG, oauth.v2.access's bot token included: redact them where they are made,
# so no record carries a token whatever handler (or test capture) reads it.
WEB_LOGGER = logging.getLogger("slack_sdk.web.async_base_client")
WEB_LOGGER.addFilter(RedactSecrets())


class RateLimitRetryExceptHistory(AsyncRateLimitErrorRetryHandler):
    """Retries 429s, but not conversations.history's: for an app distributed outside the Slack Marketplace it is
    allowed about once a minute, so waiting out its Retry-After would stall a whole sweep; the check is left in
    doubt and made on a later sweep instead."""

    async def _can_retry_async(self, *, state: RetryState, request: HttpRequest,
                               response: HttpResponse | None = None, error: Exception | None = None) -> bool:
        if request.url.rstrip("/").endswith("/conversations.history"):
            return False
        return await super()._can_retry_async(state=state, request=request, response=response, error=error)


def make_client(settings: Settings, *, sends: bool = False, token: str | None = None,
                history_waits: bool = True) -> AsyncWebClient:
    """The Web API client, with slack_sdk's retries for 429 (honouring Retry-After), 5xx and dropped connections.

    `sends=True` is the client for scheduled messages, which must arrive exactly once: it retries only 429s,
    which Slack answers without posting anything. A 5xx or a dropped connection may come after the message was
    posted, so the delivery ledger treats it as in doubt and checks the conversation before sending again,
    instead of letting the client re-post blindly.

    `token` is a workspace's own bot token (OAuth installs; default: SLACK_BOT_TOKEN). `history_waits=False`
    leaves a rate-limited conversations.history to the caller (see RateLimitRetryExceptHistory).
    """
    limited: AsyncRetryHandler = (AsyncRateLimitErrorRetryHandler(max_retry_count=5) if history_waits
                                  else RateLimitRetryExceptHistory(max_retry_count=5))
    handlers: list[Any] = [limited]
    if not sends:
        handlers += [AsyncConnectionErrorRetryHandler(max_retry_count=2),
                     AsyncServerErrorRetryHandler(max_retry_count=3)]
    return AsyncWebClient(token=settings.slack_bot_token if token is None else token,
                          base_url=settings.slack_api_url, retry_handlers=handlers)


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
