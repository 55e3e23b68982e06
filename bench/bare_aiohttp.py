"""The physical limit of this stack: aiohttp checks the Slack signature and inserts one row into SQLite.

Run as its own process by the benchmarks (same environment variables as `cohortbot serve`):

    SLACK_SIGNING_SECRET=... COHORTBOT_DB=... PORT=... python bench/bare_aiohttp.py

No Bolt and no commands: read the body, verify it with slack_sdk's SignatureVerifier (HMAC and the 5-minute
timestamp window), parse the form, insert one row (WAL, synchronous NORMAL, as cohortbot opens its database)
and answer a one-line JSON acknowledgement. Same logging and `web.run_app` settings as `cohortbot serve`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import time
from urllib.parse import parse_qsl

from aiohttp import web
from slack_sdk.signature import SignatureVerifier


def main() -> int:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    verifier = SignatureVerifier(os.environ["SLACK_SIGNING_SECRET"])
    conn = sqlite3.connect(os.environ.get("COHORTBOT_DB", "bare.db"), isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("CREATE TABLE IF NOT EXISTS logs (id INTEGER PRIMARY KEY, team_id TEXT NOT NULL, "
                 "user_id TEXT NOT NULL, command TEXT NOT NULL, text TEXT NOT NULL, at REAL NOT NULL)")

    async def events(request: web.Request) -> web.Response:
        body = await request.text()
        if not verifier.is_valid_request(body, dict(request.headers)):
            return web.json_response({"error": "invalid request"}, status=401)
        form = dict(parse_qsl(body))
        conn.execute("INSERT INTO logs (team_id, user_id, command, text, at) VALUES (?, ?, ?, ?, ?)",
                     [form.get("team_id", ""), form.get("user_id", ""), form.get("command", ""),
                      form.get("text", ""), time.time()])
        return web.json_response({"response_type": "ephemeral", "text": "Logged."})

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
