"""Integration tests: the real aiohttp app with Bolt, signed requests shaped as Slack sends them, a fake Web API.

Every test posts to `POST /slack/events` on `bot.app.build_app(...)` served on 127.0.0.1, then checks what a
member would see (status, the JSON acknowledgement, messages and views sent through the fake Web API) and what was
stored (rows read back from the SQLite file with a separate connection).
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer
from slack_sdk.models.blocks import Block

from bot.app import build_app, build_deps
from bot.config import Settings
from commands.model import Deps
from tests.fakeslack import Call, FakeSlack
from tests.slack_signing import (
    app_home_opened_event,
    block_actions_payload,
    event_body,
    interaction_body,
    sign,
    sign_json,
    slash_command_body,
    url_verification_body,
    view_submission_payload,
)

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-test"
# Friday 27 November 2026, 10:00 in New York (the default timezone), 05:00 in Honolulu.
FRIDAY = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
TODAY = date(2026, 11, 27)
YESTERDAY = date(2026, 11, 26)
JsonDict = dict[str, Any]


class Clock:
    """A clock frozen at `now`; the app reads it through Deps."""

    def __init__(self, now: datetime = FRIDAY) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def slack_escape(text: str) -> str:
    """What Slack does to slash command text before posting it: &, < and > become entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass
class Bot:
    """The app under test, the fake Web API it talks to, and helpers to send what Slack sends."""

    client: TestClient[Any, Any]
    fake: FakeSlack
    deps: Deps
    db_path: Path
    clock: Clock

    async def post(self, body: str, headers: dict[str, str]) -> ClientResponse:
        return await self.client.post("/slack/events", data=body.encode("utf-8"), headers=headers)

    async def command(
        self, command: str, text: str = "", *, secret: str = SECRET, timestamp: int | None = None, **fields: Any
    ) -> ClientResponse:
        body = slash_command_body(command, slack_escape(text), **fields)
        return await self.post(body, sign(secret, body, timestamp))

    async def reply(self, command: str, text: str = "", **fields: Any) -> JsonDict:
        """A slash command whose answer comes back inside the acknowledgement (a JSON message)."""
        response = await self.command(command, text, **fields)
        assert response.status == 200, await response.text()
        assert response.content_type == "application/json", await response.text()
        body: JsonDict = await response.json()
        return body

    async def interact(self, payload: JsonDict) -> ClientResponse:
        body = interaction_body(payload)
        return await self.post(body, sign(SECRET, body))

    async def event(
        self, event: JsonDict, *, event_id: str | None = None, team_id: str = "T0001", retry_num: int | None = None
    ) -> ClientResponse:
        body = event_body(event, event_id=event_id, team_id=team_id)
        headers = sign_json(SECRET, body)
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        return await self.post(body, headers)

    def query(self, sql: str, *params: Any) -> list[sqlite3.Row]:
        conn = sqlite3.connect(self.db_path)
        try:
            conn.row_factory = sqlite3.Row
            return list(conn.execute(sql, params).fetchall())
        finally:
            conn.close()

    def count(self, table: str) -> int:
        return int(self.query(f"SELECT COUNT(*) AS n FROM {table}")[0]["n"])

    def counts(self) -> dict[str, int]:
        return {t: self.count(t) for t in ("workspaces", "members", "activities", "seen_events")}

    def activities(self, team_id: str = "T0001") -> list[sqlite3.Row]:
        return self.query(
            "SELECT a.*, m.user_id, m.display_name, m.tz FROM activities a JOIN members m ON m.id = a.member_id "
            "JOIN workspaces w ON w.id = a.workspace_id WHERE w.platform = 'slack' AND w.external_id = ? "
            "ORDER BY a.seq",
            team_id,
        )

    def member(self, user_id: str, team_id: str = "T0001") -> sqlite3.Row:
        rows = self.query(
            "SELECT m.* FROM members m JOIN workspaces w ON w.id = m.workspace_id "
            "WHERE w.platform = 'slack' AND w.external_id = ? AND m.user_id = ?",
            team_id,
            user_id,
        )
        assert len(rows) == 1, rows
        return rows[0]

    def methods(self) -> list[str]:
        return [c.method for c in self.fake.calls]


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as server:
        server.add_user("U0001", name="alice", real_name="Alice Smith", display_name="Alice",
                        tz="America/New_York")
        server.add_user("U0002", name="bob", real_name="Bob Jones", display_name="Bob", tz="America/Chicago")
        yield server


@pytest.fixture
async def bot(fake: FakeSlack, tmp_path: Path) -> AsyncIterator[Bot]:
    db_path = tmp_path / "cohortbot.db"
    settings = Settings(db_path=str(db_path), slack_bot_token=TOKEN, slack_signing_secret=SECRET,
                        slack_api_url=fake.url)
    clock = Clock()
    deps = build_deps(settings, clock=clock)
    app = build_app(settings, deps)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        assert client.host == "127.0.0.1"
        yield Bot(client, fake, deps, db_path, clock)
    deps.db.conn.close()


# ---- reading Block Kit ----------------------------------------------------------------------------------


def iter_texts(node: Any) -> Iterator[str]:
    """Every `text` string inside blocks (sections, headers, context elements, button labels)."""
    if isinstance(node, dict):
        text = node.get("text")
        if isinstance(text, str):
            yield text
        for key, value in node.items():
            if key != "text" or not isinstance(value, str):
                yield from iter_texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from iter_texts(item)


def all_text(blocks: list[JsonDict]) -> str:
    return "\n".join(iter_texts(blocks))


def buttons(blocks: list[JsonDict]) -> list[JsonDict]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["type"] == "button"]


def button(blocks: list[JsonDict], label: str) -> JsonDict:
    found = [b for b in buttons(blocks) if b["text"]["text"] == label]
    assert len(found) == 1, [b["text"]["text"] for b in buttons(blocks)]
    return found[0]


def view_arg(call: Call) -> JsonDict:
    view = call.args["view"]
    parsed: JsonDict = json.loads(view) if isinstance(view, str) else view
    return parsed


def blocks_arg(args: JsonDict) -> list[JsonDict]:
    blocks = args.get("blocks", [])
    parsed: list[JsonDict] = json.loads(blocks) if isinstance(blocks, str) else blocks
    return parsed


ENTITY = re.compile(r"&(?!(amp|lt|gt);)")


def assert_within_slack_limits(blocks: list[JsonDict], max_blocks: int = 50) -> None:
    """Slack's limits, checked by slack_sdk's models and by hand where the models don't check."""
    assert 0 < len(blocks) <= max_blocks, len(blocks)
    for block in blocks:
        Block.parse(block).validate_json()  # type: ignore[union-attr]
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
        if block["type"] == "context":
            assert len(block["elements"]) <= 10
    for text in iter_texts(blocks):
        assert len(text) <= 3000
        assert not ENTITY.search(text), f"a bare or cut entity in {text[-40:]!r}"
    assert sum(len(t) for t in iter_texts(blocks)) <= 12_000


# ---- slash commands: replies inside the acknowledgement -----------------------------------------------------


async def test_interview_text_form_replies_privately_with_block_kit_and_stores_the_row(bot: Bot) -> None:
    reply = await bot.reply("/interview", "Latham callback yesterday -- met two partners")

    assert reply["response_type"] == "ephemeral"
    assert reply["text"] == "Logged callback interview at Latham, yesterday (#1)."
    blocks = reply["blocks"]
    # Her first command: the entry's confirmation, then the welcome (a heading and two paragraphs).
    assert [b["type"] for b in blocks] == ["section", "section", "context", "actions", "header", "section",
                                           "context"]
    assert blocks[4]["text"]["text"] == "Welcome to cohortbot"
    assert blocks[0]["text"] == {"type": "mrkdwn", "text": "Logged *callback interview* at Latham, yesterday (#1).",
                                 "verbatim": True}
    assert "+3 points" in blocks[1]["text"]["text"]
    assert "This week: 1 of your goal of 3" in blocks[1]["text"]["text"]
    assert blocks[2]["elements"][0]["text"] == "Notes: met two partners"
    assert json.loads(button(blocks, "Undo")["value"]) == {"c": "cohort", "t": "delete 1"}
    assert json.loads(button(blocks, "Share with the channel")["value"]) == {"c": "cohort", "t": "share 1"}
    assert_within_slack_limits(blocks)

    [row] = bot.activities()
    assert (row["seq"], row["kind"], row["subtype"], row["org"]) == (1, "interview", "callback", "Latham")
    assert (row["happened_on"], row["notes"], row["points"]) == ("2026-11-26", "met two partners", 3)
    assert row["status"] == "done" and row["deleted_at"] is None
    assert row["source"] == "slack:command"
    assert (row["user_id"], row["display_name"], row["tz"]) == ("U0001", "Alice", "America/New_York")


async def test_share_flag_posts_in_channel_without_the_private_notes(bot: Bot) -> None:
    reply = await bot.reply("/network", '"Dana Lee, Ropes & Gray" coffee --share -- she knows the hiring partner')

    # The acknowledgement stays private: an in_channel answer would show the typed command, notes included.
    assert reply["response_type"] == "ephemeral"
    [post] = await bot.fake.wait_for_calls("chat.postMessage")
    assert post.args["channel"] == "C0001"
    text = all_text(blocks_arg(post.args))
    assert "Alice" in text and "Dana Lee, Ropes &amp; Gray" in text and "coffee" in text
    assert "hiring partner" not in json.dumps(post.args)  # the notes stay in the member's private confirmation
    assert "hiring partner" in json.dumps(reply) and "Shared with the channel" in json.dumps(reply)
    [row] = bot.activities()
    assert (row["kind"], row["subtype"], row["org"]) == ("networking", "coffee", "Dana Lee, Ropes & Gray")
    assert row["notes"] == "she knows the hiring partner"


async def test_leaderboard_is_a_header_a_table_and_a_context_line(bot: Bot) -> None:
    await bot.reply("/interview", "Latham callback yesterday")
    await bot.reply("/network", "Dana Lee informational", user_id="U0002", user_name="bob")
    await bot.reply("/interview", "Cravath screener", user_id="U0002", user_name="bob")

    reply = await bot.reply("/leaderboard")

    assert reply["response_type"] == "ephemeral"
    blocks = reply["blocks"]
    assert [b["type"] for b in blocks] == ["header", "section", "context"]
    assert blocks[0]["text"]["text"] == "Leaderboard, this week"
    table = blocks[1]["text"]["text"]
    assert table.startswith("```") and table.endswith("```")
    lines = table.strip("`").splitlines()
    bob = next(line for line in lines if "Bob" in line)
    alice = next(line for line in lines if "Alice (you)" in line)
    assert bob.split()[:4] == ["1", "Bob", "6", "1"]
    assert alice.split()[1:6] == ["2", "Alice", "(you)", "3", "1"]
    assert blocks[2]["elements"][0]["text"] == (
        "Cohort this week: 2 interviews and 1 meeting from 2 members, 9 points.")
    assert_within_slack_limits(blocks)


async def test_usage_errors_are_private_and_store_nothing(bot: Bot) -> None:
    reply = await bot.reply("/leaderboard", "fortnight")

    assert reply["response_type"] == "ephemeral"
    assert "fortnight" in all_text(reply["blocks"])
    assert bot.count("activities") == 0


# ---- request verification ---------------------------------------------------------------------------------


def _unsigned(body: str) -> dict[str, str]:
    return {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize(
    "headers_for",
    [
        pytest.param(_unsigned, id="unsigned"),
        pytest.param(lambda body: sign("not-the-secret", body), id="wrong-secret"),
        pytest.param(lambda body: sign(SECRET, body, int(time.time()) - 6 * 60), id="six-minutes-old"),
        pytest.param(lambda body: {**sign(SECRET, body), "X-Slack-Signature": "v0=" + "0" * 64}, id="forged"),
    ],
)
async def test_requests_that_do_not_come_from_slack_get_401_and_store_nothing(bot: Bot, headers_for: Any) -> None:
    await bot.reply("/interview", "Latham callback")  # something already stored, which must not change
    before = bot.counts()
    calls = len(bot.fake.calls)

    for command, text in (("/interview", "Cravath screener"), ("/cohort", "delete 1"), ("/cohort", "goal 9")):
        body = slash_command_body(command, text, user_id="U0002")
        response = await bot.post(body, headers_for(body))
        assert response.status == 401
        assert "Logged" not in await response.text()

    assert bot.counts() == before
    assert bot.activities()[0]["deleted_at"] is None
    assert bot.member("U0001")["weekly_goal"] == 3
    assert len(bot.fake.calls) == calls  # no users.info for the stranger, nothing else either


async def test_modified_body_with_an_old_signature_gets_401(bot: Bot) -> None:
    body = slash_command_body("/interview", "Latham callback")
    headers = sign(SECRET, body)
    tampered = body.replace("Latham", "Cravath")

    response = await bot.post(tampered, headers)

    assert response.status == 401
    assert bot.count("activities") == 0


# ---- Web API use: profiles -------------------------------------------------------------------------------


async def test_a_known_member_costs_no_web_api_call_beyond_bolts_auth_test(bot: Bot) -> None:
    await bot.reply("/interview", "Latham callback")
    assert bot.methods() == ["auth.test", "users.info"]
    assert bot.fake.calls_to("users.info")[0].args["user"] == "U0001"

    await bot.reply("/network", "Dana Lee coffee")
    await bot.reply("/leaderboard")
    await bot.reply("/progress")
    await bot.reply("/cohort", "goal 4")

    assert bot.methods() == ["auth.test", "users.info"]
    assert bot.member("U0001")["profile_checked_at"] is not None


async def test_first_command_takes_name_and_timezone_from_slack_and_today_is_the_members_day(bot: Bot) -> None:
    # 08:00 UTC on Saturday 28 November is still Friday 27 November, 22:00, in Honolulu (03:00 Saturday in
    # New York, the default timezone).
    bot.clock.now = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
    bot.fake.add_user("U0HNL", name="kai", real_name="Kai Kealoha", display_name="Kai", tz="Pacific/Honolulu")

    reply = await bot.reply("/interview", "Latham screener today", user_id="U0HNL", user_name="kai")

    assert reply["text"] == "Logged screener interview at Latham, today (#1)."
    assert len(bot.fake.calls_to("users.info")) == 1
    member = bot.member("U0HNL")
    assert (member["display_name"], member["tz"]) == ("Kai", "Pacific/Honolulu")
    assert bot.activities()[0]["happened_on"] == "2026-11-27"

    # A member Slack can't tell us about gets the default timezone, where it is already Saturday.
    await bot.reply("/interview", "Cravath screener today", user_id="U0NONE", user_name="nobody")
    assert bot.activities()[1]["happened_on"] == "2026-11-28"
    assert bot.member("U0NONE")["display_name"] == "nobody"

    # The second command from Kai asks Slack nothing more.
    await bot.reply("/network", "Dana Lee coffee yesterday", user_id="U0HNL", user_name="kai")
    assert bot.activities()[2]["happened_on"] == "2026-11-26"
    assert [c.args["user"] for c in bot.fake.calls_to("users.info")] == ["U0HNL", "U0NONE"]


# ---- modals ----------------------------------------------------------------------------------------------


async def open_modal(bot: Bot, command: str = "/interview", **fields: Any) -> tuple[Call, JsonDict]:
    trigger = "13345224609.738474920.8088930838d88f008e0"
    response = await bot.command(command, "", trigger_id=trigger, **fields)
    assert response.status == 200
    assert await response.text() == ""
    [call] = await bot.fake.wait_for_calls("views.open")
    assert call.args["trigger_id"] == trigger
    return call, view_arg(call)


def modal_values(org: str, subtype: str, day: str, notes: str = "") -> JsonDict:
    return {
        "org": {"value": org},
        "subtype": {"value": {"type": "static_select",
                              "selected_option": {"text": {"type": "plain_text", "text": subtype.title()},
                                                  "value": subtype}}},
        "day": {"value": {"type": "datepicker", "selected_date": day}},
        "notes": {"value": notes},
    }


def submission(view: JsonDict, values: JsonDict, user_id: str = "U0001", user_name: str = "alice") -> JsonDict:
    return view_submission_payload(view["callback_id"], values, private_metadata=view["private_metadata"],
                                   blocks=view["blocks"], user_id=user_id, user_name=user_name)


async def test_interview_without_text_opens_the_modal(bot: Bot) -> None:
    _, view = await open_modal(bot)

    assert view["type"] == "modal"
    assert view["callback_id"] == "log_form"
    assert view["title"]["text"] == "Log an interview"
    assert view["submit"]["text"] == "Save"
    assert [b["block_id"] for b in view["blocks"]] == ["org", "subtype", "day", "notes"]
    assert [b["type"] for b in view["blocks"]] == ["input"] * 4
    elements = {b["block_id"]: b["element"] for b in view["blocks"]}
    assert elements["org"]["type"] == "plain_text_input"
    assert elements["subtype"]["type"] == "static_select"
    assert {o["value"] for o in elements["subtype"]["options"]} >= {"screener", "callback", "offer"}
    assert elements["day"] == {"type": "datepicker", "action_id": "value", "initial_date": "2026-11-27"}
    assert view["blocks"][3]["optional"] is True
    meta = json.loads(view["private_metadata"])
    assert meta["k"] == "interview" and meta["ch"] == "C0001"
    assert bot.count("activities") == 0
    assert bot.methods() == ["auth.test", "users.info", "views.open"]


async def test_network_without_text_opens_the_meeting_modal(bot: Bot) -> None:
    _, view = await open_modal(bot, "/network")

    assert view["title"]["text"] == "Log a meeting"
    options = {o["value"] for o in view["blocks"][1]["element"]["options"]}
    assert {"informational", "coffee", "event"} <= options
    assert json.loads(view["private_metadata"])["k"] == "network"


async def test_modal_submission_stores_the_same_row_as_the_text_form(bot: Bot) -> None:
    await bot.reply("/interview", '"Latham & Watkins" callback yesterday -- met two partners',
                    user_id="U0002", user_name="bob")
    _, view = await open_modal(bot)

    response = await bot.interact(submission(view, modal_values("Latham & Watkins", "callback",
                                                                 YESTERDAY.isoformat(), "met two partners")))

    assert response.status == 200
    assert await response.text() == ""
    [typed, submitted] = bot.activities()
    same = ("kind", "subtype", "org", "happened_on", "notes", "points", "status", "deleted_at")
    assert {k: submitted[k] for k in same} == {k: typed[k] for k in same}
    assert (typed["user_id"], submitted["user_id"]) == ("U0002", "U0001")
    assert submitted["source"] == "slack:modal"

    [confirmation] = await bot.fake.wait_for_calls("chat.postEphemeral")
    assert (confirmation.args["channel"], confirmation.args["user"]) == ("C0001", "U0001")
    assert confirmation.args["text"] == "Logged callback interview at Latham &amp; Watkins, yesterday (#2)."
    assert_within_slack_limits(blocks_arg(confirmation.args))
    await bot.fake.wait_for_calls("views.publish")  # the home tab is refreshed too


@pytest.mark.parametrize(
    ("values", "bad_fields"),
    [
        pytest.param(modal_values("   ", "callback", "2026-11-26"), {"org"}, id="empty-org"),
        pytest.param(modal_values("Latham", "callback", "2023-11-27"), {"day"}, id="three-years-ago"),
        pytest.param(modal_values("", "callback", "2023-11-27"), {"org", "day"}, id="both"),
        pytest.param(modal_values("Latham", "callback", ""), {"day"}, id="no-date"),
        pytest.param(modal_values("Latham", "brunch", "2026-11-26"), {"subtype"}, id="unknown-stage"),
    ],
)
async def test_invalid_modal_fields_are_reported_in_the_modal_and_store_nothing(
    bot: Bot, values: JsonDict, bad_fields: set[str]
) -> None:
    _, view = await open_modal(bot)

    response = await bot.interact(submission(view, values))

    assert response.status == 200
    body = await response.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == bad_fields
    assert all(isinstance(m, str) and m for m in body["errors"].values())
    assert bot.count("activities") == 0
    assert bot.fake.calls_to("chat.postEphemeral") == []


async def test_modal_notes_of_2000_characters_fit_in_the_confirmation(bot: Bot) -> None:
    _, view = await open_modal(bot)
    notes = ("<&>*_~` " * 250)[:2000]

    response = await bot.interact(submission(view, modal_values("Latham", "screener", "2026-11-27", notes)))

    assert response.status == 200 and await response.text() == ""
    assert bot.activities()[0]["notes"] == notes.strip()
    [confirmation] = await bot.fake.wait_for_calls("chat.postEphemeral")
    assert_within_slack_limits(blocks_arg(confirmation.args))
    await bot.fake.wait_for_calls("views.publish")


# ---- buttons ---------------------------------------------------------------------------------------------


async def test_undo_button_soft_deletes_and_answers_on_the_response_url(bot: Bot) -> None:
    reply = await bot.reply("/interview", "Latham callback yesterday")
    undo = button(reply["blocks"], "Undo")
    actions = next(b for b in reply["blocks"] if b["type"] == "actions")
    payload = block_actions_payload(undo["action_id"], undo["value"], block_id=actions["block_id"],
                                    response_url=bot.fake.response_url("undo"))

    response = await bot.interact(payload)

    assert response.status == 200
    await bot.fake.wait_for_calls("response_url")
    [posted] = bot.fake.response_url_posts("undo")
    assert posted["response_type"] == "ephemeral"
    assert posted["replace_original"] is False
    assert posted["text"] == "Deleted #1 callback · Latham · yesterday."
    [row] = bot.activities()
    assert row["deleted_at"] is not None
    board = await bot.reply("/leaderboard")
    assert "0 interviews" in all_text(board["blocks"])


async def test_share_button_posts_in_channel_as_the_bot(bot: Bot) -> None:
    reply = await bot.reply("/interview", "Latham callback yesterday -- nervous but fine")
    share = button(reply["blocks"], "Share with the channel")
    payload = block_actions_payload(share["action_id"], share["value"], response_url=bot.fake.response_url("share"))

    response = await bot.interact(payload)

    assert response.status == 200
    await bot.fake.wait_for_calls("response_url")
    [answered] = bot.fake.response_url_posts("share")
    assert answered["response_type"] == "ephemeral" and answered["text"] == "Shared with the channel."
    [post] = await bot.fake.wait_for_calls("chat.postMessage")
    assert "Alice had a *callback interview* at Latham, yesterday." in all_text(blocks_arg(post.args))
    assert "nervous" not in json.dumps(post.args)
    assert bot.activities()[0]["deleted_at"] is None


async def test_a_button_pressed_by_someone_else_cannot_delete_the_entry(bot: Bot) -> None:
    reply = await bot.reply("/interview", "Latham callback yesterday")
    undo = button(reply["blocks"], "Undo")
    payload = block_actions_payload(undo["action_id"], undo["value"], user_id="U0002", user_name="bob",
                                    response_url=bot.fake.response_url("bob"))

    await bot.interact(payload)

    await bot.fake.wait_for_calls("response_url")
    [posted] = bot.fake.response_url_posts("bob")
    assert "You have no entry #1" in posted["text"]
    assert bot.activities()[0]["deleted_at"] is None


# ---- App Home and events ---------------------------------------------------------------------------------


async def test_app_home_opened_publishes_the_members_home(bot: Bot) -> None:
    await bot.reply("/interview", "Latham callback yesterday")
    await bot.reply("/network", '"Dana Lee" coffee')
    await bot.reply("/interview", "Cravath screener", user_id="U0002", user_name="bob")

    response = await bot.event(app_home_opened_event("U0001"), event_id="Ev0HOME1")

    assert response.status == 200
    [call] = await bot.fake.wait_for_calls("views.publish")
    assert call.args["user_id"] == "U0001"
    view = view_arg(call)
    assert view["type"] == "home"
    blocks = view["blocks"]
    assert_within_slack_limits(blocks, max_blocks=100)
    text = all_text(blocks)
    assert "Your progress" in text and "2 of 3" in text
    assert "#1" in text and "Latham" in text and "#2" in text and "Dana Lee" in text
    assert "Cravath" not in text  # Bob's entry is his own
    assert "Leaderboard, this week" in text and "Alice (you)" in text and "Bob" in text
    values = [json.loads(b["value"]) for b in buttons(blocks)]
    assert {"c": "cohort", "t": "delete 1"} in values and {"c": "cohort", "t": "edit 2"} in values
    assert {"c": "interview", "t": ""} in values and {"c": "network", "t": ""} in values
    assert bot.fake.home_views["U0001"]["type"] == "home"


async def test_a_retried_event_is_handled_once(bot: Bot) -> None:
    event = app_home_opened_event("U0001")
    assert (await bot.event(event, event_id="Ev0RETRY")).status == 200
    await bot.fake.wait_for_calls("views.publish")

    retried = await bot.event(event, event_id="Ev0RETRY", retry_num=1)
    assert retried.status == 200
    # A later, different event is handled, which shows the retry before it was dropped rather than pending.
    assert (await bot.event(app_home_opened_event("U0002"), event_id="Ev0OTHER")).status == 200
    await bot.fake.wait_for_calls("views.publish", 2)

    assert [c.args["user_id"] for c in bot.fake.calls_to("views.publish")] == ["U0001", "U0002"]


async def test_url_verification_echoes_the_challenge(bot: Bot) -> None:
    body = url_verification_body("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")

    response = await bot.post(body, sign_json(SECRET, body))

    assert response.status == 200
    assert await response.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}
    unsigned = await bot.post(body, {"Content-Type": "application/json"})
    assert unsigned.status == 401


# ---- escaping --------------------------------------------------------------------------------------------

MISCHIEF = "<!channel> <@U999> *bold* & co"


async def test_user_text_is_stored_as_typed_and_never_pings_anyone(bot: Bot) -> None:
    response = await bot.command("/interview", MISCHIEF)
    raw = await response.text()

    assert response.status == 200
    assert bot.activities()[0]["org"] == MISCHIEF
    assert "<!channel>" not in raw and "<@U999>" not in raw
    assert "&lt;!channel&gt;" in raw and "&lt;@U999&gt;" in raw
    reply = json.loads(raw)
    assert "&amp; co" in reply["text"]
    assert "*bold*" not in all_text(reply["blocks"])  # the member's asterisks don't turn into bold


async def test_shared_user_text_never_pings_the_channel(bot: Bot) -> None:
    response = await bot.command("/network", f'"{MISCHIEF}" coffee --share -- <!here> notes')
    assert response.status == 200
    assert json.loads(await response.text())["response_type"] == "ephemeral"
    [post] = await bot.fake.wait_for_calls("chat.postMessage")
    raw = json.dumps(post.args)
    assert not re.search(r"<[!@#]", raw)
    assert "&lt;!channel&gt;" in raw and "here" not in raw
    assert bot.activities()[0]["org"] == MISCHIEF
    assert bot.activities()[0]["notes"] == "<!here> notes"


async def test_user_text_is_escaped_on_the_home_tab_and_leaderboard(bot: Bot) -> None:
    await bot.reply("/interview", MISCHIEF)
    await bot.event(app_home_opened_event("U0001"))
    [call] = await bot.fake.wait_for_calls("views.publish")

    raw = json.dumps(view_arg(call))
    assert "<!channel>" not in raw and "<@U999>" not in raw
    assert "&lt;!channel&gt;" in raw


# ---- workspaces are kept apart -----------------------------------------------------------------------------


async def test_another_workspace_cannot_read_or_change_entries(bot: Bot) -> None:
    await bot.reply("/interview", "Latham callback yesterday -- private", team_id="T_A")
    await bot.reply("/interview", "Cravath screener", team_id="T_A", user_id="U0002", user_name="bob")
    before = [dict(r) for r in bot.activities("T_A")]

    for text in ("delete 1", "edit 1 org X", "edit 1", "share 1", "delete 2"):
        reply = await bot.reply("/cohort", text, team_id="T_B")
        n = text.split()[1]
        assert f"You have no entry #{n}" in reply["text"] + all_text(reply["blocks"]), text
        assert reply["response_type"] == "ephemeral"
    assert bot.fake.calls_to("views.open") == []

    assert [dict(r) for r in bot.activities("T_A")] == before
    board = await bot.reply("/leaderboard", "all", team_id="T_B")
    text = all_text(board["blocks"])
    assert "Bob" not in text
    assert "0 interviews and 0 meetings" in text
    home_a = await bot.reply("/leaderboard", "all", team_id="T_A")
    assert "Bob" in all_text(home_a["blocks"])

    # T_B's own entry #1 is a different row; deleting it leaves T_A's #1 alone.
    await bot.reply("/interview", "Skadden offer", team_id="T_B")
    deleted = await bot.reply("/cohort", "delete 1", team_id="T_B")
    assert "Deleted #1" in deleted["text"] and "Skadden" in deleted["text"]
    assert [dict(r) for r in bot.activities("T_A")] == before
    assert bot.activities("T_B")[0]["deleted_at"] is not None


async def test_home_tab_shows_only_the_events_workspace(bot: Bot) -> None:
    await bot.reply("/interview", "Latham callback", team_id="T_A")
    await bot.event(app_home_opened_event("U0001"), team_id="T_B")

    [call] = await bot.fake.wait_for_calls("views.publish")
    text = all_text(view_arg(call)["blocks"])
    assert "Latham" not in text


# ---- Block Kit limits ------------------------------------------------------------------------------------


async def test_a_cohort_of_60_stays_within_block_kit_limits(bot: Bot) -> None:
    for i in range(60):
        user = f"U1{i:04d}"
        bot.fake.add_user(user, name=f"m{i}", display_name=f"Member {i} " + "<&>" * 20)
        await bot.reply("/interview", f"Firm{i} screener", user_id=user)
    await bot.reply("/network", '"Bar association mixer" event')  # 1 point: last of 61

    board = await bot.reply("/leaderboard")
    assert_within_slack_limits(board["blocks"])
    text = all_text(board["blocks"])
    assert "Showing the top 10 of 61." in text
    assert re.search(r"61\s+Alice \(you\)\s+1\s+0\s+1", text)  # the caller's own row is always shown
    assert "Member 0 &lt;&amp;&gt;" in text and "Member 30" not in text

    await bot.event(app_home_opened_event("U0001"))
    [call] = await bot.fake.wait_for_calls("views.publish")
    assert_within_slack_limits(view_arg(call)["blocks"], max_blocks=100)


async def test_a_long_history_stays_within_block_kit_limits(bot: Bot) -> None:
    long_org = "&<>" * 66  # 198 characters that escape to 858
    for i in range(12):
        await bot.reply("/interview", f"{long_org}{i:02d} screener")

    progress = await bot.reply("/progress")
    assert_within_slack_limits(progress["blocks"])
    help_reply = await bot.reply("/cohort", "help")
    assert_within_slack_limits(help_reply["blocks"])

    await bot.event(app_home_opened_event("U0001"))
    [call] = await bot.fake.wait_for_calls("views.publish")
    blocks = view_arg(call)["blocks"]
    assert_within_slack_limits(blocks, max_blocks=100)
    text = all_text(blocks)
    assert text.startswith("Your progress") and "#12  *screener*  &amp;&lt;&gt;" in text  # newest first
    assert "Leaderboard, this week" in text  # the board survives the cut; older entries give way
    assert text.index("Leaderboard, this week") < text.index("#12  *screener*")
    assert text.endswith("Older entries did not fit here; /progress lists them.")


async def test_long_notes_are_cut_to_fit_a_block(bot: Bot) -> None:
    notes = ("<!channel> & *x* " * 200)[:1950]

    reply = await bot.reply("/interview", f"Latham screener -- {notes}")

    assert_within_slack_limits(reply["blocks"])
    assert bot.activities()[0]["notes"] == notes.strip()


# ---- Web API retries -------------------------------------------------------------------------------------


async def test_a_rate_limited_views_open_is_retried_after_retry_after(bot: Bot) -> None:
    bot.fake.fail_next("views.open", status=429, retry_after=1)

    _, view = await open_modal(bot)

    [failed] = bot.fake.failed_calls_to("views.open")
    [delivered] = bot.fake.calls_to("views.open")
    assert failed.status == 429
    assert delivered.at - failed.at >= 1.0
    assert view["callback_id"] == "log_form"


async def test_a_rate_limited_views_publish_is_delivered_once(bot: Bot) -> None:
    bot.fake.fail_next("views.publish", status=429, retry_after=0)
    bot.fake.fail_next("views.publish", status=503)

    await bot.event(app_home_opened_event("U0001"))

    await bot.fake.wait_for_calls("views.publish")
    assert [c.status for c in bot.fake.failed_calls_to("views.publish")] == [429, 503]
    assert len(bot.fake.calls_to("views.publish")) == 1
    assert bot.fake.home_views["U0001"]["type"] == "home"


# ---- bad requests ----------------------------------------------------------------------------------------


async def test_a_body_over_1_mb_is_refused_with_413(bot: Bot) -> None:
    body = slash_command_body("/interview", "Latham -- " + "x" * (1024 * 1024))

    response = await bot.post(body, sign(SECRET, body))

    assert response.status == 413
    assert bot.count("activities") == 0
    assert (await bot.client.get("/healthz")).status == 200


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param("{not json", "application/json", id="broken-json"),
        pytest.param("payload=%7Bnot+json", "application/x-www-form-urlencoded", id="broken-payload"),
        pytest.param("hello there", "text/plain", id="text-plain"),
        pytest.param("<xml/>", "application/xml", id="xml"),
        pytest.param("this is not a form", "application/x-www-form-urlencoded", id="not-a-form"),
        pytest.param("", "application/x-www-form-urlencoded", id="empty"),
        pytest.param(slash_command_body("/interview", "Latham"), "application/json", id="form-sent-as-json"),
    ],
)
async def test_garbage_gets_a_4xx_and_the_server_keeps_serving(bot: Bot, body: str, content_type: str) -> None:
    for headers in ({"Content-Type": content_type}, sign(SECRET, body, content_type=content_type)):
        response = await bot.post(body, headers)
        assert 400 <= response.status < 500, (response.status, await response.text())

    assert bot.count("activities") == 0
    health = await bot.client.get("/healthz")
    assert health.status == 200 and await health.json() == {"ok": True}
    assert (await bot.reply("/interview", "Latham screener"))["text"].startswith("Logged")


# ---- workspace admins -------------------------------------------------------------------------------


async def test_workspace_admin_known_from_the_cache_can_still_change_setup(bot: Bot, fake: FakeSlack) -> None:
    # Alice sets the cohort up first and becomes its admin. Bob is known (his profile is cached) and was not a
    # workspace admin then.
    first = await bot.reply("/cohort", "setup <#C0JOBS|jobs> monday 9am", user_id="U0001", user_name="alice")
    assert "cohort admin" in all_text(first["blocks"])
    await bot.reply("/progress", "", user_id="U0002", user_name="bob")
    refused = await bot.reply("/cohort", "setup <#C0OTHER|other>", user_id="U0002", user_name="bob")
    assert "Only a cohort admin" in all_text(refused["blocks"])
    assert bot.query("SELECT summary_channel FROM cohorts")[0]["summary_channel"] == "C0JOBS"

    # Slack now says Bob is a workspace admin: the setup command asks Slack again and lets him in.
    fake.add_user("U0002", name="bob", real_name="Bob Jones", display_name="Bob", tz="America/Chicago",
                  is_admin=True)
    calls_before = len(fake.calls_to("users.info"))
    allowed = await bot.reply("/cohort", "setup <#C0OTHER|other> tuesday", user_id="U0002", user_name="bob")
    assert "Tuesday" in all_text(allowed["blocks"])
    assert len(fake.calls_to("users.info")) == calls_before + 1
    row = bot.query("SELECT summary_channel, nudge_weekday FROM cohorts")[0]
    assert (row["summary_channel"], row["nudge_weekday"]) == ("C0OTHER", 1)


async def test_ordinary_commands_do_not_ask_slack_again(bot: Bot, fake: FakeSlack) -> None:
    await bot.reply("/progress", "", user_id="U0001", user_name="alice")
    calls_before = len(fake.calls_to("users.info"))
    await bot.reply("/interview", "Latham callback", user_id="U0001", user_name="alice")
    await bot.reply("/cohort", "goal 4", user_id="U0001", user_name="alice")
    assert len(fake.calls_to("users.info")) == calls_before
