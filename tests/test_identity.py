"""A member's identity has one owner: the transport says what Slack told it, dispatch records it in the command's
own transaction, and Slack is asked about a member at most once per TTL, however many requests arrive together.

Signed requests go to the real app; the fake Web API answers users.info (slowly, where that matters).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_app, build_deps
from bot.config import Settings
from tests.fakeslack import FakeSlack
from tests.test_slack import SECRET, TOKEN, Bot, Clock, all_text

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(latency=0.05) as server:  # slow enough that a burst overlaps the first users.info
        server.add_user("U0001", name="alice", real_name="Alice Smith", display_name="Alice", tz="America/Chicago")
        server.add_user("U0002", name="bob", real_name="Bob Jones", display_name="Bob", tz="America/Denver")
        server.add_user("U0ADM", name="ada", real_name="Ada Admin", display_name="Ada", tz="America/New_York",
                        is_admin=True)
        yield server


async def start(fake: FakeSlack, db_path: Path, clock: Clock) -> tuple[Bot, Any]:
    settings = Settings(db_path=str(db_path), slack_bot_token=TOKEN, slack_signing_secret=SECRET,
                        slack_api_url=fake.url)
    deps = build_deps(settings, clock=clock)
    client = TestClient(TestServer(build_app(settings, deps), host="127.0.0.1"))
    await client.start_server()
    return Bot(client, fake, deps, db_path, clock), client


@pytest.fixture
async def bot(fake: FakeSlack, tmp_path: Path) -> AsyncIterator[Bot]:
    started, client = await start(fake, tmp_path / "cohortbot.db", Clock())
    yield started
    await client.close()
    started.deps.db.conn.close()


async def test_a_burst_from_two_members_asks_slack_once_per_member(bot: Bot) -> None:
    texts = [f"Firm{i} screener" for i in range(12)]
    replies = await asyncio.gather(*(bot.reply("/interview", text, user_id=user, user_name=user.lower())
                                     for text in texts for user in ("U0001", "U0002")))
    assert all(r["text"].startswith("Logged screener interview") for r in replies)
    assert sorted(c.args["user"] for c in bot.fake.calls_to("users.info")) == ["U0001", "U0002"]
    assert bot.count("activities") == 24
    alice, bob = bot.member("U0001"), bot.member("U0002")
    assert (alice["display_name"], alice["tz"], bob["display_name"], bob["tz"]) == (
        "Alice", "America/Chicago", "Bob", "America/Denver")
    assert alice["profile_checked_at"] is not None and bob["profile_checked_at"] is not None


async def test_the_recorded_profile_survives_a_restart_without_asking_slack_again(fake: FakeSlack,
                                                                                  tmp_path: Path) -> None:
    clock = Clock()
    first, client = await start(fake, tmp_path / "db.sqlite", clock)
    await first.reply("/progress", "", user_id="U0001", user_name="alice")
    await client.close()
    first.deps.db.conn.close()

    clock.now += timedelta(days=2)
    second, client = await start(fake, tmp_path / "db.sqlite", clock)
    try:
        await second.reply("/interview", "Latham callback", user_id="U0001", user_name="alice")
        assert len(fake.calls_to("users.info")) == 1
        # A week later the stored profile is stale: the member is answered at once from the database, Slack is
        # asked in the background, and the next command records what it said.
        clock.now += timedelta(days=8)
        fake.add_user("U0001", name="alice", real_name="Alice Smith", display_name="Ali", tz="Europe/London")
        await second.reply("/progress", "", user_id="U0001", user_name="alice")
        await fake.wait_for_calls("users.info", 2)
        await asyncio.sleep(0.1)
        await second.reply("/progress", "", user_id="U0001", user_name="alice")
        assert (second.member("U0001")["display_name"], second.member("U0001")["tz"]) == ("Ali", "Europe/London")
        assert len(fake.calls_to("users.info")) == 2
    finally:
        await client.close()
        second.deps.db.conn.close()


async def test_a_refused_first_command_stores_neither_the_member_nor_their_profile(bot: Bot) -> None:
    refused = await bot.reply("/cohort", "goal many", user_id="U0001", user_name="alice")
    assert "whole number" in all_text(refused.get("blocks", [])) or "whole number" in refused["text"]
    assert bot.counts()["members"] == 0
    assert len(bot.fake.calls_to("users.info")) == 1
    # The profile Slack gave is still known: the next command records it without asking again.
    await bot.reply("/progress", "", user_id="U0001", user_name="alice")
    assert bot.member("U0001")["display_name"] == "Alice"
    assert len(bot.fake.calls_to("users.info")) == 1


@pytest.mark.parametrize("text", ["Setup <#C0JOBS|jobs> monday", "SETUP <#C0JOBS|jobs> monday",
                                  "setup <#C0JOBS|jobs> Monday 9AM"])
async def test_a_workspace_admin_may_set_up_whatever_the_case_of_the_subcommand(bot: Bot, text: str) -> None:
    await bot.reply("/cohort", "setup <#C0FIRST|first>", user_id="U0001", user_name="alice")  # alice: admin
    await bot.reply("/progress", "", user_id="U0ADM", user_name="ada")
    before = len(bot.fake.calls_to("users.info"))
    allowed = await bot.reply("/cohort", text, user_id="U0ADM", user_name="ada")
    assert "Monday" in all_text(allowed["blocks"]), allowed
    assert bot.query("SELECT summary_channel FROM cohorts")[0]["summary_channel"] == "C0JOBS"
    assert len(bot.fake.calls_to("users.info")) == before + 1  # asked afresh: is Ada still a workspace admin?


async def test_admin_subcommands_ask_afresh_but_others_do_not(bot: Bot) -> None:
    await bot.reply("/progress", "", user_id="U0002", user_name="bob")
    for text in ("goal 4", "privacy anonymous", "help setup", "pause 1w", "resume"):
        await bot.reply("/cohort", text, user_id="U0002", user_name="bob")
    assert len(bot.fake.calls_to("users.info")) == 1
    refused = await bot.reply("/cohort", "Admin <@U0001|alice>", user_id="U0002", user_name="bob")
    assert "Only a cohort admin" in all_text(refused.get("blocks", [])) or "Only" in refused["text"]
    assert len(bot.fake.calls_to("users.info")) == 2


async def test_a_cold_burst_asks_auth_test_once_and_users_info_once_per_member(bot: Bot) -> None:
    bot.fake.latency = 0.2  # a slow Web API: every request of the burst arrives while the first calls are out
    bot.fake.add_user("U0003", name="cy", real_name="Cy", display_name="Cy", tz="America/New_York")
    users = ("U0001", "U0002", "U0003", "U0ADM")
    replies = await asyncio.gather(*(bot.reply("/interview", f"Firm{i} screener", user_id=users[i % 4],
                                               user_name=f"u{i % 4}") for i in range(100)))
    assert all(r["text"].startswith("Logged") for r in replies)
    assert len(bot.fake.calls_to("auth.test")) == 1
    assert sorted(c.args["user"] for c in bot.fake.calls_to("users.info")) == sorted(users)
    assert bot.count("activities") == 100
