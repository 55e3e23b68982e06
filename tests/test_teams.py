"""The Teams transport end to end: activities shaped as Teams sends them, posted to a real aiohttp app.

Replies are read from `deliveryMode: expectReplies` responses, or from a fake Bot Connector service (aiohttp on
127.0.0.1, ephemeral port) set as the activity's serviceUrl, which records every call the bot makes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import struct
import zipfile
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.config import Settings
from bot.conversations import TeamsDirectory
from bot.delivery import Deliverer, NotSent
from bot.nudges import plan
from bot.outgoing import Outgoing
from bot.transports.teams import add_teams_routes, rendering
from bot.transports.teams.package import app_dir, build_package
from commands import REGISTRY
from commands.dispatch import dispatch
from commands.model import Actor, CommandRequest, Deps, Para, Reply, Strong, UserText, Where
from storage import open_db
from storage import teams as teams_store

try:  # the `teams` extra; the card, escaping and package tests below run without it
    from bot.transports.teams.notify import NoConversation, TeamsNotifier
except ImportError:
    HAVE_SDK = False
else:
    HAVE_SDK = True
requires_sdk = pytest.mark.skipif(not HAVE_SDK, reason="Microsoft 365 Agents SDK not installed (cohortbot[teams])")

# Friday 27 November 2026, 10:00 in New York.
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
APP_ID = "5e1d8a3c-2b7f-4c1e-9a55-0b6f3c2d9e10"
BOT = {"id": f"28:{APP_ID}", "name": "cohortbot"}
ALEX = {"id": "29:1alexTeamsUserId", "name": "Alex Kim", "aadObjectId": "0a1b2c3d-0000-4000-8000-00000000a1e7"}
SAM = {"id": "29:1samTeamsUserId", "name": "Sam Ortiz", "aadObjectId": "0a1b2c3d-0000-4000-8000-0000000005a3"}
PERSONAL = "a:1Hk2Q9mXpersonalChatWithAlex"
CHANNEL = "19:3f2e8d1c9b7a4e6f8a0b1c2d3e4f5a6b@thread.tacv2"
TEAM = "19:teamGeneral0123456789abcdef@thread.tacv2"
ANONYMOUS = Settings(teams_anonymous=True)


# ---- fakes -------------------------------------------------------------------------------------------

class FakeConnector:
    """A Bot Connector service on loopback: records each call and answers like Teams does."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.failures: list[tuple[int, dict[str, str]]] = []
        self.app = web.Application()
        self.app.router.add_route("*", "/{tail:.*}", self.handle)
        self.server = TestServer(self.app, host="127.0.0.1")

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else None
        self.calls.append({"method": request.method, "path": request.path, "json": body,
                           "auth": request.headers.get("Authorization")})
        if self.failures:
            status, headers = self.failures.pop(0)
            return web.json_response({"error": {"code": "Throttled"}}, status=status, headers=headers)
        return web.json_response({"id": f"1:reply{len(self.calls)}"}, status=201)

    @property
    def url(self) -> str:
        return str(self.server.make_url("/"))

    def posts(self) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["method"] == "POST"]


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail loudly if anything here tries to resolve a host that is not this machine."""
    real = socket.getaddrinfo

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name not in (None, "127.0.0.1", "localhost", "::1"):
            raise OSError(f"network access in a test: {name}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    fake = FakeConnector()
    await fake.server.start_server()
    yield fake
    await fake.server.close()


@pytest.fixture
async def teams(tmp_path: Path) -> AsyncIterator[tuple[TestClient[web.Request, web.Application], Deps]]:
    """An anonymous Teams route on its own database, and that database (for tests in other files)."""
    deps = Deps(db=open_db(tmp_path / "teams.db"), clock=lambda: NOW)
    client = await _client(ANONYMOUS, deps)
    yield client, deps
    await client.close()


@pytest.fixture
def deps(tmp_path: Path) -> Deps:
    return Deps(db=open_db(tmp_path / "teams.db"), clock=lambda: NOW)


async def _client(settings: Settings, deps: Deps) -> TestClient[web.Request, web.Application]:
    app = web.Application()

    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    app.router.add_get("/healthz", healthz)
    add_teams_routes(app, settings, deps, TeamsDirectory(deps.db))
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    return client


@pytest.fixture
async def bot(deps: Deps) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    client = await _client(ANONYMOUS, deps)
    yield client
    await client.close()


# ---- activities as Teams sends them ------------------------------------------------------------------

_ids = iter(range(1764255600000, 1764255700000))


def _common(service_url: str, sender: dict[str, str]) -> dict[str, Any]:
    return {
        "id": str(next(_ids)),
        "timestamp": "2026-11-27T15:00:00.1234567Z",
        "localTimestamp": "2026-11-27T10:00:00.1234567-05:00",
        "localTimezone": "America/New_York",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": dict(sender),
        "recipient": dict(BOT),
        "locale": "en-US",
    }


def personal(text: str, *, sender: dict[str, str] = ALEX, service_url: str = "https://smba.trafficmanager.net/amer/",
             expect_replies: bool = True, conversation: str = PERSONAL, **extra: Any) -> dict[str, Any]:
    activity = {
        **_common(service_url, sender),
        "type": "message",
        "text": text,
        "textFormat": "plain",
        "conversation": {"conversationType": "personal", "tenantId": TENANT, "id": conversation},
        "entities": [{"locale": "en-US", "country": "US", "platform": "Web", "timezone": "America/New_York",
                      "type": "clientInfo"}],
        "channelData": {"tenant": {"id": TENANT}},
        **extra,
    }
    if expect_replies:
        activity["deliveryMode"] = "expectReplies"
    return activity


def in_channel(text: str, *, sender: dict[str, str] = ALEX, mention: bool = True,
               service_url: str = "https://smba.trafficmanager.net/amer/", expect_replies: bool = True,
               ) -> dict[str, Any]:
    common = _common(service_url, sender)
    entities: list[dict[str, Any]] = [{"locale": "en-US", "country": "US", "platform": "Windows",
                                       "timezone": "America/New_York", "type": "clientInfo"}]
    if mention:
        text = f"<at>cohortbot</at> {text}"
        entities.insert(0, {"mentioned": dict(BOT), "text": "<at>cohortbot</at>", "type": "mention"})
    activity = {
        **common,
        "type": "message",
        "text": text + "\n",
        "textFormat": "plain",
        "attachments": [{"contentType": "text/html", "content": f"<div>{text}</div>"}],
        "conversation": {"isGroup": True, "conversationType": "channel", "tenantId": TENANT,
                         "id": f"{CHANNEL};messageid={common['id']}"},
        "entities": entities,
        "channelData": {"teamsChannelId": CHANNEL, "teamsTeamId": TEAM, "channel": {"id": CHANNEL},
                        "team": {"id": TEAM}, "tenant": {"id": TENANT}},
    }
    if expect_replies:
        activity["deliveryMode"] = "expectReplies"
    return activity


def installed_in_team(service_url: str, *, removed: bool = False) -> dict[str, Any]:
    activity = {
        **_common(service_url, ALEX),
        "type": "conversationUpdate",
        "conversation": {"isGroup": True, "conversationType": "channel", "tenantId": TENANT, "id": TEAM},
        "channelData": {"team": {"aadGroupId": "d1c5e1a2-0000-4000-8000-0000000000aa", "name": "Class of 2027",
                                 "id": TEAM},
                        "eventType": "teamMemberRemoved" if removed else "teamMemberAdded",
                        "tenant": {"id": TENANT}, "settings": {"selectedChannel": {"id": TEAM}}},
        "deliveryMode": "expectReplies",
    }
    activity["membersRemoved" if removed else "membersAdded"] = [{"id": BOT["id"]}]
    activity.pop("localTimezone")
    return activity


def installed_personally(service_url: str) -> dict[str, Any]:
    return {
        **_common(service_url, ALEX),
        "type": "conversationUpdate",
        "membersAdded": [{"id": BOT["id"]}],
        "conversation": {"conversationType": "personal", "tenantId": TENANT, "id": PERSONAL},
        "channelData": {"tenant": {"id": TENANT}},
    }


def card_press(data: dict[str, Any], *, sender: dict[str, str] = ALEX, **kw: Any) -> dict[str, Any]:
    """Action.Submit in Teams: a message with no text whose `value` is the button's data."""
    activity = personal("", sender=sender, **kw)
    activity.pop("text")
    activity["value"] = data
    activity["replyToId"] = "1:cardMessageId"
    activity["channelData"] = {"tenant": {"id": TENANT}, "source": {"name": "message"},
                               "legacy": {"replyToId": "1:cardMessageId"}}
    return activity


def execute(data: dict[str, Any], *, sender: dict[str, str] = ALEX) -> dict[str, Any]:
    """Action.Execute (Universal Actions): an adaptiveCard/action invoke."""
    return {
        **_common("https://smba.trafficmanager.net/amer/", sender),
        "type": "invoke",
        "name": "adaptiveCard/action",
        "value": {"action": {"type": "Action.Execute", "verb": "cohortbot", "data": data}, "trigger": "manual"},
        "conversation": {"conversationType": "personal", "tenantId": TENANT, "id": PERSONAL},
        "channelData": {"tenant": {"id": TENANT}, "source": {"name": "message"}},
        "replyToId": "1:cardMessageId",
    }


# ---- reading replies ---------------------------------------------------------------------------------

async def post(client: TestClient[web.Request, web.Application], activity: dict[str, Any],
               status: int = 200) -> list[dict[str, Any]]:
    response = await client.post("/api/messages", json=activity)
    body = await response.text()
    assert response.status == status, body
    if status != 200 or not body:
        return []
    activities: list[dict[str, Any]] = json.loads(body).get("activities", [])
    return activities


def cards(activities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for activity in activities:
        for attachment in activity.get("attachments") or []:
            assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
            out.append(attachment["content"])
    return out


def walk(node: Any) -> list[dict[str, Any]]:
    """Every element (dict with a type) in a card, depth first."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if "type" in node:
            found.append(node)
        for value in node.values():
            found += walk(value)
    elif isinstance(node, list):
        for value in node:
            found += walk(value)
    return found


def texts(card: dict[str, Any]) -> str:
    return "\n".join(e["text"] for e in walk(card["body"]) if e["type"] == "TextBlock")


def unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            i += 1
        out.append(text[i])
        i += 1
    return "".join(out).replace("**", "")


def buttons(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in walk(card["body"]) if e["type"] == "Action.Submit"]


def rows(deps: Deps, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in deps.db.execute(sql, list(params)).fetchall()]


# ---- messages ----------------------------------------------------------------------------------------

@requires_sdk
async def test_personal_message_logs_an_interview_and_replies_with_a_card(bot: TestClient[web.Request,
                                                                                          web.Application],
                                                                          deps: Deps) -> None:
    replies = await post(bot, personal("interview Latham callback yesterday"))
    [card] = cards(replies)
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert "Latham" in unescape(texts(card))
    assert replies[0]["recipient"]["id"] == ALEX["id"] and replies[0]["from"]["id"] == BOT["id"]
    assert replies[0]["conversation"]["id"] == PERSONAL
    assert [b["title"] for b in buttons(card)][-1] == "Undo"
    stored = rows(deps, "SELECT w.platform, w.external_id, m.user_id, m.display_name, m.tz, a.org, a.subtype, "
                        "a.happened_on, a.source FROM activities a JOIN members m ON m.id = a.member_id "
                        "JOIN workspaces w ON w.id = a.workspace_id")
    assert stored == [("teams", TENANT, ALEX["aadObjectId"], "Alex Kim", "America/New_York", "Latham", "callback",
                       "2026-11-26", "teams:message")]


@requires_sdk
async def test_a_leading_slash_and_help_work(bot: TestClient[web.Request, web.Application]) -> None:
    [card] = cards(await post(bot, personal("/progress")))
    assert texts(card)
    [help_card] = cards(await post(bot, personal("help")))
    assert "interview" in unescape(texts(help_card))


@requires_sdk
async def test_channel_mention_is_stripped_and_answered_in_the_thread(
        bot: TestClient[web.Request, web.Application], deps: Deps) -> None:
    await post(bot, personal("interview Latham callback yesterday"))
    await post(bot, in_channel("network \"Dana Lee, Ropes & Gray\" coffee today", sender=SAM))
    replies = await post(bot, in_channel("leaderboard"))
    [card] = cards(replies)
    [table] = [e for e in walk(card["body"]) if e["type"] == "Table"]
    assert table["firstRowAsHeader"] is True
    cells = [unescape(texts({"body": row})) for row in table["rows"][1:]]
    assert any("Alex Kim" in c for c in cells) and any("Sam Ortiz" in c for c in cells)
    assert replies[0]["conversation"]["id"].startswith(CHANNEL + ";messageid=")
    # Sam's entry came from the channel: the org with a comma survived the quotes.
    assert rows(deps, "SELECT org, subtype FROM activities ORDER BY id")[-1] == ("Dana Lee, Ropes & Gray", "coffee")
    # The channel's reference is stored under the channel id, pointing at a new post (no thread id).
    ref = teams_store.load_reference(deps.db, CHANNEL, TENANT)
    assert ref is not None and ref.target_kind == "channel" and ref.team_id == TEAM
    assert json.loads(ref.reference)["conversation"]["id"] == CHANNEL
    assert "activityId" not in json.loads(ref.reference)


@requires_sdk
async def test_channel_messages_without_a_mention_are_ignored(bot: TestClient[web.Request, web.Application],
                                                              deps: Deps) -> None:
    assert await post(bot, in_channel("interview Latham", mention=False)) == []
    assert rows(deps, "SELECT COUNT(*) FROM activities") == [(0,)]


@requires_sdk
async def test_replies_go_to_the_connector_service_when_not_expecting_replies(
        bot: TestClient[web.Request, web.Application], connector: FakeConnector) -> None:
    activity = personal("progress", service_url=connector.url, expect_replies=False)
    response = await bot.post("/api/messages", json=activity)
    assert response.status == 202
    [call] = connector.posts()
    assert call["path"] == f"/v3/conversations/{PERSONAL}/activities/{activity['id']}"
    assert call["json"]["replyToId"] == activity["id"]
    assert cards([call["json"]])
    assert call["auth"] is None  # anonymous mode sends no token


@requires_sdk
def test_mentions_reach_the_command_as_neutral_mentions() -> None:
    from microsoft_agents.activity import Activity

    from bot.transports.teams.inbound import command_text

    activity = in_channel("cohort admin <at>Sam Ortiz</at> <at>Pat Lee</at> <at>Alex Kim</at> <at>Jo</at>")
    activity["entities"] += [
        # Teams names Sam by his Teams account id only; the directory knows his AAD id from an earlier message.
        {"mentioned": {"id": SAM["id"], "name": SAM["name"]}, "text": "<at>Sam Ortiz</at>", "type": "mention"},
        {"mentioned": {"id": "29:1patNeverSeen", "name": "Pat Lee"}, "text": "<at>Pat Lee</at>", "type": "mention"},
        {"mentioned": dict(ALEX), "text": "<at>Alex Kim</at>", "type": "mention"},
    ]
    known = {SAM["id"]: SAM["aadObjectId"]}
    assert command_text(Activity.model_validate(activity), known.get) == (
        f"cohort admin <@{SAM['aadObjectId']}|Sam Ortiz> <@29:1patNeverSeen|Pat Lee> "
        f"<@{ALEX['aadObjectId']}|Alex Kim> Jo")  # an <at> without a mention entity keeps only its name


@requires_sdk
def test_where_and_who_are_what_the_activity_says() -> None:
    from microsoft_agents.activity import Activity

    from bot.transports.teams.inbound import actor_of, where_of

    def where(activity: dict[str, Any]) -> Where:
        return where_of(Activity.model_validate(activity))

    # A typed #name names no channel in Teams: setup uses the channel it is typed in, shown by its label.
    assert where(in_channel("progress")) == Where(CHANNEL, "this channel", is_direct=False, typed_channels=False)
    assert where(installed_in_team("https://smba.trafficmanager.net/amer/")).channel_name == "General"
    assert where(personal("progress")) == Where(PERSONAL, "this chat", is_direct=True, typed_channels=False)
    assert actor_of(Activity.model_validate(personal("progress")), TENANT, NOW) == Actor(
        platform="teams", workspace_id=TENANT, user_id=ALEX["aadObjectId"], display_name="Alex Kim",
        tz="America/New_York", is_workspace_admin=False, learned_at=NOW)


# ---- escaping ----------------------------------------------------------------------------------------

@requires_sdk
async def test_user_text_cannot_mention_or_format(bot: TestClient[web.Request, web.Application],
                                                  deps: Deps) -> None:
    nasty = "*Big* _Law_ [click](https://evil.example) <b>x</b> &amp;"
    [card] = cards(await post(bot, personal(f'interview "{nasty}" screener')))
    shown = texts(card)
    assert "[click]" not in shown and "*Big*" not in shown and "<b>" not in shown
    assert "\\*Big\\*" in shown and "\\[click\\]" in shown and "\\<b\\>" in shown
    assert nasty in unescape(shown)
    # A mention typed into the command keeps only its name; no <at> tag is ever stored or rendered.
    await post(bot, personal("network <at>Sam Ortiz</at> coffee"))
    # Text that arrives without mention processing (a form field) is escaped, so it cannot mention anyone.
    [form] = cards(await post(bot, personal("network")))
    [save] = buttons(form)
    [done] = cards(await post(bot, card_press({**save["data"], "org": "<at>Everyone</at>", "subtype": "coffee",
                                               "day": "2026-11-27", "notes": ""})))
    assert "<at>" not in texts(done) and "\\<at\\>Everyone\\</at\\>" in texts(done)
    assert rows(deps, "SELECT org FROM activities ORDER BY id") == [(nasty,), ("Sam Ortiz",), ("<at>Everyone</at>",)]
    assert "entities" not in json.dumps(card) + json.dumps(done)  # no mention entities in any card


def test_escape_is_literal_markdown() -> None:
    assert rendering.escape("1. not a list") == "1\\. not a list"
    assert rendering.escape("- item\n# head") == "\\- item\n\\# head"
    assert rendering.escape("Smith-Jones & Co.") == "Smith-Jones \\& Co."
    spans = ("Logged ", Strong("3 points"), " at ", UserText("**Cravath**"), ".")
    assert rendering.markdown(spans) == "Logged **3 points** at \\*\\*Cravath\\*\\*."


# ---- card actions ------------------------------------------------------------------------------------

@requires_sdk
async def test_undo_button_runs_as_the_member_who_presses_it(bot: TestClient[web.Request, web.Application],
                                                             deps: Deps) -> None:
    [card] = cards(await post(bot, personal("interview Latham callback")))
    undo = next(b for b in buttons(card) if b["title"] == "Undo")
    assert set(undo["data"]) == {"command", "text"} and undo["data"]["command"] == "cohort"
    # Someone else pressing Alex's button cannot delete Alex's entry.
    await post(bot, card_press(undo["data"], sender=SAM, conversation="a:1samChat"))
    assert rows(deps, "SELECT deleted_at IS NULL FROM activities") == [(1,)]
    [done] = cards(await post(bot, card_press(undo["data"])))
    assert rows(deps, "SELECT deleted_at IS NULL FROM activities") == [(0,)]
    assert texts(done)


@requires_sdk
async def test_action_execute_invoke_answers_with_a_card(bot: TestClient[web.Request, web.Application]) -> None:
    response = await bot.post("/api/messages", json=execute({"command": "progress", "text": ""}))
    assert response.status == 200
    body = await response.json()
    assert body["statusCode"] == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    assert body["value"]["type"] == "AdaptiveCard"
    bad = await bot.post("/api/messages", json=execute({"something": "else"}))
    assert bad.status == 400


@requires_sdk
async def test_interview_without_text_sends_a_form_that_logs_on_submit(
        bot: TestClient[web.Request, web.Application], deps: Deps) -> None:
    [form] = cards(await post(bot, personal("interview")))
    inputs = {e["id"]: e for e in walk(form["body"]) if e["type"].startswith("Input.")}
    assert {k: v["type"] for k, v in inputs.items()} == {
        "org": "Input.Text", "subtype": "Input.ChoiceSet", "day": "Input.Date", "notes": "Input.Text"}
    assert inputs["day"]["value"] == "2026-11-27"
    assert "callback" in [c["value"] for c in inputs["subtype"]["choices"]]
    [save] = buttons(form)
    # A submit with the organisation missing comes back as the form, with the error, and stores nothing.
    [again] = cards(await post(bot, card_press({**save["data"], "org": " ", "subtype": "callback",
                                                "day": "2026-11-26", "notes": ""})))
    assert "Attention" in json.dumps(again) and rows(deps, "SELECT COUNT(*) FROM activities") == [(0,)]
    submitted = {**save["data"], "org": "Wachtell, Lipton", "subtype": "callback", "day": "2026-11-26",
                 "notes": "met two partners"}
    [done] = cards(await post(bot, card_press(submitted)))
    assert "Wachtell, Lipton" in unescape(texts(done))
    assert rows(deps, "SELECT org, subtype, happened_on, notes, source FROM activities") == [
        ("Wachtell, Lipton", "callback", "2026-11-26", "met two partners", "teams:form")]


@requires_sdk
async def test_editing_an_entry_uses_the_same_form_prefilled(bot: TestClient[web.Request, web.Application],
                                                              deps: Deps) -> None:
    await post(bot, personal("interview Latham callback yesterday -- two partners"))
    [form] = cards(await post(bot, personal("cohort edit 1")))
    inputs = {e["id"]: e.get("value") for e in walk(form["body"]) if e["type"].startswith("Input.")}
    assert inputs == {"org": "Latham", "subtype": "callback", "day": "2026-11-26", "notes": "two partners"}
    [save] = buttons(form)
    assert save["data"] == {"form": "interview", "edit_seq": 1}
    await post(bot, card_press({**save["data"], **inputs, "org": "Latham & Watkins", "subtype": "offer"}))
    assert rows(deps, "SELECT org, subtype, notes FROM activities") == [("Latham & Watkins", "offer", "two partners")]
    # Someone else cannot edit Alex's entry with a forged submit.
    await post(bot, card_press({**save["data"], **inputs, "org": "Hijacked"}, sender=SAM, conversation="a:1sam"))
    assert rows(deps, "SELECT org FROM activities") == [("Latham & Watkins",)]


# ---- install and references --------------------------------------------------------------------------

@requires_sdk
async def test_install_in_a_team_stores_the_channel_and_says_hello(
        bot: TestClient[web.Request, web.Application], deps: Deps, connector: FakeConnector) -> None:
    [card] = cards(await post(bot, installed_in_team(connector.url)))
    assert "cohortbot" in unescape(texts(card))
    [ref] = teams_store.list_references(deps.db, TENANT)
    assert (ref.target_kind, ref.target_id, ref.conversation_id, ref.team_id, ref.service_url) == (
        "channel", TEAM, TEAM, TEAM, connector.url)
    await post(bot, in_channel("progress", service_url=connector.url))  # another channel of the same team
    assert [r.target_id for r in teams_store.list_references(deps.db, TENANT, "channel")] == [TEAM, CHANNEL]
    assert "requestId" not in teams_store.list_references(deps.db, TENANT)[1].reference
    await post(bot, installed_in_team(connector.url, removed=True))
    assert teams_store.list_references(deps.db, TENANT) == []  # removed from the team: all its channels


@requires_sdk
async def test_personal_install_stores_the_member_chat(bot: TestClient[web.Request, web.Application],
                                                       deps: Deps, connector: FakeConnector) -> None:
    response = await bot.post("/api/messages", json=installed_personally(connector.url))
    assert response.status == 202
    ref = teams_store.load_reference(deps.db, ALEX["aadObjectId"])
    assert ref is not None and ref.target_kind == "user" and ref.conversation_id == PERSONAL
    [welcome] = connector.posts()
    assert welcome["path"].startswith(f"/v3/conversations/{PERSONAL}/activities")


# ---- isolation ---------------------------------------------------------------------------------------

@requires_sdk
async def test_a_slack_workspace_and_a_teams_tenant_never_share_rows(
        bot: TestClient[web.Request, web.Application], deps: Deps) -> None:
    # The same workspace id string, the same user ids and names, on Slack.
    for user in (ALEX, SAM):
        request = CommandRequest(
            name="interview", text="Cravath offer today",
            actor=Actor(platform="slack", workspace_id=TENANT, user_id=user["aadObjectId"],
                        display_name=user["name"]),
            where=Where(channel_id="C0COHORT", channel_name="cohort"), received_at=NOW, source="slack:command")
        assert dispatch(request, deps).ok
    [card] = cards(await post(bot, personal("leaderboard")))
    assert "Cravath" not in json.dumps(card)
    [table] = [e for e in walk(card["body"]) if e["type"] == "Table"] or [{"rows": [None]}]
    assert len(table["rows"]) <= 2  # at most the header and Alex (who joined by asking), no Slack members
    await post(bot, personal("interview Latham screener"))
    assert rows(deps, "SELECT w.platform, COUNT(*) FROM activities a JOIN workspaces w ON w.id = a.workspace_id "
                      "GROUP BY w.platform ORDER BY w.platform") == [("slack", 2), ("teams", 1)]
    assert rows(deps, "SELECT COUNT(*) FROM workspaces") == [(2,)]


# ---- authentication ----------------------------------------------------------------------------------

@requires_sdk
async def test_without_credentials_or_anonymous_mode_every_activity_is_refused(deps: Deps) -> None:
    client = await _client(Settings(), deps)
    try:
        assert (await client.post("/api/messages", json=personal("progress"))).status == 503
        assert (await client.get("/healthz")).status == 200  # the rest of the app is not behind Teams auth
    finally:
        await client.close()
    assert rows(deps, "SELECT COUNT(*) FROM members") == [(0,)]


@requires_sdk
async def test_with_credentials_unauthenticated_activities_are_refused(deps: Deps) -> None:
    settings = Settings(teams_app_id=APP_ID, teams_app_password="s3cret", teams_tenant_id=TENANT)
    client = await _client(settings, deps)
    try:
        assert (await client.post("/api/messages", json=personal("progress"))).status == 401
        for header in ("Bearer not-a-jwt", "Basic dXNlcjpwYXNz", "Bearer"):
            response = await client.post("/api/messages", json=personal("progress"),
                                          headers={"Authorization": header})
            assert response.status == 401, header
        assert (await client.get("/healthz")).status == 200
    finally:
        await client.close()
    assert rows(deps, "SELECT COUNT(*) FROM members") == [(0,)]


@requires_sdk
@pytest.mark.parametrize("credentials", [
    {"id": APP_ID, "password": "s3cret", "tenant": TENANT},
    {"id": APP_ID, "password": "s3cret"},
    {"id": APP_ID},
    {"tenant": TENANT},
], ids=["full", "multi-tenant", "id-only", "tenant-only"])
async def test_anonymous_beside_any_credential_is_ignored_and_a_token_is_required(
        deps: Deps, credentials: dict[str, str], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    settings = Settings(teams_anonymous=True, teams_app_id=credentials.get("id", ""),
                        teams_app_password=credentials.get("password", ""),
                        teams_tenant_id=credentials.get("tenant", ""))
    client = await _client(settings, deps)
    try:
        response = await client.post("/api/messages", json=personal("interview Latham screener"))
        assert response.status in (401, 503)
    finally:
        await client.close()
    assert rows(deps, "SELECT COUNT(*) FROM activities") == [(0,)]
    assert any("TEAMS_ANONYMOUS is ignored" in r.getMessage() for r in caplog.records)


@requires_sdk
async def test_anonymous_mode_without_credentials_works_and_warns_loudly(
        deps: Deps, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    client = await _client(ANONYMOUS, deps)
    try:
        assert (await client.post("/api/messages", json=personal("progress"))).status == 200
    finally:
        await client.close()
    assert any("ANONYMOUS MODE" in r.getMessage() and "WITHOUT authentication" in r.getMessage()
               for r in caplog.records)


@requires_sdk
async def test_a_lone_surrogate_in_the_text_gets_a_clear_reply(bot: TestClient[web.Request, web.Application],
                                                               deps: Deps) -> None:
    [card] = cards(await post(bot, personal("interview Latham \ud800 screener")))
    assert "invisible control character" in json.dumps(card)
    [unknown] = cards(await post(bot, personal("\ud800 hello")))
    assert "I don't know the command you typed" in json.dumps(unknown)
    assert rows(deps, "SELECT COUNT(*) FROM activities") == [(0,)]


class _Keys:
    """Stands in for the Bot Framework's signing keys (no network): tokens we sign ourselves."""

    def __init__(self) -> None:
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    async def get_signing_key(self, jwks_uri: str, header: dict[str, Any]) -> Any:
        import jwt

        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        return jwt.PyJWK({**public, "kid": header["kid"], "alg": "RS256"})

    def token(self, *, audience: str = APP_ID, service_url: str = "https://smba.trafficmanager.net/amer/") -> str:
        import jwt

        now = int(datetime.now(UTC).timestamp())  # the SDK checks nbf/exp against the real clock
        claims = {"iss": "https://api.botframework.com", "aud": audience, "serviceurl": service_url,
                  "nbf": now - 60, "exp": now + 3600}
        return jwt.encode(claims, self.private, algorithm="RS256", headers={"kid": "test-key"})


@requires_sdk
async def test_with_credentials_a_signed_bot_framework_token_is_accepted(
        deps: Deps, monkeypatch: pytest.MonkeyPatch) -> None:
    from microsoft_agents.authentication.msal import MsalAuth
    from microsoft_agents.hosting.core import JwtTokenValidator

    async def token(self: Any, resource_url: str, scopes: list[str], force_refresh: bool = False) -> str:
        return "bot-token"  # the SDK fetches one for its user-token client on every turn; no network here

    keys = _Keys()
    monkeypatch.setattr(JwtTokenValidator, "_jwk_client_manager", keys)
    monkeypatch.setattr(MsalAuth, "get_access_token", token)
    settings = Settings(teams_app_id=APP_ID, teams_app_password="s3cret", teams_tenant_id=TENANT)
    client = await _client(settings, deps)
    try:
        def auth(token: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {token}"}

        ok = await client.post("/api/messages", json=personal("interview Latham callback"),
                               headers=auth(keys.token()))
        assert ok.status == 200, await ok.text()
        assert cards((await ok.json())["activities"])
        # A token for another bot, or an activity whose serviceUrl is not the token's, is refused.
        wrong_audience = await client.post("/api/messages", json=personal("progress"),
                                           headers=auth(keys.token(audience="another-app")))
        assert wrong_audience.status == 401
        elsewhere = personal("progress", service_url="https://evil.example/")
        assert (await client.post("/api/messages", json=elsewhere, headers=auth(keys.token()))).status == 401
    finally:
        await client.close()
    assert rows(deps, "SELECT org FROM activities") == [("Latham",)]


@requires_sdk
async def test_with_credentials_proactive_messages_carry_the_bots_token(
        deps: Deps, connector: FakeConnector, monkeypatch: pytest.MonkeyPatch) -> None:
    from microsoft_agents.authentication.msal import MsalAuth

    scopes: list[list[str]] = []

    async def token(self: Any, resource_url: str, scopes_: list[str], force_refresh: bool = False) -> str:
        scopes.append(scopes_)
        return "bot-token"

    monkeypatch.setattr(MsalAuth, "get_access_token", token)
    settings = Settings(teams_app_id=APP_ID, teams_app_password="s3cret", teams_tenant_id=TENANT)
    activity = personal("progress", service_url=connector.url)
    teams_store.save_reference(
        deps.db, tenant_id=TENANT, target_kind="user", target_id=ALEX["aadObjectId"], conversation_id=PERSONAL,
        reference=json.dumps({"bot": BOT, "user": ALEX, "channelId": "msteams", "serviceUrl": connector.url,
                              "conversation": activity["conversation"]}),
        service_url=connector.url, now=NOW)
    await TeamsNotifier(settings, TeamsDirectory(deps.db)).send(_nudge(ALEX["aadObjectId"]))
    [call] = connector.posts()
    assert call["auth"] == "Bearer bot-token"
    assert scopes and all(s == ["https://api.botframework.com/.default"] for s in scopes)


@requires_sdk
async def test_malformed_activities_are_bad_requests(bot: TestClient[web.Request, web.Application]) -> None:
    assert (await bot.post("/api/messages", data="not json")).status == 400
    assert (await bot.post("/api/messages", json={"type": "message"})).status == 400


# ---- proactive ---------------------------------------------------------------------------------------

def _nudge(target: str, key: str = "nudge:test") -> Outgoing:
    reply = Reply(blocks=(Para(("Time for your weekly check-in, ", UserText("Alex"), ".")),), private=False)
    return Outgoing(key=key, kind="nudge", platform="teams", workspace=TENANT, workspace_key=1, target=target,
                    reply=reply)


@requires_sdk
async def test_notifier_posts_to_a_members_personal_chat(bot: TestClient[web.Request, web.Application],
                                                         deps: Deps, connector: FakeConnector) -> None:
    await post(bot, personal("progress", service_url=connector.url))
    notifier = TeamsNotifier(ANONYMOUS, TeamsDirectory(deps.db))
    assert notifier.platform == "teams"
    ref = await notifier.send(_nudge(ALEX["aadObjectId"]))
    [call] = connector.posts()
    assert ref == f"{PERSONAL}:1:reply1"
    assert call["path"] == f"/v3/conversations/{PERSONAL}/activities"  # a new message, not a reply
    assert call["json"]["recipient"]["id"] == ALEX["id"] and call["json"]["from"]["id"] == BOT["id"]
    assert "weekly check-in" in unescape(texts(cards([call["json"]])[0]))
    assert call["auth"] is None
    with pytest.raises(NotSent):
        await notifier.send(_nudge(SAM["aadObjectId"]))  # never talked to the bot: no reference
    other_tenant = replace(_nudge(ALEX["aadObjectId"]), workspace="another-tenant")
    with pytest.raises(NoConversation):
        await notifier.send(other_tenant)
    assert await notifier.find_sent(_nudge(ALEX["aadObjectId"]), NOW) is None
    connector.failures = [(403, {})]
    with pytest.raises(NotSent):
        await notifier.send(_nudge(ALEX["aadObjectId"]))


@requires_sdk
async def test_notifier_starts_a_new_post_in_the_channel_and_honours_retry_after(
        bot: TestClient[web.Request, web.Application], deps: Deps, connector: FakeConnector) -> None:
    await post(bot, in_channel("progress", service_url=connector.url))
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    connector.failures = [(429, {"Retry-After": "2"})]
    notifier = TeamsNotifier(ANONYMOUS, TeamsDirectory(deps.db), sleep=sleep)
    await notifier.send(_nudge(CHANNEL))
    first, second = connector.posts()
    assert first["path"] == second["path"] == f"/v3/conversations/{CHANNEL}/activities"
    assert waits == [2.0]
    assert "recipient" not in second["json"] or second["json"]["recipient"] is None


@requires_sdk
async def test_the_app_registers_the_notifier_add_teams_routes_returns(deps: Deps) -> None:
    from bot.app import NOTIFIERS, build_app

    assert isinstance(add_teams_routes(web.Application(), ANONYMOUS, deps, TeamsDirectory(deps.db)), TeamsNotifier)
    assert add_teams_routes(web.Application(), Settings(), deps, TeamsDirectory(deps.db)) is None
    assert isinstance(build_app(ANONYMOUS, deps)[NOTIFIERS]["teams"], TeamsNotifier)
    refused = build_app(Settings(teams_app_id=APP_ID), deps)  # an app id without its password: refused
    assert refused[NOTIFIERS] == {}


@requires_sdk
async def test_cohort_setup_in_a_channel_sends_the_weekly_summary_there_exactly_once(
        bot: TestClient[web.Request, web.Application], deps: Deps, connector: FakeConnector) -> None:
    [nope] = cards(await post(bot, personal("cohort setup #general friday 9am", service_url=connector.url)))
    assert "in the channel" in unescape(texts(nope))
    await post(bot, personal("interview Latham callback yesterday", service_url=connector.url))
    [card] = cards(await post(bot, in_channel("cohort setup #whatever friday 9am", service_url=connector.url)))
    assert CHANNEL not in texts(card) and "this channel" in unescape(texts(card))
    assert rows(deps, "SELECT summary_channel, nudge_weekday, nudge_hour FROM cohorts") == [(CHANNEL, 4, 9)]
    deliverer = Deliverer(db=deps.db, notifiers={"teams": TeamsNotifier(ANONYMOUS, TeamsDirectory(deps.db))},
                          clock=lambda: NOW, workspace_rate=0, channel_interval=0)
    planned = plan(deps.db, NOW, "America/New_York", kinds=("summary",))
    assert [(o.platform, o.target) for o in planned] == [("teams", CHANNEL)]
    report = await deliverer.deliver(planned)
    assert report.sent == 1
    [summary] = connector.posts()
    assert summary["path"] == f"/v3/conversations/{CHANNEL}/activities"
    assert (await deliverer.deliver(plan(deps.db, NOW, "America/New_York", kinds=("summary",)))).sent == 0
    assert len(connector.posts()) == 1


# ---- the app package ---------------------------------------------------------------------------------

def test_manifest_lists_every_command() -> None:
    manifest = json.loads(app_dir().joinpath("manifest.json").read_text(encoding="utf-8"))
    [bot_entry] = manifest["bots"]
    assert set(bot_entry["scopes"]) == {"personal", "team", "groupChat"}
    commands = [c["title"] for c in bot_entry["commandLists"][0]["commands"]]
    assert commands == list(REGISTRY)
    assert all(len(c["description"]) <= 128 for c in bot_entry["commandLists"][0]["commands"])


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_build_package_fills_in_the_app_id(tmp_path: Path) -> None:
    path = build_package(APP_ID, tmp_path)
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(zf.read("manifest.json"))
        assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
        assert "{{" not in json.dumps(manifest)
        assert _png_size(zf.read("color.png")) == (192, 192)
        assert _png_size(zf.read("outline.png")) == (32, 32)
    with pytest.raises(ValueError):
        build_package("not-a-guid", tmp_path / "x.zip")


def test_cards_fit_teams_limits() -> None:
    from commands.model import Table

    big = Table(columns=("#", "Member", "Points"), rows=tuple((str(i), UserText("x" * 150), "3")
                                                               for i in range(500)), numeric=(True, False, True))
    card = rendering.reply_card(Reply(blocks=(Para(("Board",), style="heading"), big)))
    assert len(json.dumps(card).encode()) <= rendering.MAX_CARD_BYTES + 2000
    assert "cut to fit" in texts(card) or "showing the first" in texts(card)


def test_card_builder_is_pure() -> None:
    reply = Reply(blocks=(Para(("Hello",), style="muted"),))
    assert rendering.reply_card(reply) == rendering.reply_card(reply)
    assert rendering.reply_card(reply)["body"][0]["isSubtle"] is True


@requires_sdk
async def test_cohort_admin_with_a_teams_mention_makes_that_member_an_admin(
        bot: TestClient[web.Request, web.Application], deps: Deps) -> None:
    await post(bot, personal("progress", sender=SAM, conversation="a:1samPersonalChat"))  # Sam is a member
    await post(bot, in_channel("cohort setup"))  # Alex sets the cohort up and becomes its admin
    # Teams names Sam in the mention by his Teams account id (29:...), not by his Azure AD object id.
    activity = in_channel("cohort admin <at>Sam Ortiz</at>")
    activity["entities"].insert(1, {"mentioned": {"id": SAM["id"], "name": SAM["name"]},
                                    "text": "<at>Sam Ortiz</at>", "type": "mention"})
    [card] = cards(await post(bot, activity))
    assert "Sam Ortiz is now a cohort admin" in unescape(texts(card))
    assert rows(deps, "SELECT is_admin FROM members WHERE user_id = ?", SAM["aadObjectId"]) == [(1,)]

    # Someone the bot has never heard from cannot be resolved: nobody is changed.
    stranger = in_channel("cohort admin <at>Pat Lee</at>")
    stranger["entities"].insert(1, {"mentioned": {"id": "29:1patNeverSeen", "name": "Pat Lee"},
                                    "text": "<at>Pat Lee</at>", "type": "mention"})
    [card] = cards(await post(bot, stranger))
    assert "is now a cohort admin" not in unescape(texts(card))
    assert rows(deps, "SELECT COUNT(*) FROM members WHERE is_admin = 1") == [(2,)]


@requires_sdk
async def test_the_nudge_job_sends_to_teams_members_when_teams_is_configured(
        bot: TestClient[web.Request, web.Application], deps: Deps, connector: FakeConnector, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    await post(bot, personal("interview Latham screener", service_url=connector.url))  # Alex joins on Friday
    for name in [n for n in os.environ if n.startswith(("SLACK_", "COHORTBOT_", "TEAMS_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("COHORTBOT_DB", str(tmp_path / "teams.db"))
    monkeypatch.setenv("TEAMS_ANONYMOUS", "1")
    monkeypatch.setenv("COHORTBOT_NUDGE_PACING", "0")
    before = len(connector.posts())
    monday_10am_new_york = "2026-11-30T15:00"
    assert await asyncio.to_thread(main, ["nudge", "--now", monday_10am_new_york]) == 0
    assert "sent 1," in capsys.readouterr().out
    [nudge] = connector.posts()[before:]
    assert nudge["path"] == f"/v3/conversations/{PERSONAL}/activities"
    assert await asyncio.to_thread(main, ["nudge", "--now", monday_10am_new_york]) == 0
    assert capsys.readouterr().out.startswith("sent 0,")
    assert len(connector.posts()) == before + 1
