"""The framework floor: a bare Bolt AsyncApp whose slash command listener only acks, on aiohttp like cohortbot.

Run as its own process by the benchmarks (same environment variables as `cohortbot serve`):

    SLACK_BOT_TOKEN=... SLACK_SIGNING_SECRET=... SLACK_API_URL=... PORT=... python bench/bolt_floor.py [--default-bolt]

It is mounted the way `bot/transports/slack/handlers.py` mounted Bolt before its own signature guard (to_bolt_request,
async_dispatch,
to_aiohttp_response on POST /slack/events), with the same client, logging and `web.run_app` settings, so the
difference to cohortbot is our own work per request. `--default-bolt` leaves Bolt's process_before_response at
its default (False), where Bolt polls every 10 ms for the listener's ack.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


def main() -> int:
    default_bolt = "--default-bolt" in sys.argv
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    api = os.environ.get("SLACK_API_URL", "https://slack.com/api/")
    client = AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=api if api.endswith("/") else api + "/")
    bolt = AsyncApp(signing_secret=os.environ["SLACK_SIGNING_SECRET"], client=client,
                    logger=logging.getLogger("slack_bolt"), process_before_response=not default_bolt)

    @bolt.command("/interview")
    async def interview(ack: AsyncAck) -> None:
        await ack()

    async def events(request: web.Request) -> web.Response:
        try:
            bolt_request = await to_bolt_request(request)
        except ValueError:
            return web.json_response({"error": "invalid request body"}, status=400)
        return await to_aiohttp_response(await bolt.async_dispatch(bolt_request))

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_get("/healthz", healthz)
    app.router.add_post("/slack/events", events)
    web.run_app(app, host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "3000")),
                print=None, handle_signals=True, shutdown_timeout=5, loop=asyncio.new_event_loop())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
