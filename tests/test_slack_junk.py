"""Junk and replays at `POST /slack/events`: anything a client can send gets a 4xx (never a 5xx, never a
traceback), and an exact replay of a signed request is refused, in bounded memory.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import build_app, build_deps
from bot.config import Settings
from bot.transports.slack.guard import WINDOW, ReplayCache
from tests.fakeslack import FakeSlack
from tests.slack_signing import (
    block_actions_payload,
    interaction_body,
    sign,
    slash_command_body,
    view_submission_payload,
)
from tests.test_slack import SECRET, TOKEN, Bot, Clock, modal_values

pytestmark = pytest.mark.asyncio
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    async with FakeSlack() as fake:
        fake.add_user("U0001", name="alice", real_name="Alice", display_name="Alice", tz="America/New_York")
        settings = Settings(db_path=str(tmp_path / "c.db"), slack_bot_token=TOKEN, slack_signing_secret=SECRET,
                            slack_api_url=fake.url)
        deps = build_deps(settings, clock=Clock())
        async with TestClient(TestServer(build_app(settings, deps), host="127.0.0.1")) as client:
            yield Bot(client, fake, deps, tmp_path / "c.db", Clock())
        deps.db.conn.close()


def signed(body: str | bytes, content_type: str = FORM, **extra: str) -> dict[str, str]:
    raw = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    return {**sign(SECRET, raw, content_type=content_type), **extra}


def junk() -> list[tuple[str, bytes, dict[str, str]]]:
    """The kinds of junk a hostile run sent, unsigned and signed."""
    ts = str(int(time.time()))
    out: list[tuple[str, bytes, dict[str, str]]] = []
    bodies: list[tuple[str, str, str]] = [
        ("payload-list", "payload=%5B1%2C2%5D", FORM),
        ("payload-null", "payload=null", FORM),
        ("payload-number", "payload=7", FORM),
        ("payload-string", "payload=%22x%22", FORM),
        ("payload-actions-not-a-list", urlencode({"payload": json.dumps({"type": "block_actions", "actions": 5,
                                                                         "user": {"id": "U1"}})}), FORM),
        ("payload-actions-strings", urlencode({"payload": json.dumps({"type": "block_actions", "actions": ["a"],
                                                                      "user": {"id": "U1"}})}), FORM),
        ("payload-user-string", urlencode({"payload": json.dumps({"type": "block_actions", "user": "U1"})}), FORM),
        ("view-submission-without-state", urlencode({"payload": json.dumps(
            {"type": "view_submission", "user": {"id": "U0001", "team_id": "T0001"}, "team": {"id": "T0001"},
             "view": {"callback_id": "log_form", "private_metadata": "{}"}})}), FORM),
        ("view-submission-metadata-list", urlencode({"payload": json.dumps(
            {"type": "view_submission", "user": {"id": "U0001", "team_id": "T0001"}, "team": {"id": "T0001"},
             "view": {"callback_id": "log_form", "private_metadata": "[1]", "state": {"values": []}}})}), FORM),
        ("json-null", "null", "application/json"),
        ("json-list", "[1,2]", "application/json"),
        ("json-number", "3", "application/json"),
        ("json-string", "\"x\"", "application/json"),
        ("json-event-list", json.dumps({"type": "event_callback", "event": [1]}), "application/json"),
        ("json-event-null-fields", json.dumps({"type": "event_callback", "team_id": None, "event": {}}),
         "application/json"),
        ("json-broken", "{\"type\":", "application/json"),
        ("command-without-command", "text=hi&user_id=U1", FORM),
        ("command-odd-user", "command=%2Finterview&text=Latham&user_id=&team_id=", FORM),
        ("form-binary", "%FF%FE=%00", FORM),
        ("empty", "", FORM),
    ]
    for name, body, content_type in bodies:
        out.append((f"unsigned-{name}", body.encode(), {"Content-Type": content_type}))
        out.append((f"signed-{name}", body.encode(), signed(body, content_type)))
    headers_only = {
        "timestamp-abc": {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=00"},
        "timestamp-empty": {"X-Slack-Request-Timestamp": "", "X-Slack-Signature": "v0=00"},
        "timestamp-huge": {"X-Slack-Request-Timestamp": "9" * 400, "X-Slack-Signature": "v0=00"},
        "timestamp-negative": {"X-Slack-Request-Timestamp": "-5", "X-Slack-Signature": "v0=00"},
        "timestamp-unicode-digits": {"X-Slack-Request-Timestamp": "١٢٣", "X-Slack-Signature": "v0=00"},
        "signature-missing": {"X-Slack-Request-Timestamp": ts},
        "signature-not-hex": {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v0=zz"},
        "signature-no-prefix": {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "abc"},
    }
    body = slash_command_body("/interview", "Latham")
    for name, headers in headers_only.items():
        out.append((name, body.encode(), {"Content-Type": FORM, **headers}))
    out.append(("charset-bogus-unsigned", body.encode(), {"Content-Type": f"{FORM}; charset=bogus"}))
    latin = "command=%2Finterview&text=Caf\xe9".encode("latin-1")
    out.append(("latin-1-bytes-signed", latin, {"Content-Type": FORM, **sign_bytes(latin)}))
    return out


def sign_bytes(raw: bytes) -> dict[str, str]:
    import hashlib
    import hmac

    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), b"v0:" + ts.encode() + b":" + raw, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


@pytest.mark.parametrize(("name", "body", "headers"), junk(), ids=[case[0] for case in junk()])
async def test_junk_gets_a_4xx_with_one_warning_and_no_traceback(bot: Bot, caplog: pytest.LogCaptureFixture,
                                                                 name: str, body: bytes,
                                                                 headers: dict[str, str]) -> None:
    caplog.set_level(logging.WARNING)
    response = await bot.client.post("/slack/events", data=body, headers=headers)
    assert 400 <= response.status < 500, (name, response.status, await response.text())
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    assert bot.count("activities") == 0
    assert (await bot.client.get("/healthz")).status == 200


header_values = st.one_of(st.text(max_size=40), st.from_regex(r"\A[0-9]{1,14}\Z"), st.just(str(int(time.time()))))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)),
       content_type=st.sampled_from([FORM, "application/json", FORM + "; charset=bogus", "application/json; x=1"]),
       timestamp=header_values, signature=st.text(max_size=80), sign_it=st.booleans())
async def test_no_header_or_body_gets_a_5xx(bot: Bot, body: bytes, content_type: str, timestamp: str,
                                             signature: str, sign_it: bool) -> None:
    headers = {"Content-Type": content_type}
    if sign_it:
        headers.update(sign_bytes(body))
    else:
        headers.update({"X-Slack-Request-Timestamp": timestamp.replace("\n", " ").replace("\r", " "),
                        "X-Slack-Signature": signature.replace("\n", " ").replace("\r", " ")})
    try:
        response = await bot.client.post("/slack/events", data=body, headers=headers)
    except ValueError:  # aiohttp's client refuses some header values before sending: nothing reached us
        return
    assert response.status < 500, (response.status, await response.text())


async def test_a_signed_request_with_a_bogus_charset_is_read_as_the_utf_8_slack_sends(bot: Bot) -> None:
    body = slash_command_body("/interview", "Café Latham callback")
    response = await bot.post(body, {**signed(body), "Content-Type": f"{FORM}; charset=bogus"})
    assert response.status == 200
    assert [r["org"] for r in bot.activities()] == ["Café Latham"]


async def test_an_exact_replay_inside_the_window_is_refused_and_stores_nothing_twice(bot: Bot) -> None:
    body = slash_command_body("/interview", "Latham callback")
    headers = sign(SECRET, body)
    first = await bot.post(body, headers)
    assert first.status == 200
    again = await bot.post(body, headers)
    assert again.status == 401
    assert bot.count("activities") == 1
    # A button press replayed is refused the same way.
    press = interaction_body(block_actions_payload(action_id="cmd-0", value=json.dumps({"c": "progress", "t": ""})))
    press_headers = sign(SECRET, press)
    assert (await bot.post(press, press_headers)).status == 200
    assert (await bot.post(press, press_headers)).status == 401


def test_the_replay_cache_forgets_after_the_window_and_stays_bounded() -> None:
    now = [1000.0]
    cache = ReplayCache(capacity=100, clock=lambda: now[0])
    assert cache.first_time("v0=a") and not cache.first_time("v0=a")
    now[0] += WINDOW + 1
    assert cache.first_time("v0=a")  # too old to verify anyway: Slack's timestamp check refuses it
    for i in range(1000):
        cache.first_time(f"v0={i}")
    assert len(cache) <= 100




@pytest.mark.parametrize("seq", [2**70, -1, 0, 10**9])
async def test_a_form_naming_an_impossible_entry_id_is_refused_in_the_form(bot: Bot, seq: int) -> None:
    meta = json.dumps({"k": "interview", "ch": "C0001", "e": seq})
    payload = view_submission_payload("log_form", modal_values("Latham", "callback", "2026-11-26"),
                                      private_metadata=meta)
    response = await bot.interact(payload)
    assert response.status == 200
    answer = await response.json()
    assert answer["response_action"] == "errors" and "no longer yours" in answer["errors"]["org"]
    assert bot.count("activities") == 0


async def test_an_impossible_id_typed_or_pressed_gets_a_clear_private_reply(bot: Bot) -> None:
    reply = await bot.reply("/cohort", f"edit {2**70} date yesterday")
    assert reply["response_type"] == "ephemeral" and "is not an entry id" in reply["text"]
    press = block_actions_payload(action_id="cmd-0", value=json.dumps({"c": "cohort", "t": f"delete {2**70}"}),
                                  response_url=bot.fake.response_url("big"))
    assert (await bot.interact(press)).status == 200
    await bot.fake.wait_for_calls("response_url")
    [answer] = bot.fake.response_url_posts("big")
    assert answer["response_type"] == "ephemeral" and "is not an entry id" in answer["text"]
