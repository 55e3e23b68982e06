"""Socket Mode, end to end and offline: Bolt's AsyncSocketModeHandler against FakeSlack's websocket.

With SLACK_APP_TOKEN set, `cohortbot serve` asks `apps.connections.open` (app token) for a websocket URL and
Slack pushes envelopes over it instead of POSTing to /slack/events; the app answers each one with an ack that
carries the same Block Kit reply the HTTP acknowledgement would. FakeSlack plays Slack's side on 127.0.0.1:
first the app in this process (wired by `bot.app._socket_mode`, as `serve` does), then `python -m bot serve`
as a real process, stopped with SIGTERM.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
import pytest
from aiohttp import web
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import SLACK, SOCKET_MODE, _socket_mode, build_app, build_deps
from bot.config import Settings
from bot.transports.slack.client import close_session, open_session
from commands.model import Deps
from tests.fakeslack import FakeSlack
from tests.processes import free_port
from tests.slack_signing import app_home_opened_event, block_actions_payload, event_body, slash_command_body

ROOT = Path(__file__).resolve().parents[1]
BOT_TOKEN = "xoxb-test"
APP_TOKEN = "xapp-test"
SECRET = "x"
# Friday 27 November 2026, 10:00 in New York (the default timezone).
FRIDAY = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
PROXY_VARS = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")
JsonDict = dict[str, Any]


def slash_command(command: str, text: str, **fields: Any) -> JsonDict:
    """A slash command as a Socket Mode payload: the HTTP form's fields (all strings), as a JSON object."""
    return dict(parse_qsl(slash_command_body(command, text, **fields), keep_blank_values=True))


def activities(db_path: Path) -> list[sqlite3.Row]:
    """Slack activities read back with a separate connection, oldest first."""
    conn = sqlite3.connect(db_path)
    try:
        conn.row_factory = sqlite3.Row
        return list(conn.execute(
            "SELECT a.*, m.user_id, m.display_name FROM activities a JOIN members m ON m.id = a.member_id "
            "JOIN workspaces w ON w.id = a.workspace_id WHERE w.platform = 'slack' ORDER BY a.seq").fetchall())
    finally:
        conn.close()


def button(blocks: list[JsonDict], label: str) -> JsonDict:
    found: list[JsonDict] = [e for b in blocks if b["type"] == "actions" for e in b["elements"]
                             if e["type"] == "button" and e["text"]["text"] == label]
    assert len(found) == 1, blocks
    return found[0]


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """slack_sdk sends Web API calls and the websocket through HTTP(S)_PROXY when set; keep them on loopback."""
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


# ---- the fake's Socket Mode side -------------------------------------------------------------------------------


async def test_the_fake_hands_out_a_loopback_websocket_that_says_hello_and_collects_acks() -> None:
    async with FakeSlack() as fake:
        client = AsyncWebClient(base_url=fake.url)
        with pytest.raises(SlackApiError) as refused:
            await client.apps_connections_open(app_token=BOT_TOKEN)  # a bot token is not an app-level token
        assert refused.value.response["error"] == "not_allowed_token_type"
        opened = await client.apps_connections_open(app_token=APP_TOKEN)
        url = opened["url"]
        assert url.startswith(f"ws://127.0.0.1:{fake.port}/socket?ticket=")
        assert fake.calls_to("apps.connections.open")[-1].token == APP_TOKEN

        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.WSServerHandshakeError) as unknown:
                await session.ws_connect(f"{fake.origin}/socket?ticket=forged")
            assert unknown.value.status == 401
            with pytest.raises(RuntimeError, match="no Socket Mode client"):
                await fake.socket_send("events_api", {})

            async with session.ws_connect(url) as ws:
                hello = await ws.receive_json(timeout=2)
                assert hello["type"] == "hello"
                assert hello["num_connections"] == 1
                assert hello["connection_info"] == {"app_id": fake.app_id}
                assert {"host", "build_number", "approximate_connection_time"} <= set(hello["debug_info"])
                assert await fake.wait_socket_connected(timeout=2) == 1

                async def answer() -> JsonDict:
                    envelope: JsonDict = await ws.receive_json(timeout=2)
                    await ws.send_json({"envelope_id": envelope["envelope_id"], "payload": {"text": "hi"}})
                    return envelope

                answering = asyncio.create_task(answer())
                ack = await fake.socket_send("slash_commands", {"command": "/progress"}, envelope_id="e-1")
                envelope = await answering
                assert envelope == {"envelope_id": "e-1", "type": "slash_commands",
                                    "payload": {"command": "/progress"}, "accepts_response_payload": True}
                assert ack == {"envelope_id": "e-1", "payload": {"text": "hi"}}
                assert fake.socket_acks == [ack]

                with pytest.raises(TimeoutError, match="no Socket Mode ack"):
                    await fake.socket_send("events_api", {"type": "event_callback"}, timeout=0.2)
                late = await ws.receive_json(timeout=2)
                assert late["accepts_response_payload"] is False and late["retry_attempt"] == 0
        deadline = time.monotonic() + 2
        while fake.socket_connections and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert fake.socket_connections == 0


# ---- the app in this process --------------------------------------------------------------------------------


@dataclass
class SocketBot:
    app: web.Application
    fake: FakeSlack
    deps: Deps
    db_path: Path


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as server:
        server.add_user("U0001", name="alice", real_name="Alice Smith", display_name="Alice",
                        tz="America/New_York")
        yield server


@pytest.fixture
async def socket_bot(fake: FakeSlack, tmp_path: Path) -> AsyncIterator[SocketBot]:
    """build_app + what `serve`'s start-up does for Slack: a keep-alive session, then `_socket_mode`."""
    db_path = tmp_path / "cohortbot.db"
    settings = Settings(slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET, slack_app_token=APP_TOKEN,
                        slack_api_url=fake.url, db_path=str(db_path))
    deps = build_deps(settings, clock=lambda: FRIDAY)
    app = build_app(settings, deps)
    await open_session(app[SLACK].client)
    try:
        await asyncio.wait_for(_socket_mode(app, settings), timeout=5)
        await fake.wait_socket_connected(timeout=5)
        yield SocketBot(app, fake, deps, db_path)
    finally:
        handler = app.get(SOCKET_MODE)
        if handler is not None:
            await asyncio.wait_for(handler.close_async(), timeout=5)
        await close_session(app[SLACK].client)
        deps.db.conn.close()


async def test_socket_mode_connects_with_the_app_token_through_the_configured_api_url(socket_bot: SocketBot) -> None:
    fake = socket_bot.fake
    [opened] = fake.calls_to("apps.connections.open")
    assert opened.token == APP_TOKEN  # the app-level token, not the bot token
    assert opened.path == "/api/apps.connections.open"  # SLACK_API_URL, i.e. the fake, not slack.com
    assert fake.socket_connects == 1 and fake.socket_connections == 1
    handler = socket_bot.app[SOCKET_MODE]
    assert handler.client.web_client is socket_bot.app[SLACK].client
    assert await handler.client.is_connected()


async def test_a_slash_command_over_the_socket_is_acked_with_the_block_kit_reply_and_stored(
        socket_bot: SocketBot) -> None:
    payload = slash_command("/interview", "Latham callback yesterday", response_url=socket_bot.fake.response_url())

    ack = await socket_bot.fake.socket_send("slash_commands", payload, envelope_id="env-cmd-1")

    assert ack["envelope_id"] == "env-cmd-1"
    reply = ack["payload"]
    assert reply["response_type"] == "ephemeral"
    assert reply["text"] == "Logged callback interview at Latham, yesterday (#1)."
    assert reply["blocks"][0]["text"]["text"] == "Logged *callback interview* at Latham, yesterday (#1)."
    assert json.loads(button(reply["blocks"], "Undo")["value"]) == {"c": "cohort", "t": "delete 1"}
    assert socket_bot.fake.socket_acks == [ack]
    [row] = activities(socket_bot.db_path)
    assert (row["seq"], row["kind"], row["subtype"], row["org"]) == (1, "interview", "callback", "Latham")
    assert (row["happened_on"], row["source"], row["deleted_at"]) == ("2026-11-26", "slack:command", None)
    assert (row["user_id"], row["display_name"]) == ("U0001", "Alice")  # users.info through the fake
    assert socket_bot.fake.calls_to("response_url") == []  # the reply travelled in the ack, not afterwards


async def test_app_home_opened_over_the_socket_publishes_the_home_tab(socket_bot: SocketBot) -> None:
    body = json.loads(event_body(app_home_opened_event("U0001"), event_id="Ev0SOCKET1"))

    ack = await socket_bot.fake.socket_send("events_api", body, envelope_id="env-home-1")

    assert ack == {"envelope_id": "env-home-1"}  # events are acked without a payload
    [call] = await socket_bot.fake.wait_for_calls("views.publish", timeout=5)
    assert call.token == BOT_TOKEN and call.args["user_id"] == "U0001"
    assert socket_bot.fake.home_views["U0001"]["type"] == "home"


async def test_a_button_over_the_socket_answers_on_the_response_url(socket_bot: SocketBot) -> None:
    fake = socket_bot.fake
    logged = await fake.socket_send("slash_commands", slash_command("/interview", "Latham callback yesterday"))
    undo = button(logged["payload"]["blocks"], "Undo")
    payload = block_actions_payload(undo["action_id"], undo["value"], response_url=fake.response_url("undo"))

    ack = await fake.socket_send("interactive", payload)

    assert "payload" not in ack  # acked at once; the answer follows on the response_url
    await fake.wait_for_calls("response_url", timeout=5)
    [posted] = fake.response_url_posts("undo")
    assert posted["text"] == "Deleted #1 callback · Latham · yesterday."
    [row] = activities(socket_bot.db_path)
    assert row["deleted_at"] is not None


async def test_after_slacks_refresh_requested_the_app_reconnects_and_keeps_answering(socket_bot: SocketBot) -> None:
    fake = socket_bot.fake

    await fake.socket_disconnect("refresh_requested")  # Slack does this every few hours

    deadline = time.monotonic() + 5
    while fake.socket_connects < 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    assert fake.socket_connects == 2, "no reconnect after refresh_requested"
    assert len(fake.calls_to("apps.connections.open")) == 2  # a fresh URL for the new connection
    ack = await fake.socket_send("slash_commands", slash_command("/interview", "Latham callback yesterday"))
    assert ack["payload"]["text"] == "Logged callback interview at Latham, yesterday (#1)."
    deadline = time.monotonic() + 2
    while fake.socket_connections > 1 and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    assert fake.socket_connections == 1  # the old connection was closed, not left open beside the new one


# ---- `python -m bot serve` with SLACK_APP_TOKEN ----------------------------------------------------------------


@pytest.fixture
def threaded_fake() -> Iterator[FakeSlack]:
    with FakeSlack.start_in_thread() as server:
        server.add_user("U0001", name="alice", real_name="Alice Smith", display_name="Alice",
                        tz="America/New_York")
        yield server


def test_serve_in_socket_mode_answers_over_the_socket_and_stops_cleanly_on_sigterm(
        threaded_fake: FakeSlack, tmp_path: Path) -> None:
    fake = threaded_fake
    db_path = tmp_path / "cohortbot.db"
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "TEAMS_", "COHORTBOT_")) and k not in ("PORT", "HOST", *PROXY_VARS)}
    env.update(PYTHONUNBUFFERED="1", SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SECRET,
               SLACK_APP_TOKEN=APP_TOKEN, SLACK_API_URL=fake.url, COHORTBOT_DB=str(db_path), HOST="127.0.0.1",
               PORT=str(port), COHORTBOT_SWEEP_SECONDS="3600")
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 15
        while True:
            assert process.poll() is None, log_path.read_text(errors="replace")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                    if json.loads(response.read()) == {"ok": True}:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            assert time.monotonic() < deadline, "no /healthz within 15 s:\n" + log_path.read_text(errors="replace")
            time.sleep(0.05)
        fake.wait_socket_connected_sync(timeout=5)
        # Once to check the token before starting, once by the Socket Mode client to connect.
        opened = fake.calls_to("apps.connections.open")
        assert [call.token for call in opened] == [APP_TOKEN, APP_TOKEN]

        ack = fake.socket_send_sync("slash_commands", slash_command("/interview", "Latham callback yesterday"),
                                    timeout=5)

        reply = ack["payload"]
        assert reply["response_type"] == "ephemeral"
        assert reply["text"].startswith("Logged callback interview at Latham, yesterday")
        assert reply["text"].endswith("(#1).")
        assert [b["type"] for b in reply["blocks"]][0] == "section"
        [row] = activities(db_path)
        assert (row["kind"], row["subtype"], row["org"], row["source"]) == (
            "interview", "callback", "Latham", "slack:command")
        assert (row["user_id"], row["display_name"]) == ("U0001", "Alice")

        stopped_at = time.monotonic()
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=5)
        took = time.monotonic() - stopped_at
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)
    output = log_path.read_text(errors="replace")
    assert code == 0, output
    assert took < 5, output
    assert "Traceback" not in output, output
    assert "will be unused" not in output, output  # Bolt's token-skipped warning is filtered out
    # The app closed its websocket on the way out rather than leaving it to time out.
    deadline = time.monotonic() + 2
    while fake.socket_connections and time.monotonic() < deadline:
        time.sleep(0.01)
    assert fake.socket_connections == 0
    assert fake.socket_connects == 1  # one connection for the process's whole life, no reconnects


def serve_env(fake: FakeSlack, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "TEAMS_", "COHORTBOT_")) and k not in ("PORT", "HOST", *PROXY_VARS)}
    env.update(PYTHONUNBUFFERED="1", SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=fake.url,
               COHORTBOT_DB=str(tmp_path / "cohortbot.db"), HOST="127.0.0.1", PORT=str(free_port()),
               COHORTBOT_SWEEP_SECONDS="3600", **extra)
    return env


def test_serve_with_a_wrong_app_token_stops_at_once_with_a_clear_message(threaded_fake: FakeSlack,
                                                                         tmp_path: Path) -> None:
    # A bot token pasted where the app-level token belongs: Slack refuses it with not_allowed_token_type.
    env = serve_env(threaded_fake, tmp_path, SLACK_SIGNING_SECRET=SECRET, SLACK_APP_TOKEN="xoxb-not-an-app-token")
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 2
    assert time.monotonic() - started < 15
    assert "SLACK_APP_TOKEN was refused by Slack (not_allowed_token_type)" in result.stdout
    assert "xapp-" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert threaded_fake.socket_connects == 0


def test_socket_mode_without_a_signing_secret_refuses_http_but_answers_over_the_socket(
        threaded_fake: FakeSlack, tmp_path: Path) -> None:
    fake = threaded_fake
    env = serve_env(fake, tmp_path, SLACK_APP_TOKEN=APP_TOKEN)
    port = int(env["PORT"])
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
    try:
        fake.wait_socket_connected_sync(timeout=15)
        deadline = time.monotonic() + 15
        while True:  # the HTTP site starts right after the socket connects
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            assert time.monotonic() < deadline, log_path.read_text(errors="replace")
            time.sleep(0.05)
        # Without a secret no HTTP request can be verified, so /slack/events takes none, signed or not.
        body = "command=%2Finterview&text=Latham&team_id=T0001&user_id=U0001"
        request = urllib.request.Request(f"http://127.0.0.1:{port}/slack/events", data=body.encode(),
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)
        assert refused.value.code == 503
        assert "SLACK_SIGNING_SECRET" in refused.value.read().decode()
        ack = fake.socket_send_sync("slash_commands", slash_command("/interview", "Latham callback"), timeout=5)
        assert ack["payload"]["text"].startswith("Logged callback interview at Latham")
        assert len(activities(tmp_path / "cohortbot.db")) == 1
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    assert process.returncode == 0, log_path.read_text(errors="replace")
