"""Tests for the fake Slack Web API (tests/fakeslack.py) and request signing helpers."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import parse_qs, parse_qsl

import aiohttp
import pytest
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from tests.fakeslack import FakeSlack
from tests.slack_signing import (
    app_home_opened_event,
    block_actions_payload,
    build_view,
    event_body,
    interaction_body,
    sign,
    sign_json,
    signature,
    slash_command_body,
    view_submission_payload,
)

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-test"


def client_for(fake: FakeSlack, **kwargs: Any) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=fake.url, **kwargs)


# --------------------------------------------------------------------------- basics


@pytest.mark.asyncio
async def test_url_is_loopback_with_trailing_slash() -> None:
    async with FakeSlack() as fake:
        assert fake.url.startswith("http://127.0.0.1:")
        assert fake.url.endswith("/api/")
        assert fake.port > 0
        assert fake.response_url("abc") == f"http://127.0.0.1:{fake.port}/response_url/abc"


@pytest.mark.asyncio
async def test_records_post_message_from_real_async_client() -> None:
    async with FakeSlack() as fake:
        client = client_for(fake)
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
        resp = await client.chat_postMessage(channel="C0001", text="hello", blocks=blocks)

        assert resp["ok"] is True
        assert resp["channel"] == "C0001"
        ts = resp["ts"]
        whole, frac = ts.split(".")
        assert len(whole) == 10 and len(frac) == 6
        assert resp["message"]["text"] == "hello"
        assert resp["message"]["blocks"] == blocks
        assert resp["message"]["ts"] == ts

        [call] = fake.calls_to("chat.postMessage")
        assert call.token == TOKEN
        assert call.args["channel"] == "C0001"
        assert call.args["text"] == "hello"
        assert call.args["blocks"] == blocks
        assert call.at == pytest.approx(time.time(), abs=5)
        assert fake.failed_calls == []


@pytest.mark.asyncio
async def test_ts_values_are_unique_and_increasing() -> None:
    frozen = 1_700_000_000.0001
    async with FakeSlack(clock=lambda: frozen) as fake:
        client = client_for(fake)
        results = await asyncio.gather(
            *(client.chat_postMessage(channel="C1", text=str(i)) for i in range(5))
        )
        stamps = sorted(r["ts"] for r in results)
        assert len(set(stamps)) == 5
        assert stamps[0] == "1700000000.000100"
        assert [float(s) for s in stamps] == sorted(float(s) for s in stamps)


@pytest.mark.asyncio
async def test_missing_token_is_not_authed() -> None:
    async with FakeSlack() as fake:
        client = AsyncWebClient(base_url=fake.url)
        with pytest.raises(SlackApiError) as excinfo:
            await client.chat_postMessage(channel="C1", text="x")
        assert excinfo.value.response["error"] == "not_authed"


@pytest.mark.asyncio
async def test_auth_test_shape() -> None:
    async with FakeSlack() as fake:
        resp = await client_for(fake).auth_test()
        assert resp.data == {
            "ok": True,
            "url": "https://fake.slack.com/",
            "team": "Fake Team",
            "user": "cohortbot",
            "team_id": "T0FAKE",
            "user_id": "U0BOT",
            "bot_id": "B0BOT",
            "is_enterprise_install": False,
        }


@pytest.mark.asyncio
async def test_form_encoded_args_and_unknown_methods() -> None:
    async with FakeSlack() as fake:
        client = client_for(fake)
        # data= makes slack_sdk send a form-encoded body instead of JSON.
        resp = await client.api_call(
            "reactions.add", data={"channel": "C1", "name": "tada", "timestamp": "1.2"}
        )
        assert resp.data == {"ok": True}
        [call] = fake.calls_to("reactions.add")
        assert call.args == {"channel": "C1", "name": "tada", "timestamp": "1.2"}
        assert call.token == TOKEN


# --------------------------------------------------------------------------- fault injection


@pytest.mark.asyncio
async def test_rate_limited_call_is_retried_and_delivered_once() -> None:
    async with FakeSlack() as fake:
        fake.fail_next("chat.postMessage", status=429, retry_after=1)
        client = client_for(fake, retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)])

        started = time.monotonic()
        resp = await client.chat_postMessage(channel="C0001", text="standup reminder")
        elapsed = time.monotonic() - started

        assert resp["ok"] is True
        assert elapsed >= 1.0  # honoured Retry-After
        delivered = fake.calls_to("chat.postMessage")
        assert len(delivered) == 1
        assert delivered[0].args["text"] == "standup reminder"
        assert len(fake.failed_calls) == 1
        assert fake.failed_calls[0].status == 429
        assert fake.failed_calls[0].method == "chat.postMessage"
        assert len(fake.messages("C0001")) == 1


@pytest.mark.asyncio
async def test_rate_limit_without_retry_handler_surfaces_slack_error() -> None:
    async with FakeSlack() as fake:
        fake.fail_next("chat.postMessage", status=429, retry_after=7)
        with pytest.raises(SlackApiError) as excinfo:
            await client_for(fake).chat_postMessage(channel="C1", text="x")
        response = excinfo.value.response
        assert response.status_code == 429
        assert response["error"] == "ratelimited"
        assert response.headers["Retry-After"] == "7"
        assert fake.calls == []
        # Only the next call was failed.
        assert (await client_for(fake).chat_postMessage(channel="C1", text="x"))["ok"] is True


@pytest.mark.asyncio
async def test_server_error_then_ok_with_server_error_retry_handler() -> None:
    async with FakeSlack() as fake:
        fake.fail_next("chat.postMessage", status=500, times=2)
        handler = AsyncServerErrorRetryHandler(
            max_retry_count=3, interval_calculator=FixedValueRetryIntervalCalculator(0.01)
        )
        resp = await client_for(fake, retry_handlers=[handler]).chat_postMessage(channel="C1", text="x")
        assert resp["ok"] is True
        assert [c.status for c in fake.failed_calls] == [500, 500]
        assert len(fake.calls_to("chat.postMessage")) == 1


@pytest.mark.asyncio
async def test_server_error_without_retry_is_an_error() -> None:
    async with FakeSlack() as fake:
        fake.fail_next("users.info", status=500)
        with pytest.raises(SlackApiError) as excinfo:
            await client_for(fake).users_info(user="U1")
        assert excinfo.value.response.status_code == 500
        assert fake.calls == []
        assert fake.failed_calls_to("users.info")[0].args == {"user": "U1"}


@pytest.mark.asyncio
async def test_fail_next_only_affects_its_method() -> None:
    async with FakeSlack() as fake:
        fake.fail_next("views.publish", status=500)
        client = client_for(fake)
        assert (await client.chat_postMessage(channel="C1", text="x"))["ok"] is True
        with pytest.raises(SlackApiError):
            await client.views_publish(user_id="U1", view={"type": "home", "blocks": []})


@pytest.mark.asyncio
async def test_fail_ratio_with_retries_delivers_every_message_exactly_once() -> None:
    async with FakeSlack() as fake:
        fake.fail_ratio(0.3, seed=7, statuses=(429, 500), retry_after=0)
        fast = FixedValueRetryIntervalCalculator(0.01)
        client = client_for(
            fake,
            retry_handlers=[
                AsyncRateLimitErrorRetryHandler(max_retry_count=12),
                AsyncServerErrorRetryHandler(max_retry_count=12, interval_calculator=fast),
            ],
        )
        texts = [f"nudge {i}" for i in range(20)]
        await asyncio.gather(*(client.chat_postMessage(channel="C1", text=t) for t in texts))

        delivered = sorted(c.args["text"] for c in fake.calls_to("chat.postMessage"))
        assert delivered == sorted(texts)
        assert fake.failed_calls, "a 30% failure ratio over 20+ calls should fail something"
        assert {c.status for c in fake.failed_calls} <= {429, 500}


@pytest.mark.asyncio
async def test_fail_ratio_is_deterministic_for_a_seed() -> None:
    async def run() -> list[bool]:
        async with FakeSlack() as fake:
            fake.fail_ratio(0.5, seed=42, statuses=(500,))
            client = client_for(fake)
            outcome = []
            for i in range(12):
                try:
                    await client.chat_postMessage(channel="C1", text=str(i))
                    outcome.append(True)
                except SlackApiError:
                    outcome.append(False)
            assert len(fake.calls) + len(fake.failed_calls) == 12
            return outcome

    first, second = await run(), await run()
    assert first == second
    assert True in first and False in first


@pytest.mark.asyncio
async def test_latency_is_applied() -> None:
    async with FakeSlack() as fake:
        fake.latency = 0.2
        started = time.monotonic()
        await client_for(fake).auth_test()
        assert time.monotonic() - started >= 0.2


# --------------------------------------------------------------------------- stateful methods


@pytest.mark.asyncio
async def test_conversations_history_returns_posted_metadata() -> None:
    async with FakeSlack() as fake:
        fake.invite_bot("C9")  # reading a channel's history needs membership, as on Slack
        client = client_for(fake)
        first = await client.chat_postMessage(channel="C9", text="first")
        meta = {"event_type": "cohortbot_nudge", "event_payload": {"job_id": "job-1", "run": 3}}
        second = await client.chat_postMessage(channel="C9", text="second", metadata=meta)
        await client.chat_postMessage(channel="C_OTHER", text="elsewhere")

        history = await client.conversations_history(channel="C9", include_all_metadata=True)
        messages = history["messages"]
        assert [m["text"] for m in messages] == ["second", "first"]  # newest first
        assert messages[0]["metadata"] == meta
        assert messages[0]["ts"] == second["ts"]
        assert "metadata" not in messages[1]
        assert messages[0]["bot_id"] == "B0BOT"
        assert history["has_more"] is False

        # Like Slack, metadata is only returned when asked for.
        plain = await client.conversations_history(channel="C9")
        assert all("metadata" not in m for m in plain["messages"])

        # `oldest` is exclusive (unless inclusive=true).
        newer = await client.conversations_history(
            channel="C9", oldest=first["ts"], include_all_metadata=True
        )
        assert [m["text"] for m in newer["messages"]] == ["second"]
        both = await client.conversations_history(channel="C9", oldest=first["ts"], inclusive=True)
        assert len(both["messages"]) == 2

        # `limit` + cursor pagination.
        page1 = await client.conversations_history(channel="C9", limit=1)
        assert [m["text"] for m in page1["messages"]] == ["second"]
        assert page1["has_more"] is True
        cursor = page1["response_metadata"]["next_cursor"]
        page2 = await client.conversations_history(channel="C9", limit=1, cursor=cursor)
        assert [m["text"] for m in page2["messages"]] == ["first"]
        assert page2["has_more"] is False


@pytest.mark.asyncio
async def test_failed_post_does_not_show_in_history() -> None:
    async with FakeSlack() as fake:
        fake.invite_bot("C1")  # reading a channel's history needs membership, as on Slack
        fake.fail_next("chat.postMessage", status=500)
        client = client_for(fake)
        with pytest.raises(SlackApiError):
            await client.chat_postMessage(channel="C1", text="lost")
        history = await client.conversations_history(channel="C1")
        assert history["messages"] == []


@pytest.mark.asyncio
async def test_thread_replies_are_not_in_history() -> None:
    async with FakeSlack() as fake:
        fake.invite_bot("C1")  # reading a channel's history needs membership, as on Slack
        client = client_for(fake)
        parent = await client.chat_postMessage(channel="C1", text="parent")
        await client.chat_postMessage(channel="C1", text="reply", thread_ts=parent["ts"])
        history = await client.conversations_history(channel="C1")
        assert [m["text"] for m in history["messages"]] == ["parent"]
        assert history["messages"][0]["reply_count"] == 1


@pytest.mark.asyncio
async def test_dm_via_user_id_and_conversations_open_agree() -> None:
    async with FakeSlack() as fake:
        client = client_for(fake)
        opened = await client.conversations_open(users="U0042")
        assert opened["channel"]["id"] == "D0042"
        posted = await client.chat_postMessage(channel="U0042", text="hi")
        assert posted["channel"] == "D0042"
        history = await client.conversations_history(channel="D0042")
        assert [m["text"] for m in history["messages"]] == ["hi"]


@pytest.mark.asyncio
async def test_users_info_known_and_unknown() -> None:
    async with FakeSlack() as fake:
        fake.add_user(
            "U0001",
            name="alice",
            real_name="Alice Example",
            display_name="ali",
            tz="America/Los_Angeles",
            is_admin=True,
        )
        client = client_for(fake)
        resp = await client.users_info(user="U0001")
        user = resp["user"]
        assert user["id"] == "U0001"
        assert user["name"] == "alice"
        assert user["real_name"] == "Alice Example"
        assert user["tz"] == "America/Los_Angeles"
        assert user["tz_offset"] in (-8 * 3600, -7 * 3600)
        assert user["is_admin"] is True
        assert user["profile"]["display_name"] == "ali"
        assert user["profile"]["real_name"] == "Alice Example"

        with pytest.raises(SlackApiError) as excinfo:
            await client.users_info(user="U9999")
        assert excinfo.value.response["error"] == "user_not_found"
        # ok:false answers were still delivered.
        assert len(fake.calls_to("users.info")) == 2


@pytest.mark.asyncio
async def test_views_open_and_publish() -> None:
    async with FakeSlack() as fake:
        client = client_for(fake)
        modal = {
            "type": "modal",
            "callback_id": "goal",
            "title": {"type": "plain_text", "text": "Goal"},
            "blocks": [],
        }
        opened = await client.views_open(trigger_id="123.456.abc", view=modal)
        view_id = opened["view"]["id"]
        assert view_id.startswith("V")
        assert opened["view"]["callback_id"] == "goal"

        home = {"type": "home", "blocks": [{"type": "divider"}]}
        first = await client.views_publish(user_id="U0001", view=home)
        again = await client.views_publish(user_id="U0001", view=home)
        assert first["view"]["id"] == again["view"]["id"]
        assert fake.home_views["U0001"]["blocks"] == [{"type": "divider"}]

        with pytest.raises(SlackApiError):
            await client.views_open(trigger_id="", view=modal)


@pytest.mark.asyncio
async def test_post_ephemeral_is_not_stored_in_the_channel() -> None:
    async with FakeSlack() as fake:
        client = client_for(fake)
        eph = await client.chat_postEphemeral(channel="C1", user="U1", text="only you")
        assert eph["ok"] is True and "message_ts" in eph
        assert fake.messages("C1") == []


@pytest.mark.asyncio
async def test_response_url_posts_are_recorded() -> None:
    async with FakeSlack() as fake:
        webhook = AsyncWebhookClient(fake.response_url("cmd-1"))
        resp = await webhook.send(text="done", response_type="ephemeral")
        assert resp.status_code == 200
        [call] = fake.calls_to("response_url")
        assert call.args == {"text": "done", "response_type": "ephemeral"}
        assert call.path == "/response_url/cmd-1"
        assert fake.response_url_posts("cmd-1") == [call.args]
        assert fake.response_url_posts("other") == []


@pytest.mark.asyncio
async def test_wait_for_calls_times_out_with_context() -> None:
    async with FakeSlack() as fake:
        with pytest.raises(TimeoutError, match="chat.postMessage"):
            await fake.wait_for_calls("chat.postMessage", timeout=0.05)


# --------------------------------------------------------------------------- thread mode


def test_thread_mode_with_sync_web_client() -> None:
    fake = FakeSlack.start_in_thread()
    try:
        fake.add_user("U0007", name="bob", real_name="Bob B")
        fake.invite_bot("C5")
        client = WebClient(token=TOKEN, base_url=fake.url)
        assert client.auth_test()["user_id"] == "U0BOT"
        resp = client.chat_postMessage(
            channel="C5", text="from sync", metadata={"event_type": "t", "event_payload": {"k": 1}}
        )
        assert resp["ok"] is True
        assert client.users_info(user="U0007")["user"]["real_name"] == "Bob B"
        history = client.conversations_history(channel="C5", include_all_metadata=True)
        assert history["messages"][0]["metadata"] == {"event_type": "t", "event_payload": {"k": 1}}

        [call] = fake.wait_for_calls_sync("chat.postMessage")
        assert call.args["text"] == "from sync"
        assert call.token == TOKEN
    finally:
        fake.stop()
    fake.stop()  # idempotent


def test_thread_mode_context_manager_and_sync_retry() -> None:
    with FakeSlack.start_in_thread() as fake:
        fake.fail_next("chat.postMessage", status=429, retry_after=0)
        client = WebClient(
            token=TOKEN, base_url=fake.url, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)]
        )
        assert client.chat_postMessage(channel="C1", text="x")["ok"] is True
        assert len(fake.calls_to("chat.postMessage")) == 1
        assert len(fake.failed_calls) == 1
        url = fake.url
    # The server is gone after the block.
    with pytest.raises(Exception):  # noqa: B017 - any connection error will do
        WebClient(token=TOKEN, base_url=url, timeout=2).auth_test()


# --------------------------------------------------------------------------- signing helpers


def test_sign_is_verified_by_slack_sdk() -> None:
    body = slash_command_body("/cohort", "goal add apply to 3 firms")
    headers = sign(SECRET, body)
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid(
        body=body,
        timestamp=headers["X-Slack-Request-Timestamp"],
        signature=headers["X-Slack-Signature"],
    )
    assert verifier.is_valid_request(body, headers)
    assert not SignatureVerifier("other-secret").is_valid_request(body, headers)
    # bytes bodies sign identically
    assert sign(SECRET, body.encode(), 1_700_000_000) == sign(SECRET, body, 1_700_000_000)


def test_signature_matches_slack_documented_example() -> None:
    # Example from Slack's "Verifying requests from Slack" guide.
    body = (
        "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
        "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
        "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
        "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    )
    assert (
        signature(SECRET, body, 1531420618)
        == "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    )


def test_slash_command_body_has_exactly_slacks_fields() -> None:
    body = slash_command_body("/cohort", "checkin", user_id="U0002", response_url="http://127.0.0.1:1/r")
    fields = [k for k, _ in parse_qsl(body, keep_blank_values=True)]
    assert fields == [
        "token",
        "team_id",
        "team_domain",
        "channel_id",
        "channel_name",
        "user_id",
        "user_name",
        "command",
        "text",
        "api_app_id",
        "is_enterprise_install",
        "response_url",
        "trigger_id",
    ]
    parsed = dict(parse_qsl(body, keep_blank_values=True))
    assert parsed["command"] == "/cohort"
    assert parsed["text"] == "checkin"
    assert parsed["user_id"] == "U0002"
    assert parsed["is_enterprise_install"] == "false"
    grid = dict(parse_qsl(slash_command_body("/c", enterprise_id="E1", enterprise_name="Org")))
    assert grid["enterprise_id"] == "E1" and grid["enterprise_name"] == "Org"


def test_interaction_and_event_bodies_round_trip() -> None:
    payload = block_actions_payload("done", "goal-1")
    body = interaction_body(payload)
    assert json.loads(parse_qs(body)["payload"][0]) == payload

    event = app_home_opened_event("U0003")
    raw = event_body(event, team_id="T0001", event_id="Ev0001")
    envelope = json.loads(raw)
    assert envelope["type"] == "event_callback"
    assert envelope["event"] == event
    assert envelope["event_id"] == "Ev0001"
    assert envelope["authorizations"][0]["is_bot"] is True
    headers = sign_json(SECRET, raw)
    assert headers["Content-Type"] == "application/json"
    assert SignatureVerifier(SECRET).is_valid_request(raw, headers)


# --------------------------------------------------------------------------- bolt accepts the payloads


def _bolt_request(body: str, headers: dict[str, str]) -> AsyncBoltRequest:
    return AsyncBoltRequest(body=body, headers={k.lower(): v for k, v in headers.items()})


@pytest.mark.asyncio
async def test_bolt_app_handles_signed_requests_against_fake() -> None:
    async with FakeSlack() as fake:
        app = AsyncApp(client=client_for(fake), signing_secret=SECRET)
        seen: dict[str, Any] = {}

        @app.command("/cohort")
        async def on_command(ack: Any, command: dict[str, Any], respond: Any) -> None:
            await ack()
            seen["command"] = command
            await respond("got it")

        @app.action("done")
        async def on_action(ack: Any, action: dict[str, Any], body: dict[str, Any], say: Any) -> None:
            await ack()
            seen["action"] = action
            await say("marked done")

        @app.action("home_done")
        async def on_home_action(ack: Any, body: dict[str, Any]) -> None:
            await ack()
            seen["home_action"] = body

        @app.view("goal_modal")
        async def on_view(ack: Any, view: dict[str, Any]) -> None:
            await ack()
            seen["view"] = view

        @app.event("app_home_opened")
        async def on_home(event: dict[str, Any], client: AsyncWebClient) -> None:
            seen["home"] = event
            await client.views_publish(user_id=event["user"], view={"type": "home", "blocks": []})

        body = slash_command_body("/cohort", "status", response_url=fake.response_url("cmd"))
        resp = await app.async_dispatch(_bolt_request(body, sign(SECRET, body)))
        assert resp.status == 200
        assert seen["command"]["text"] == "status"
        assert fake.response_url_posts("cmd")[0]["text"] == "got it"

        body = interaction_body(block_actions_payload("done", "goal-1", channel_id="C0007"))
        resp = await app.async_dispatch(_bolt_request(body, sign(SECRET, body)))
        assert resp.status == 200
        assert seen["action"]["value"] == "goal-1"
        assert fake.messages("C0007")[0]["text"] == "marked done"

        home_action = block_actions_payload("home_done", "x", view=build_view(view_type="home"))
        assert home_action["container"]["type"] == "view"
        body = interaction_body(home_action)
        assert (await app.async_dispatch(_bolt_request(body, sign(SECRET, body)))).status == 200
        assert seen["home_action"]["view"]["type"] == "home"

        payload = view_submission_payload("goal_modal", {"goal_block": {"goal_input": "3 applications"}})
        body = interaction_body(payload)
        resp = await app.async_dispatch(_bolt_request(body, sign(SECRET, body)))
        assert resp.status == 200
        state = seen["view"]["state"]["values"]
        assert state["goal_block"]["goal_input"] == {"type": "plain_text_input", "value": "3 applications"}

        raw = event_body(app_home_opened_event("U0005"))
        resp = await app.async_dispatch(_bolt_request(raw, sign_json(SECRET, raw)))
        assert resp.status == 200
        await fake.wait_for_calls("views.publish")
        assert "U0005" in fake.home_views

        bad = slash_command_body("/cohort", "x")
        resp = await app.async_dispatch(_bolt_request(bad, sign("wrong-secret", bad)))
        assert resp.status == 401


# --------------------------------------------------------------------------- many workspaces (OAuth)


@pytest.mark.asyncio
@pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")  # slack_sdk's, on aiohttp 3.14
async def test_oauth_v2_access_exchanges_a_code_once_for_the_second_teams_bot_token() -> None:
    async with FakeSlack(oauth_client=("111.222", "s3cret")) as fake:
        fake.add_oauth_code("code-1", team_id="T0TWO", token="xoxb-two", scopes=["commands", "chat:write"])
        client = AsyncWebClient(base_url=fake.url)
        with pytest.raises(SlackApiError, match="bad_client_secret"):
            await client.oauth_v2_access(client_id="111.222", client_secret="wrong", code="code-1")
        answer = await client.oauth_v2_access(client_id="111.222", client_secret="s3cret", code="code-1")
        assert answer["access_token"] == "xoxb-two" and answer["token_type"] == "bot"
        assert answer["team"] == {"id": "T0TWO", "name": "Team 0TWO"} and answer["app_id"] == "A0FAKE"
        assert answer["scope"] == "commands,chat:write" and answer["bot_user_id"] == "U0BOT0TWO"
        with pytest.raises(SlackApiError, match="invalid_code"):  # a code works once
            await client.oauth_v2_access(client_id="111.222", client_secret="s3cret", code="code-1")
        calls = fake.calls_to("oauth.v2.access")
        assert [c.args["client_id"] for c in calls] == ["111.222"] * 3
        assert all("client_secret" not in c.args for c in calls)  # the secret is never recorded


@pytest.mark.asyncio
async def test_each_token_answers_for_its_own_team_and_calls_record_it() -> None:
    async with FakeSlack() as fake:
        fake.add_team("T0TWO", "xoxb-two", name="Second")
        two = AsyncWebClient(token="xoxb-two", base_url=fake.url)
        assert (await two.auth_test())["team_id"] == "T0TWO"
        assert (await client_for(fake).auth_test())["team_id"] == "T0FAKE"  # any other token: the default team
        posted = await two.chat_postMessage(channel="C1", text="hi")
        assert posted["message"]["team"] == "T0TWO" and posted["message"]["bot_id"] == "B0BOT0TWO"
        assert [c.method for c in fake.calls_with("xoxb-two")] == ["auth.test", "chat.postMessage"]
        fake.revoke("xoxb-two")
        with pytest.raises(SlackApiError, match="token_revoked"):
            await two.auth_test()


@pytest.mark.asyncio
async def test_the_history_limit_is_enforced_per_workspace_and_pages_are_cut() -> None:
    now = [1_800_000_000.0]
    async with FakeSlack(clock=lambda: now[0], history_limit_per_minute=1, history_max_page=15) as fake:
        fake.add_team("T0TWO", "xoxb-two")
        one, two = client_for(fake), AsyncWebClient(token="xoxb-two", base_url=fake.url)
        for i in range(20):
            await one.chat_postMessage(channel="D0001", text=f"m{i}")
        page = await one.conversations_history(channel="D0001", limit=200)
        assert len(page["messages"]) == 15 and page["has_more"] is True
        assert (await two.conversations_history(channel="D0002"))["ok"]  # another workspace has its own minute
        now[0] += 59
        with pytest.raises(SlackApiError) as refused:
            await one.conversations_history(channel="D0001")
        assert refused.value.response.status_code == 429
        assert refused.value.response.headers["Retry-After"] == "60"
        assert [c.status for c in fake.failed_calls_to("conversations.history")] == [429]
        now[0] += 1.5
        assert (await one.conversations_history(channel="D0001"))["ok"]


# --------------------------------------------------------------------------- files (files_upload_v2)


@pytest.mark.asyncio
async def test_files_upload_v2_uploads_the_bytes_and_shares_them_into_the_dm() -> None:
    content = "date,organisation\r\n2026-11-27,Müller & Co\r\n".encode()
    async with FakeSlack(scopes={"files:write", "im:write", "im:history"}) as fake:
        client = client_for(fake)
        dm = (await client.conversations_open(users="U0001"))["channel"]["id"]

        done = await client.files_upload_v2(channel=dm, content=content, filename="cohort.csv", title="Export")

        assert done["ok"] is True and done["file"]["title"] == "Export" and done["file"]["name"] == "cohort.csv"
        assert [c.method for c in fake.calls] == ["conversations.open", "files.getUploadURLExternal", "upload",
                                                  "files.completeUploadExternal"]
        asked = fake.calls_to("files.getUploadURLExternal")[0].args
        assert (asked["filename"], int(asked["length"])) == ("cohort.csv", len(content))
        assert fake.calls_to("upload")[0].path.startswith("/upload/v1/")  # on the fake's own loopback server
        [shared] = fake.files_in("U0001")  # a user id means their DM
        assert shared is fake.files[done["file"]["id"]] and fake.files_in(dm) == [shared]
        assert (shared.content, shared.filename, shared.title, shared.channels) == (content, "cohort.csv", "Export",
                                                                                   [dm])
        assert shared.completed and shared.team_id == fake.team_id
        [message] = (await client.conversations_history(channel=dm))["messages"]
        assert message["files"][0]["id"] == shared.id and message["upload"] is True


@pytest.mark.asyncio
async def test_files_need_files_write_when_scopes_are_enforced() -> None:
    async with FakeSlack(scopes={"chat:write", "im:write"}) as fake:
        with pytest.raises(SlackApiError) as refused:
            await client_for(fake).files_upload_v2(channel="D0001", content=b"x", filename="a.csv")
        assert refused.value.response["error"] == "missing_scope"
        assert refused.value.response["needed"] == "files:write"
        assert fake.files == {} and fake.calls_to("upload") == []


@pytest.mark.asyncio
async def test_an_upload_is_completed_once_and_only_after_its_bytes_arrived() -> None:
    async with FakeSlack() as fake:
        client = client_for(fake)
        started = await client.files_getUploadURLExternal(filename="a.csv", length=3)
        file_id = started["file_id"]
        assert started["upload_url"] == f"{fake.origin}/upload/v1/{file_id}"
        with pytest.raises(SlackApiError, match="file_not_found"):  # nothing uploaded yet
            await client.files_completeUploadExternal(files=[{"id": file_id, "title": "A"}])
        async with aiohttp.ClientSession() as session:
            async with session.post(started["upload_url"], data=b"toolong") as wrong:
                assert (wrong.status, await wrong.text()) == (400, "length_mismatch")
            async with session.post(started["upload_url"], data=b"a,b") as right:
                assert (right.status, await right.text()) == (200, "OK - 3")
        with pytest.raises(SlackApiError, match="not_in_channel"):  # a channel the bot is not in
            await client.files_completeUploadExternal(files=[{"id": file_id}], channel_id="C0NOTIN")
        done = await client.files_completeUploadExternal(files=[{"id": file_id, "title": "A"}])  # no channel
        assert done["files"][0]["channels"] == [] and fake.files[file_id].content == b"a,b"
        with pytest.raises(SlackApiError, match="file_not_found"):  # already completed
            await client.files_completeUploadExternal(files=[{"id": file_id}], channel_id="D0001")
        with pytest.raises(SlackApiError, match="invalid_arguments"):
            await client.files_getUploadURLExternal(filename="", length=0)
