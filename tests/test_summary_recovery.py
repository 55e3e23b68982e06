"""A weekly summary in doubt is resolved under the manifest's own scopes, against a fake Web API that enforces
scopes and channel membership as Slack does: the bot joins the summary channel before posting, so after a 500
it can read the channel back, find its post and never post twice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml  # type: ignore[import-untyped,unused-ignore]

from bot.delivery import Report
from bot.scheduler import sweep
from commands.model import Deps
from tests.fakeslack import FakeSlack
from tests.test_nudges import MONDAY_NY_10AM, at, join, log, make_deliverer, ok, slack_notifier, slack_say

pytestmark = pytest.mark.asyncio
MANIFEST = Path(__file__).resolve().parents[1] / "app_manifest.yml"
SCOPES = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))["oauth_config"]["scopes"]["bot"]


@pytest.fixture
async def fake(deps: Deps) -> AsyncIterator[FakeSlack]:
    async with FakeSlack(clock=lambda: deps.clock().timestamp(), scopes=SCOPES) as server:
        yield server


def cohort_with_a_summary_due(deps: Deps, channel: str = "C0JOBS") -> None:
    join(deps, "U0ANN")
    log(deps, "U0ANN", "/interview Latham callback 2026-11-24", when="2026-11-25T20:00")
    at(deps, "2026-11-27T15:00")
    ok(slack_say(deps, "U0ANN", f"/cohort setup <#{channel}|jobs> monday 9am", tz="America/New_York"))


async def summary_sweep(deps: Deps, fake: FakeSlack, moment: datetime | str, lease: float = 60) -> Report:
    at(deps, moment)
    return await sweep(deps, make_deliverer(deps, slack_notifier(fake), lease_seconds=lease), kinds=("summary",))


async def test_a_summary_that_got_a_500_after_posting_is_found_and_not_posted_again(deps: Deps,
                                                                                    fake: FakeSlack) -> None:
    cohort_with_a_summary_due(deps)
    fake.fail_next("chat.postMessage", status=500, after_handling=True)
    first = await summary_sweep(deps, fake, MONDAY_NY_10AM)
    assert first.in_doubt == 1 and len(fake.messages("C0JOBS")) == 1  # posted, though the answer was a 500
    assert [c.method for c in fake.calls if c.method == "conversations.join"] == ["conversations.join"]
    again = await summary_sweep(deps, fake, MONDAY_NY_10AM + timedelta(minutes=5))
    assert again.recovered == 1 and again.sent == 0
    assert len(fake.messages("C0JOBS")) == 1
    history = fake.calls_to("conversations.history")
    assert history and all(c.response is not None and c.response.get("ok") for c in history)


async def test_without_joining_slack_refuses_the_history_so_the_join_is_what_makes_recovery_work(
        deps: Deps, fake: FakeSlack) -> None:
    from slack_sdk.errors import SlackApiError

    notifier = slack_notifier(fake)
    await notifier.client.chat_postMessage(channel="C0ELSE", text="posted with chat:write.public")
    with pytest.raises(SlackApiError, match="not_in_channel"):
        await notifier.client.conversations_history(channel="C0ELSE")


async def test_a_private_summary_channel_needs_the_bot_invited(deps: Deps, fake: FakeSlack) -> None:
    fake.private_channels.add("C0PRIV")
    cohort_with_a_summary_due(deps, "C0PRIV")
    refused = await summary_sweep(deps, fake, MONDAY_NY_10AM)
    assert refused.failed == 1 and fake.messages("C0PRIV") == []  # channel_not_found: certainly not posted
    fake.invite_bot("C0PRIV", private=True)
    fake.fail_next("chat.postMessage", status=500, after_handling=True)
    doubt = await summary_sweep(deps, fake, MONDAY_NY_10AM + timedelta(minutes=1))
    assert doubt.in_doubt == 1
    found = await summary_sweep(deps, fake, MONDAY_NY_10AM + timedelta(minutes=5))
    assert found.recovered == 1 and len(fake.messages("C0PRIV")) == 1


async def test_the_fake_refuses_what_the_scopes_do_not_grant() -> None:
    from slack_sdk.errors import SlackApiError
    from slack_sdk.web.async_client import AsyncWebClient

    async with FakeSlack(scopes=["chat:write"]) as fake:
        client = AsyncWebClient(token="xoxb-test", base_url=fake.url)
        with pytest.raises(SlackApiError) as refused:
            await client.conversations_join(channel="C1")
        assert refused.value.response["error"] == "missing_scope"
        assert refused.value.response["needed"] == "channels:join"
        with pytest.raises(SlackApiError, match="not_in_channel"):
            await client.chat_postMessage(channel="C1", text="no chat:write.public")
