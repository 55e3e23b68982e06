"""Delivery exactly once: claim -> send -> mark in the ledger; recovery of sends left in doubt by a crash (the
message metadata found in the DM's history); a real process killed mid-run; injected 429s; pacing.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.delivery import Deliverer
from bot.nudges import plan_nudges
from bot.outgoing import Outgoing
from commands.model import Deps, Para, Reply
from storage import ledger, open_db
from tests.conftest import FrozenClock
from tests.fakeslack import FakeSlack
from tests.test_nudges import (
    MONDAY_NY_10AM,
    NY,
    TEAM,
    Recorder,
    at,
    deliveries,
    join,
    make_deliverer,
    member,
    metadata_key,
    nudge_sweep,
    slack_notifier,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
async def fake(deps: Deps) -> AsyncIterator[FakeSlack]:
    """The fake Slack Web API; its message timestamps follow the test's frozen clock."""
    async with FakeSlack(clock=lambda: deps.clock().timestamp()) as server:
        yield server


def claim(deps: Deps, out: Outgoing, lease: float = 120) -> ledger.Claim | None:
    return ledger.claim(deps.db, key=out.key, kind=out.kind, workspace_key=out.workspace_key, target=out.target,
                        now=deps.clock(), lease_seconds=lease, member_id=out.member_id, cohort_id=out.cohort_id,
                        card_id=out.card_id)


def posts_to(fake: FakeSlack, user: str) -> int:
    return len(fake.messages("D" + user[1:]))


# ---- in-doubt claims ----------------------------------------------------------------------------------

async def test_a_send_that_reached_slack_before_the_crash_is_recovered_not_resent(deps: Deps,
                                                                                  fake: FakeSlack) -> None:
    join(deps, "U0ANN")
    join(deps, "U0BEN")
    at(deps, MONDAY_NY_10AM)
    planned = {o.target: o for o in plan_nudges(deps.db, MONDAY_NY_10AM, NY)}
    notifier = slack_notifier(fake)
    # A process claimed Ann's nudge, posted it (with its metadata) and died before marking it sent.
    first = claim(deps, planned["U0ANN"])
    assert first is not None and first.fresh
    await notifier.send(planned["U0ANN"])
    assert ledger.status(deps.db, planned["U0ANN"].key) == "claimed"

    at(deps, MONDAY_NY_10AM + timedelta(minutes=2))
    report = await nudge_sweep(deps, make_deliverer(deps, slack_notifier(fake), lease_seconds=0))
    assert (report.recovered, report.sent, report.failed) == (1, 1, 0)
    assert posts_to(fake, "U0ANN") == 1 and posts_to(fake, "U0BEN") == 1
    assert len(fake.calls_to("chat.postMessage")) == 2
    history = fake.calls_to("conversations.history")
    assert history and all(c.args.get("include_all_metadata") in (True, "true", "1") for c in history)
    rows = {r["target"]: r for r in deliveries(deps.db, "nudge")}
    assert {r["status"] for r in rows.values()} == {"sent"}
    ann_ts = fake.messages("D0ANN")[0]["ts"]
    assert rows["U0ANN"]["message_ref"] == f"D0ANN:{ann_ts}" and rows["U0ANN"]["attempts"] == 2
    assert (await nudge_sweep(deps, make_deliverer(deps, slack_notifier(fake), lease_seconds=0))).sent == 0
    assert len(fake.calls_to("chat.postMessage")) == 2


async def test_a_claim_that_never_reached_slack_is_sent_exactly_once(deps: Deps, fake: FakeSlack) -> None:
    join(deps, "U0ANN")
    at(deps, MONDAY_NY_10AM)
    [out] = plan_nudges(deps.db, MONDAY_NY_10AM, NY)
    assert claim(deps, out) is not None  # the process died between the claim and the send
    deliverer = make_deliverer(deps, slack_notifier(fake), lease_seconds=0)
    report = await nudge_sweep(deps, deliverer)
    assert (report.recovered, report.sent) == (0, 1)
    [post] = fake.calls_to("chat.postMessage")
    assert metadata_key(post) == out.key
    assert fake.calls_to("conversations.history")  # it looked before sending
    for _ in range(2):
        assert (await nudge_sweep(deps, deliverer)).sent == 0
    assert posts_to(fake, "U0ANN") == 1 and ledger.status(deps.db, out.key) == "sent"


async def test_recovery_still_finds_the_message_after_a_long_outage_of_the_history_check(deps: Deps,
                                                                                        fake: FakeSlack) -> None:
    """Failed lookups must not move the search window past the message sent before the crash."""
    join(deps, "U0ANN")
    at(deps, MONDAY_NY_10AM)
    [out] = plan_nudges(deps.db, MONDAY_NY_10AM, NY)
    assert claim(deps, out) is not None
    await slack_notifier(fake).send(out)  # ... and the process died
    deliverer = make_deliverer(deps, slack_notifier(fake), lease_seconds=0)
    for minutes in range(5, 35, 5):  # half an hour in which conversations.history keeps failing
        fake.fail_next("conversations.history", status=200, error="internal_error")
        report = await nudge_sweep(deps, deliverer, MONDAY_NY_10AM + timedelta(minutes=minutes))
        assert (report.in_doubt, report.failed, report.sent) == (1, 0, 0)
    report = await nudge_sweep(deps, deliverer, MONDAY_NY_10AM + timedelta(minutes=40))
    assert (report.recovered, report.sent) == (1, 0)
    assert posts_to(fake, "U0ANN") == 1


async def test_a_live_claim_is_left_to_its_sender(deps: Deps, fake: FakeSlack) -> None:
    join(deps, "U0ANN")
    at(deps, MONDAY_NY_10AM)
    [out] = plan_nudges(deps.db, MONDAY_NY_10AM, NY)
    assert claim(deps, out) is not None  # another sender is sending it right now
    at(deps, MONDAY_NY_10AM + timedelta(seconds=60))
    deliverer = make_deliverer(deps, slack_notifier(fake), lease_seconds=120)
    report = await nudge_sweep(deps, deliverer)
    assert (report.in_doubt, report.skipped, report.sent, report.recovered) == (1, 0, 0, 0)
    assert not fake.calls_to("chat.postMessage") and not fake.calls_to("conversations.history")
    # Once the lease has run out without a "sent" mark, the claim is in doubt and is checked, then sent.
    at(deps, MONDAY_NY_10AM + timedelta(seconds=121))
    report = await nudge_sweep(deps, deliverer)
    assert report.sent == 1 and posts_to(fake, "U0ANN") == 1


async def test_claims_from_another_run_are_recovered_through_the_notifier(deps: Deps) -> None:
    """The same protocol without Slack: find_sent decides between "recovered" and "send again"."""
    for user in ("U0A", "U0B", "U0C"):
        join(deps, user)
    at(deps, MONDAY_NY_10AM)
    planned = plan_nudges(deps.db, MONDAY_NY_10AM, NY)
    for out in planned:
        assert claim(deps, out) is not None
    ledger.mark_sent(deps.db, planned[2].key, deps.clock(), "ref")
    recorder = Recorder()
    recorder.delivered_before = {planned[0].key}
    report = await nudge_sweep(deps, make_deliverer(deps, recorder, lease_seconds=0))
    assert (report.recovered, report.sent) == (1, 1)
    assert recorder.lookups == [planned[1].key] or sorted(recorder.lookups) == sorted(
        [planned[0].key, planned[1].key])
    assert [o.key for o in recorder.sent] == [planned[1].key]


async def test_a_refused_send_is_released_and_retried_on_the_next_sweep(deps: Deps, fake: FakeSlack) -> None:
    join(deps, "U0ANN")
    fake.fail_next("chat.postMessage", status=200, error="channel_not_found")
    deliverer = make_deliverer(deps, slack_notifier(fake))
    report = await nudge_sweep(deps, deliverer, MONDAY_NY_10AM)
    assert (report.sent, report.failed) == (0, 1)
    assert deliveries(deps.db, "nudge") == []  # the claim was given back
    report = await nudge_sweep(deps, deliverer, MONDAY_NY_10AM + timedelta(minutes=1))
    assert report.sent == 1 and posts_to(fake, "U0ANN") == 1


async def test_a_5xx_after_retries_is_in_doubt_checked_in_history_before_sending_again(deps: Deps,
                                                                                       fake: FakeSlack) -> None:
    """A 500 does not prove the message was not posted: keep the claim, look before sending again."""
    join(deps, "U0ANN")
    fake.fail_next("chat.postMessage", status=500)
    deliverer = make_deliverer(deps, slack_notifier(fake), lease_seconds=60)
    report = await nudge_sweep(deps, deliverer, MONDAY_NY_10AM)
    assert (report.sent, report.in_doubt, report.failed) == (0, 1, 0)
    [row] = deliveries(deps.db, "nudge")
    assert row["status"] == "claimed"
    still = await nudge_sweep(deps, deliverer, MONDAY_NY_10AM + timedelta(seconds=30))
    assert (still.in_doubt, still.skipped) == (1, 0)  # not "already sent": it may not have arrived
    report = await nudge_sweep(deps, deliverer, MONDAY_NY_10AM + timedelta(seconds=61))
    assert report.sent == 1 and fake.calls_to("conversations.history")
    assert posts_to(fake, "U0ANN") == 1


async def test_a_send_that_failed_in_doubt_keeps_its_claim(deps: Deps) -> None:
    class Flaky(Recorder):
        async def send(self, out: object) -> str:
            raise ConnectionResetError("connection dropped after the request went out")

    join(deps, "U0ANN")
    report = await nudge_sweep(deps, make_deliverer(deps, Flaky()), MONDAY_NY_10AM)
    assert (report.in_doubt, report.failed) == (1, 0)
    [row] = deliveries(deps.db, "nudge")
    assert row["status"] == "claimed"  # kept: the next sweep checks the platform before sending again
    recorder = Recorder()
    recorder.delivered_before = {row["key"]}
    report = await nudge_sweep(deps, make_deliverer(deps, recorder, lease_seconds=0),
                               MONDAY_NY_10AM + timedelta(minutes=5))
    assert report.recovered == 1 and recorder.sent == []


# ---- a real process, killed in the middle of a run ----------------------------------------------------

def run_env(db_path: Path, fake: FakeSlack, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "COHORTBOT_"))}
    env.update({
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "test-secret",
        "SLACK_API_URL": fake.url,
        "COHORTBOT_DB": str(db_path),
        "COHORTBOT_WORKSPACE_RATE": "0",
        "COHORTBOT_NUDGE_PACING": "0",
        "LOG_LEVEL": "WARNING",
        **extra,
    })
    return env


def test_a_process_killed_mid_run_and_run_again_sends_each_nudge_exactly_once(tmp_path: Path) -> None:
    db_path = tmp_path / "cohort.db"
    db = open_db(db_path)
    deps = Deps(db=db, clock=FrozenClock(MONDAY_NY_10AM))
    users = [f"U{i:04d}" for i in range(100)]
    for user in users:
        join(deps, user)
    db.close()

    now = "2026-11-30T15:00"
    fake = FakeSlack.start_in_thread(clock=lambda: MONDAY_NY_10AM.timestamp(), latency=0.2)
    try:
        command = [sys.executable, "-m", "bot", "nudge", "--now", now]
        first = subprocess.Popen(command, cwd=ROOT, env=run_env(db_path, fake), stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        try:
            fake.wait_for_calls_sync("chat.postMessage", count=20, timeout=30)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        finally:
            if first.poll() is None:
                first.kill()
                first.wait(timeout=10)
        assert first.returncode == -signal.SIGKILL
        posted_before = len(fake.calls_to("chat.postMessage"))
        assert 20 <= posted_before < len(users)  # killed in the middle
        time.sleep(0.5)  # requests the dead process left in flight finish (the fake answers after its latency)
        posted_after_kill = len(fake.calls_to("chat.postMessage"))

        second = subprocess.run(command, cwd=ROOT, env=run_env(db_path, fake, COHORTBOT_CLAIM_LEASE="0"),
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 0, second.stderr
        assert "failed 0" in second.stdout
        found = re.search(r"sent (\d+), recovered (\d+),", second.stdout)
        assert found, second.stdout
        resent, recovered = int(found[1]), int(found[2])
        assert recovered >= 1  # sends in flight at the kill reached Slack: found in history, not sent again
        assert posted_after_kill + resent == len(users)  # the second run posted only what was missing
        for user in users:
            assert len(fake.messages("D" + user[1:])) == 1, user
        keys = [metadata_key(c) for c in fake.calls_to("chat.postMessage")]
        assert len(keys) == len(set(keys)) == len(users)

        db = open_db(db_path)
        try:
            rows = [dict(r) for r in db.query("SELECT key, status FROM deliveries WHERE kind = 'nudge'")]
        finally:
            db.close()
        assert len(rows) == len(users) and {r["status"] for r in rows} == {"sent"}

        third = subprocess.run(command, cwd=ROOT, env=run_env(db_path, fake), capture_output=True, text=True,
                               timeout=60)
        assert third.returncode == 0 and "sent 0" in third.stdout
        assert len(fake.calls_to("chat.postMessage")) == len(users)
    finally:
        fake.stop()


# ---- 429s and pacing -----------------------------------------------------------------------------------

async def test_injected_429s_delay_sends_but_lose_and_duplicate_nothing(deps: Deps, fake: FakeSlack) -> None:
    users = [f"U0R{i}" for i in range(6)]
    for user in users:
        join(deps, user)
    fake.fail_ratio(0.3, seed=7, statuses=(429,), retry_after=1, methods=["chat.postMessage"])
    deliverer = make_deliverer(deps, slack_notifier(fake))
    started = time.monotonic()
    report = await nudge_sweep(deps, deliverer, MONDAY_NY_10AM)
    elapsed = time.monotonic() - started
    rejected = fake.failed_calls_to("chat.postMessage")
    assert rejected and {c.status for c in rejected} == {429}
    assert elapsed >= 1.0  # Retry-After was honoured
    assert (report.sent, report.failed) == (len(users), 0)
    for user in users:
        assert posts_to(fake, user) == 1
    assert len(fake.calls_to("chat.postMessage")) == len(users)
    fake.fail_ratio(0.0, seed=0)
    assert (await nudge_sweep(deps, deliverer, MONDAY_NY_10AM + timedelta(hours=1))).sent == 0


async def test_a_429_on_one_message_does_not_resend_the_others(deps: Deps, fake: FakeSlack) -> None:
    for user in ("U0A", "U0B", "U0C"):
        join(deps, user)
    fake.fail_next("chat.postMessage", status=429, retry_after=1, times=2)
    report = await nudge_sweep(deps, make_deliverer(deps, slack_notifier(fake)), MONDAY_NY_10AM)
    assert report.sent == 3 and len(fake.failed_calls_to("chat.postMessage")) == 2
    assert [posts_to(fake, u) for u in ("U0A", "U0B", "U0C")] == [1, 1, 1]


def outgoing(target: str, n: int) -> Outgoing:
    return Outgoing(key=f"test:{target}:{n}", kind="nudge", platform="slack", workspace=TEAM, workspace_key=1,
                    target=target, reply=Reply(blocks=(Para(("hello",)),)))


async def test_the_workspace_rate_paces_sends(deps: Deps) -> None:
    join(deps, "U0X")  # workspace 1 exists for the ledger's foreign key
    recorder = Recorder()
    times: list[float] = []

    async def send(out: Outgoing) -> str:
        times.append(time.monotonic())
        return await Recorder.send(recorder, out)

    recorder.send = send  # type: ignore[method-assign]
    deliverer = Deliverer(db=deps.db, notifiers={"slack": recorder}, clock=deps.clock, workspace_rate=5,
                          channel_interval=0)
    started = time.monotonic()
    report = await deliverer.deliver([outgoing(f"U0P{i}", i) for i in range(10)])
    elapsed = time.monotonic() - started
    assert report.sent == 10
    assert 1.6 <= elapsed < 6, elapsed  # 10 sends at 5 a second: about 1.8 s
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= 0.1, gaps


async def test_messages_to_one_channel_are_spaced(deps: Deps) -> None:
    join(deps, "U0X")
    recorder = Recorder()
    deliverer = Deliverer(db=deps.db, notifiers={"slack": recorder}, clock=deps.clock, workspace_rate=0,
                          channel_interval=0.4)
    started = time.monotonic()
    report = await deliverer.deliver([outgoing("U0SAME", i) for i in range(3)] + [outgoing("U0OTHER", 9)])
    assert report.sent == 4
    assert 0.7 <= time.monotonic() - started < 4  # three to one DM: two gaps of 0.4 s


async def test_sends_for_another_platform_wait_for_its_notifier(deps: Deps) -> None:
    join(deps, "U0ANN")
    deliverer = Deliverer(db=deps.db, notifiers={}, clock=deps.clock, workspace_rate=0, channel_interval=0)
    report = await nudge_sweep(deps, deliverer, MONDAY_NY_10AM)
    assert report.no_notifier == 1 and deliveries(deps.db) == []
    assert member(deps.db, "U0ANN").active


async def test_the_production_send_client_never_re_posts_a_message_on_its_own(deps: Deps, fake: FakeSlack) -> None:
    """The client `serve` and `cohortbot nudge` send with retries 429s only: a 500 may come after Slack posted the
    message, so re-posting is left to the ledger, which checks the conversation first."""
    from bot.config import Settings
    from bot.delivery import NotSent
    from bot.transports.slack.client import make_client
    from bot.transports.slack.notify import SlackNotifier

    settings = Settings(slack_bot_token="xoxb-test", slack_signing_secret="s", slack_api_url=fake.url)
    out = outgoing("U0ANN", 1)
    fake.fail_next("chat.postMessage", status=500)
    with pytest.raises(Exception) as failed:
        await SlackNotifier(make_client(settings, sends=True)).send(out)
    assert not isinstance(failed.value, NotSent)  # in doubt, not "surely not sent"
    assert (len(fake.failed_calls_to("chat.postMessage")), len(fake.calls_to("chat.postMessage"))) == (1, 0)

    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    await SlackNotifier(make_client(settings, sends=True)).send(out)  # a 429 was not posted: retried
    assert len(fake.calls_to("chat.postMessage")) == 1

    fake.fail_next("chat.postMessage", status=500)
    await SlackNotifier(make_client(settings)).send(out)  # the interactive client does retry a 5xx itself
    assert len(fake.calls_to("chat.postMessage")) == 2
