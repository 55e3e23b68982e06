"""OAuth distribution: one deployment serves many workspaces, each with its own bot token.

The real aiohttp app runs in OAuth mode (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, no bot token) against the fake
Web API: a second workspace (T0TWO) installs through GET /slack/install and GET /slack/oauth_redirect (the fake's
oauth.v2.access hands out xoxb-two), logs entries, gets its nudges with its own token, and is forgotten when it
uninstalls, its rows kept. Recovery of sends in doubt stays within Slack's conversations.history limit for
distributed apps (one call a minute per workspace, 15 messages), which the fake enforces.
"""

from __future__ import annotations

import html
import logging
import os
import re
import sqlite3
import urllib.request
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import NOTIFIERS, build_app, build_deps, make_deliverer
from bot.cli import main
from bot.config import Settings
from bot.delivery import Notifier, Report
from bot.scheduler import sweep
from bot.transports.slack.installs import SCOPES, Installs
from bot.transports.slack.notify import SlackNotifier
from commands.model import Deps
from storage import open_db
from tests.conftest import FrozenClock
from tests.fakeslack import FakeSlack
from tests.processes import free_port
from tests.slack_signing import app_home_opened_event, block_actions_payload, view_submission_payload
from tests.test_nudges import ok, slack_say
from tests.test_serve_e2e import SECRET as E2E_SECRET
from tests.test_serve_e2e import Server, clean_env
from tests.test_slack import SECRET, Bot, Clock, button, modal_values, view_arg

# slack_sdk's oauth.v2.access call warns on aiohttp 3.14
pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "oauth-client-secret-0123"
TWO, TOKEN_TWO = "T0TWO", "xoxb-two"
PUBLIC = "https://cohortbot.example.org"
JOINED = datetime(2026, 10, 5, 15, 0, tzinfo=UTC)
MONDAY_NY_10AM = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
MEMBERS = ("U2ANN", "U2BEN", "U2CAT", "U2DAN")


class Time:
    """One clock for everything in a test: the bot's (a datetime), the fake Slack's and the notifier's (seconds)."""

    def __init__(self, bot_clock: Clock) -> None:
        self.bot_clock = bot_clock

    def __call__(self) -> float:
        return self.bot_clock.now.timestamp()

    def set(self, moment: datetime) -> None:
        self.bot_clock.now = moment

    def advance(self, seconds: float) -> None:
        self.bot_clock.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock(JOINED)


@pytest.fixture
async def fake(clock: Clock) -> AsyncIterator[FakeSlack]:
    async with FakeSlack(clock=Time(clock), oauth_client=(CLIENT_ID, CLIENT_SECRET), history_limit_per_minute=1,
                         history_max_page=15) as server:
        for user in MEMBERS:
            server.add_user(user, name=user.lower(), tz="America/New_York", team_id=TWO)
        yield server


def oauth_settings(db_path: Path, fake: FakeSlack, **extra: Any) -> Settings:
    return Settings(db_path=str(db_path), slack_client_id=CLIENT_ID, slack_client_secret=CLIENT_SECRET,
                    slack_signing_secret=SECRET, slack_api_url=fake.url,
                    slack_redirect_uri=f"{PUBLIC}/slack/oauth_redirect", workspace_rate=0, nudge_pacing=0,
                    claim_lease=0, **extra)


@pytest.fixture
async def bot(fake: FakeSlack, clock: Clock, tmp_path: Path) -> AsyncIterator[Bot]:
    settings = oauth_settings(tmp_path / "cohortbot.db", fake)
    assert settings.slack_oauth and settings.has_slack
    deps = build_deps(settings, clock=clock)
    async with TestClient(TestServer(build_app(settings, deps), host="127.0.0.1")) as client:
        yield Bot(client, fake, deps, tmp_path / "cohortbot.db", clock)
    deps.db.conn.close()


async def start_install(bot: Bot) -> tuple[str, list[str]]:
    """GET /slack/install: the "Add to Slack" link's state and scopes, and the state cookie it set."""
    page = await bot.client.get("/slack/install")
    assert page.status == 200 and page.content_type == "text/html"
    link = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', await page.text())
    assert link is not None, await page.text()
    query = parse_qs(urlsplit(html.unescape(link.group(1))).query)
    assert query["client_id"] == [CLIENT_ID] and query["redirect_uri"] == [f"{PUBLIC}/slack/oauth_redirect"]
    state = query["state"][0]
    assert f"slack-app-oauth-state={state}" in page.headers.getall("Set-Cookie")[0]
    return state, query["scope"][0].split(",")


async def redirect(bot: Bot, code: str, state: str, cookie_state: str | None = None) -> ClientResponse:
    """Slack sends the browser back with a code; the browser brings the state cookie (sent by hand here: the
    client's cookie jar keeps a Secure cookie from http://127.0.0.1 to itself, as it should)."""
    return await bot.client.get("/slack/oauth_redirect", params={"code": code, "state": state},
                                headers={"Cookie": f"slack-app-oauth-state={cookie_state or state}"})


async def install_two(bot: Bot) -> None:
    bot.fake.add_oauth_code("code-two", team_id=TWO, token=TOKEN_TWO, scopes=SCOPES)
    state, scopes = await start_install(bot)
    assert scopes == list(SCOPES)
    done = await redirect(bot, "code-two", state)
    assert done.status == 200, await done.text()
    assert f"team={TWO}" in await done.text()  # Slack's "Thank you!" page links into the workspace


def installed_bots(bot: Bot) -> list[tuple[str, str]]:
    conn = sqlite3.connect(bot.db_path)
    try:
        return [(r[0], r[1]) for r in conn.execute("SELECT team_id, bot_token FROM slack_bots")]
    finally:
        conn.close()


def notifiers_of(bot: Bot) -> dict[str, Notifier]:
    server = bot.client.server
    assert isinstance(server, TestServer)
    return server.app[NOTIFIERS]


def notifier_of(bot: Bot) -> SlackNotifier:
    notifier = notifiers_of(bot)["slack"]
    assert isinstance(notifier, SlackNotifier)
    return notifier


async def nudge_sweep(bot: Bot, settings: Settings) -> Report:
    """The server's own sweep, with the app's notifiers (the Slack one answers each workspace with its token)."""
    deliverer = make_deliverer(settings, bot.deps, notifiers_of(bot))
    return await sweep(bot.deps, deliverer, kinds=("nudge",), now=bot.clock.now)


async def join_two(bot: Bot, users: tuple[str, ...] = MEMBERS) -> None:
    for user in users:
        reply = await bot.reply("/interview", "Latham screener", team_id=TWO, user_id=user, user_name=user.lower())
        assert reply["text"].startswith("Logged"), reply


# ---- installing ------------------------------------------------------------------------------------------


async def test_a_second_workspace_installs_logs_entries_and_is_answered_with_its_own_token(bot: Bot) -> None:
    await install_two(bot)
    assert installed_bots(bot) == [(TWO, TOKEN_TWO)]
    [exchange] = bot.fake.calls_to("oauth.v2.access")
    assert exchange.args["code"] == "code-two" and exchange.args["client_id"] == CLIENT_ID

    before = len(bot.fake.calls)
    reply = await bot.reply("/interview", "Latham callback", team_id=TWO, user_id="U2ANN", user_name="ann")
    assert reply["text"].startswith("Logged callback interview"), reply
    [row] = bot.activities(TWO)
    assert (row["user_id"], row["display_name"]) == ("U2ANN", "u2ann")  # the name users.info gave, with xoxb-two
    since_install = bot.fake.calls[before:]
    assert {c.method for c in since_install} == {"auth.test", "users.info"}
    assert {c.token for c in since_install} == {TOKEN_TWO}

    await bot.reply("/network", '"Dana Lee" coffee', team_id=TWO, user_id="U2ANN", user_name="ann")
    assert len(bot.activities(TWO)) == 2
    assert len(bot.fake.calls_to("auth.test")) == 2  # the install's, then one for all requests (cached per token)


async def test_forms_buttons_shares_and_the_home_tab_of_the_second_workspace_use_its_token(bot: Bot) -> None:
    await install_two(bot)
    who: dict[str, Any] = {"team_id": TWO, "user_id": "U2ANN", "user_name": "ann", "channel_id": "C2GEN"}
    reply = await bot.reply("/interview", "Latham callback --share", **who)
    await bot.fake.wait_for_calls("chat.postMessage")  # the share, in the channel
    assert (await bot.command("/interview", "", **who)).status == 200
    [opened] = await bot.fake.wait_for_calls("views.open")
    values = modal_values("Ropes", "screener", "2026-10-05")
    submitted = view_submission_payload("log_form", values, private_metadata=view_arg(opened)["private_metadata"],
                                        team_id=TWO, user_id="U2ANN", user_name="ann")
    assert (await bot.interact(submitted)).status == 200
    await bot.fake.wait_for_calls("chat.postEphemeral")  # the form's confirmation
    await bot.fake.wait_for_calls("views.publish")  # and the home tab
    undo = button(reply["blocks"], "Undo")
    pressed = block_actions_payload(undo["action_id"], undo["value"], team_id=TWO, user_id="U2ANN",
                                    user_name="ann", response_url=bot.fake.response_url("undo"))
    assert (await bot.interact(pressed)).status == 200
    await bot.fake.wait_for_calls("response_url")
    assert (await bot.event(app_home_opened_event("U2ANN"), team_id=TWO)).status == 200
    await bot.fake.wait_for_calls("views.publish", 2)
    api = [c for c in bot.fake.calls if c.method not in ("oauth.v2.access", "response_url")]
    assert {c.method for c in api} >= {"users.info", "chat.postMessage", "views.open", "chat.postEphemeral",
                                       "views.publish"}
    assert {c.token for c in api} == {TOKEN_TWO}
    assert [r["org"] for r in bot.activities(TWO)] == ["Latham", "Ropes"]


async def test_the_install_link_asks_for_the_manifests_scopes_and_the_page_refuses_a_bad_state(bot: Bot) -> None:
    state, scopes = await start_install(bot)
    assert scopes == list(SCOPES)
    bot.fake.add_oauth_code("code-two", team_id=TWO, token=TOKEN_TWO)
    forged = await redirect(bot, "code-two", "not-a-state-we-issued")
    assert forged.status == 400 and "expired or was already used" in await forged.text()
    other_browser = await redirect(bot, "code-two", state, cookie_state="someone-elses")
    assert other_browser.status == 400 and "another browser" in await other_browser.text()
    assert installed_bots(bot) == [] and not bot.fake.calls_to("oauth.v2.access")
    assert (await redirect(bot, "code-two", state)).status == 200  # the real one still works, once
    again = await redirect(bot, "code-two", state)
    assert again.status == 400 and "expired or was already used" in await again.text()


async def test_an_expired_state_or_a_refused_code_gives_a_clear_page_not_a_500(bot: Bot) -> None:
    state, _ = await start_install(bot)
    conn = sqlite3.connect(bot.db_path)
    with conn:
        conn.execute("UPDATE oauth_states SET expire_at = 0")  # ten minutes went by
    conn.close()
    expired = await redirect(bot, "code-two", state)
    assert expired.status == 400 and "expired" in await expired.text()
    state, _ = await start_install(bot)
    refused = await redirect(bot, "never-issued", state)
    assert refused.status == 400 and "did not accept" in await refused.text()
    cancelled = await bot.client.get("/slack/oauth_redirect", params={"error": "access_denied"})
    assert cancelled.status == 200 and "cancelled" in await cancelled.text()
    assert installed_bots(bot) == []


async def test_states_nobody_came_back_with_do_not_pile_up(bot: Bot) -> None:
    for _ in range(5):
        await start_install(bot)
    conn = sqlite3.connect(bot.db_path)
    try:
        with conn:
            conn.execute("UPDATE oauth_states SET expire_at = 0")
        await start_install(bot)
        assert conn.execute("SELECT COUNT(*) FROM oauth_states").fetchone()[0] == 1
    finally:
        conn.close()


async def test_no_log_record_of_the_flow_carries_the_token(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # even at DEBUG, where slack_sdk logs whole responses
    await install_two(bot)
    await bot.reply("/interview", "Latham callback", team_id=TWO, user_id="U2ANN", user_name="ann")
    assert caplog.records
    leaks = [r.getMessage() for r in caplog.records if TOKEN_TWO in r.getMessage() or CLIENT_SECRET in
             r.getMessage() or TOKEN_TWO in (r.exc_text or "")]
    assert leaks == []


# ---- a workspace that has not installed (or uninstalled) ----------------------------------------------------


async def test_a_workspace_that_never_installed_is_asked_to_install_first(bot: Bot) -> None:
    response = await bot.command("/interview", "Latham callback", team_id="T0NEW",
                                 response_url=bot.fake.response_url("new"))
    assert response.status == 200
    [answer] = bot.fake.response_url_posts("new")
    assert answer["text"] == ("cohortbot isn't installed in this workspace yet. Ask an admin to add it: "
                              f"{PUBLIC}/slack/install")
    assert answer.get("response_type", "ephemeral") == "ephemeral"
    assert bot.counts() == {"workspaces": 0, "members": 0, "activities": 0, "seen_events": 0}
    assert not bot.fake.calls_to("users.info") and not bot.fake.calls_to("auth.test")


async def test_uninstalling_forgets_the_token_but_keeps_the_workspaces_rows(bot: Bot, clock: Clock) -> None:
    await install_two(bot)
    await join_two(bot, ("U2ANN",))
    await bot.reply("/cohort", "setup <#C2JOBS|jobs> monday 9am", team_id=TWO, user_id="U2ANN", user_name="ann")
    kept = bot.counts()
    scheduled = notifier_of(bot).clients
    assert await scheduled.client_for(TWO) is not None  # cached for scheduled sends
    bot.fake.revoke(TOKEN_TWO)  # Slack revokes the token, then tells the app
    gone = await bot.event({"type": "app_uninstalled"}, team_id=TWO)
    assert gone.status == 200
    assert installed_bots(bot) == [] and await scheduled.client_for(TWO) is None  # the cached client is gone too

    response = await bot.command("/progress", "", team_id=TWO, user_id="U2ANN", user_name="ann",
                                 response_url=bot.fake.response_url("after"))
    assert response.status == 200
    assert bot.fake.response_url_posts("after")[0]["text"].startswith("cohortbot isn't installed")
    assert bot.counts() == kept and len(bot.activities(TWO)) == 1  # nothing new stored, nothing erased

    clock.now = MONDAY_NY_10AM  # the nudge is due, but there is no token to send it with
    settings = oauth_settings(bot.db_path, bot.fake)
    report = await nudge_sweep(bot, settings)
    assert (report.sent, report.failed) == (0, 2)  # ann's nudge and her coordinator's message (she ran setup)
    assert not bot.fake.calls_to("chat.postMessage")


async def test_a_revoked_bot_token_is_deleted_too(bot: Bot) -> None:
    await install_two(bot)
    revoked = await bot.event({"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["U0BOT0TWO"]}}, team_id=TWO)
    assert revoked.status == 200
    assert installed_bots(bot) == []


# ---- scheduled sends, each with its workspace's token --------------------------------------------------------


async def test_nudges_go_out_with_the_workspaces_own_token(bot: Bot, clock: Clock) -> None:
    await install_two(bot)
    await join_two(bot)
    clock.now = MONDAY_NY_10AM
    report = await nudge_sweep(bot, oauth_settings(bot.db_path, bot.fake))
    assert report.sent == len(MEMBERS)
    posts = bot.fake.calls_to("chat.postMessage")
    assert sorted(c.args["channel"] for c in posts) == sorted(MEMBERS)
    assert {c.token for c in posts} == {TOKEN_TWO}


def dm(user: str) -> str:
    return "D" + user[1:]


async def test_sends_in_doubt_are_checked_one_a_minute_per_workspace_and_never_sent_twice(bot: Bot,
                                                                                          clock: Clock) -> None:
    await install_two(bot)
    await join_two(bot)
    time = Time(clock)
    notifier_of(bot).clock = time
    settings = oauth_settings(bot.db_path, bot.fake)
    time.set(MONDAY_NY_10AM)
    bot.fake.fail_next("chat.postMessage", status=500, after_handling=True, times=len(MEMBERS))
    first = await nudge_sweep(bot, settings)
    assert (first.in_doubt, first.sent) == (len(MEMBERS), 0)  # all four posted, every answer lost
    assert all(len(bot.fake.messages(dm(user))) == 1 for user in MEMBERS)

    resolved = 0
    while resolved < len(MEMBERS):
        time.advance(61)
        report = await nudge_sweep(bot, settings)  # one check this minute: one send resolved, the rest wait
        resolved += report.recovered
        assert (report.recovered, report.sent, report.failed) == (1, 0, 0)
        assert report.in_doubt == len(MEMBERS) - resolved
        time.advance(20)
        early = await nudge_sweep(bot, settings)  # within the minute: nothing checked, nothing sent
        assert (early.recovered, early.sent, early.in_doubt) == (0, 0, len(MEMBERS) - resolved)

    history = bot.fake.calls_to("conversations.history")
    assert len(history) == len(MEMBERS)
    assert bot.fake.failed_calls_to("conversations.history") == []  # the fake's limit was never hit
    assert all(int(c.args["limit"]) <= 15 and c.token == TOKEN_TWO for c in history)
    assert all(len(bot.fake.messages(dm(user))) == 1 for user in MEMBERS)  # no duplicates
    assert len(bot.fake.calls_to("chat.postMessage")) == 0  # the lost answers were the only posts (failed_calls)
    time.advance(61)
    final = await nudge_sweep(bot, settings)
    assert (final.sent, final.recovered, final.in_doubt) == (0, 0, 0)


async def test_a_check_refused_by_slacks_limit_waits_its_retry_after_and_sends_nothing(bot: Bot,
                                                                                      clock: Clock) -> None:
    await install_two(bot)
    await join_two(bot, ("U2ANN",))
    time = Time(clock)
    notifier_of(bot).clock = time
    settings = oauth_settings(bot.db_path, bot.fake)
    time.set(MONDAY_NY_10AM)
    bot.fake.fail_next("chat.postMessage", status=500, after_handling=True)
    assert (await nudge_sweep(bot, settings)).in_doubt == 1
    time.advance(61)
    other = AsyncWebClient(token=TOKEN_TWO, base_url=bot.fake.url)  # another process spends this minute's call
    await other.conversations_history(channel=dm("U2ANN"))
    refused = await nudge_sweep(bot, settings)
    assert (refused.in_doubt, refused.sent) == (1, 0)
    assert [c.status for c in bot.fake.failed_calls_to("conversations.history")] == [429]  # not retried in place
    time.advance(40)
    assert (await nudge_sweep(bot, settings)).in_doubt == 1  # Retry-After (60 s) not over: not even asked
    assert len(bot.fake.failed_calls_to("conversations.history")) == 1
    time.advance(21)
    assert (await nudge_sweep(bot, settings)).recovered == 1
    assert len(bot.fake.messages(dm("U2ANN"))) == 1
    with pytest.raises(SlackApiError):  # and the fake still enforces the limit on anyone
        await other.conversations_history(channel=dm("U2ANN"))


# ---- `cohortbot nudge` with OAuth settings ---------------------------------------------------------------


def test_the_nudge_command_sends_each_workspace_its_nudges_with_its_own_token(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cohort.db"
    db = open_db(path)
    deps = Deps(db=db, clock=FrozenClock(JOINED))
    for team, user in ((TWO, "U2ANN"), (TWO, "U2BEN"), ("T0GONE", "U9ZED")):
        ok(slack_say(deps, user, "/cohort join", tz="America/New_York", team=team))
    db.close()
    with FakeSlack.start_in_thread(clock=lambda: MONDAY_NY_10AM.timestamp()) as fake:
        settings = oauth_settings(path, fake)
        Installs(settings).store.save(Installation(app_id="A0FAKE", team_id=TWO, bot_token=TOKEN_TWO,
                                                   bot_id="B0BOT0TWO", bot_user_id="U0BOT0TWO", user_id="U2ANN",
                                                   bot_scopes=list(SCOPES)))
        fake.add_team(TWO, TOKEN_TWO)
        for name in [n for n in os.environ if n.startswith(("SLACK_", "COHORTBOT_"))]:
            monkeypatch.delenv(name)
        for name, value in {"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET,
                            "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.url, "COHORTBOT_DB": str(path),
                            "COHORTBOT_WORKSPACE_RATE": "0", "COHORTBOT_NUDGE_PACING": "0"}.items():
            monkeypatch.setenv(name, value)
        code = main(["nudge", "--now", "2026-11-30T15:00"])
        posts = fake.calls_to("chat.postMessage")
    out = capsys.readouterr().out
    assert code == 1 and "sent 2" in out and "failed 1" in out, out  # T0GONE never installed: not sent
    assert sorted(c.args["channel"] for c in posts) == ["U2ANN", "U2BEN"]
    assert {c.token for c in posts} == {TOKEN_TWO}


# ---- `cohortbot serve` as a process ------------------------------------------------------------------------


def test_serve_installs_a_workspace_and_answers_it_with_its_token(tmp_path: Path) -> None:
    with FakeSlack.start_in_thread(oauth_client=(CLIENT_ID, CLIENT_SECRET)) as fake:
        fake.add_user("U2ANN", name="ann", tz="America/New_York", team_id=TWO)
        fake.add_oauth_code("code-two", team_id=TWO, token=TOKEN_TWO)
        port = free_port()
        env = clean_env(SLACK_CLIENT_ID=CLIENT_ID, SLACK_CLIENT_SECRET=CLIENT_SECRET, SLACK_SIGNING_SECRET=E2E_SECRET,
                        SLACK_API_URL=fake.url, COHORTBOT_DB=str(tmp_path / "cohortbot.db"), PORT=str(port),
                        HOST="127.0.0.1", LOG_LEVEL="DEBUG")
        server = Server(env, port, tmp_path / "serve.log")
        try:
            server.wait_healthy()
            with urllib.request.urlopen(server.origin + "/slack/install", timeout=10) as page:
                link = re.search(r'href="([^"]+)"', page.read().decode().split("<body>")[-1])
            assert link is not None
            state = parse_qs(urlsplit(html.unescape(link.group(1))).query)["state"][0]
            back = urllib.request.Request(f"{server.origin}/slack/oauth_redirect?code=code-two&state={state}",
                                          headers={"Cookie": f"slack-app-oauth-state={state}"})
            with urllib.request.urlopen(back, timeout=10) as done:
                assert done.status == 200
            reply = server.command("/interview", "Latham callback", team_id=TWO, user_id="U2ANN", user_name="ann")
            assert reply["text"].startswith("Logged callback interview")
        finally:
            code = server.stop()
        logged = (tmp_path / "serve.log").read_text(errors="replace")
        assert code == 0, logged
        assert {c.token for c in fake.calls_to("users.info")} == {TOKEN_TWO}
        assert "installed in workspace T0TWO" in logged
        assert TOKEN_TWO not in logged and CLIENT_SECRET not in logged  # at DEBUG, too
