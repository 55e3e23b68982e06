"""Fault tests: nothing is lost or sent twice when the process dies, Slack fails, requests pile up or lie.

- Crash safety: `python -m bot nudge` killed with SIGKILL at random moments, then run again, sends every weekly
  nudge exactly once (the delivery ledger plus the in-doubt check against the conversation's history).
- Slack faults: with 30% of Web API calls answered 429 (Retry-After 1) or 500, repeated sweeps deliver every
  nudge and the cohort summary exactly once.
- Concurrency: 500 concurrent signed slash commands from 50 members, against the real aiohttp app, give 500 rows,
  no "database is locked", and a leaderboard equal to the rows.
- Hostile requests: unsigned, forged, replayed, oversized, mistyped, unknown and cross-workspace requests are
  refused with the right status and write nothing, and the server stays healthy.

The default run uses small sizes; `pytest -m slow tests/test_faults.py` runs the long versions (2,000 members and
20 kills, more members under faults, the concurrency burst against a real `cohortbot serve` process).
Everything listens on 127.0.0.1 and every wait is bounded.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_app, build_deps, make_deliverer
from bot.config import Settings
from bot.nudges import iso_week, plan
from bot.outgoing import Outgoing
from bot.scheduler import sweep
from bot.transports.slack.client import make_client
from bot.transports.slack.notify import SlackNotifier
from storage import activities, members, open_db, transaction
from storage.members import ScoringRules
from tests.fakeslack import FakeSlack
from tests.processes import free_port
from tests.slack_signing import (
    block_actions_payload,
    interaction_body,
    sign,
    slash_command_body,
    view_submission_payload,
)

ROOT = Path(__file__).resolve().parents[1]
SECRET = "fault-signing-secret-0123456789abcdef"
TOKEN = "xoxb-fault-test"
TEAM = "T0FAKE"  # FakeSlack's own team id
# Monday 30 November 2026, 15:00 UTC: 10:00 in New York, the cohort's default nudge day and past its hour.
MONDAY = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
WEEK = iso_week(MONDAY.date())
# Friday 27 November 2026, 10:00 in New York.
FRIDAY = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
# Zones in which MONDAY is still Monday and at or past 09:00, so every member is due.
ZONES = (None, "America/New_York", "America/Chicago", "Europe/London", "Europe/Berlin")
RULES = SCORING = ScoringRules()
WEEKLY_GOAL = 3
JsonDict = dict[str, Any]


# ---- shared helpers ------------------------------------------------------------------------------------------


def clean_env(**values: str) -> dict[str, str]:
    """The test's environment without any cohortbot, Slack or Teams setting, plus `values`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "TEAMS_", "COHORTBOT_")) and k not in ("PORT", "HOST", "LOG_LEVEL")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(values)
    return env


def slack_clock(start: datetime) -> Callable[[], float]:
    """Slack's clock (message timestamps), running from the bot's frozen clock: the real clocks of the bot and
    Slack agree, and the in-doubt check looks for messages from shortly before the claim onwards."""
    began = time.monotonic()
    return lambda: start.timestamp() + (time.monotonic() - began)


def user_id(i: int) -> str:
    return f"U{i:07d}"


def seed_members(db_path: Path, n: int, *, summary_channel: str | None = None) -> dict[str, int]:
    """N Slack members of one cohort, joined weeks ago, in zones where MONDAY is nudge time: user id -> member id."""
    db = open_db(db_path)
    joined = MONDAY - timedelta(weeks=5)
    ids: dict[str, int] = {}
    try:
        with transaction(db):
            for i in range(n):
                made = members.ensure_member(db, platform="slack", workspace=TEAM, user_id=user_id(i),
                                             display_name=f"Member {i}", tz=ZONES[i % len(ZONES)], now=joined,
                                             rules=SCORING, weekly_goal=WEEKLY_GOAL)
                ids[made.member.user_id] = made.member.id
            if summary_channel and n:
                cohort = made.cohort.id
                members.set_cohort(db, cohort, summary_channel=summary_channel, tz="America/New_York")
                last_week = MONDAY.date() - timedelta(days=5)  # Wednesday of the week the summary covers
                for i, (uid, member_id) in enumerate(ids.items()):
                    if i % 3:
                        continue
                    activities.log_activity(db, workspace_key=made.workspace_key, cohort_id=cohort,
                                            member_id=member_id, kind="interview", subtype="screener",
                                            org=f"Firm {uid}", happened_on=last_week, notes="", status="done",
                                            source="test", now=joined, rules=SCORING)
    finally:
        db.conn.close()
    return ids


def query(db_path: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db_path)
    try:
        return list(conn.execute(sql, params).fetchall())
    finally:
        conn.close()


def posts_by_channel(fake: FakeSlack) -> Counter[str]:
    """Delivered chat.postMessage calls per target (a member's user id or a channel id)."""
    return Counter(str(c.args.get("channel")) for c in fake.calls_to("chat.postMessage"))


def delivery_keys(fake: FakeSlack) -> Counter[str]:
    """Ledger keys carried in the metadata of every message the fake stored."""
    keys: Counter[str] = Counter()
    for message in fake.messages():
        metadata = message.get("metadata") or {}
        keys[str((metadata.get("event_payload") or {}).get("key"))] += 1
    return keys


def assert_exactly_once(fake: FakeSlack, db_path: Path, ids: dict[str, int], extra: dict[str, str] | None = None
                        ) -> None:
    """Every member (and every `extra` channel -> key) got exactly one message, and the ledger says sent."""
    extra = extra or {}
    posts = posts_by_channel(fake)
    duplicates = {target: n for target, n in posts.items() if n > 1}
    missing = (set(ids) | set(extra)) - set(posts)
    unexpected = set(posts) - set(ids) - set(extra)
    assert duplicates == {}, f"{len(duplicates)} targets got more than one message: {sorted(duplicates)[:10]}"
    assert missing == set(), f"{len(missing)} targets got nothing: {sorted(missing)[:10]}"
    assert unexpected == set(), sorted(unexpected)[:10]

    expected_keys = {f"nudge:{member_id}:{WEEK}" for member_id in ids.values()} | set(extra.values())
    keys = delivery_keys(fake)
    assert set(keys) == expected_keys
    assert max(keys.values()) == 1

    rows = query(db_path, "SELECT key, status, message_ref FROM deliveries")
    assert Counter(status for _, status, _ in rows) == Counter({"sent": len(expected_keys)})
    assert {key for key, _, _ in rows} == expected_keys
    channels = {c.response["channel"] for c in fake.calls_to("chat.postMessage")}
    refs = {f"{channel}:{message['ts']}" for channel in channels for message in fake.messages(channel)}
    assert {ref for _, _, ref in rows} == refs  # each ledger row points at the message that was delivered


# ---- crash safety --------------------------------------------------------------------------------------------


@dataclass
class CrashRun:
    killed: int = 0  # runs that were still running when SIGKILL arrived
    exited: int = 0  # runs that finished before their kill


def nudge_process(env: dict[str, str], log: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "bot", "nudge", "--now", MONDAY.isoformat()], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)


def kill_at_random(process: subprocess.Popen[bytes], fake: FakeSlack, rng: random.Random, *, n: int,
                   kills_left: int, by_count: bool) -> bool:
    """SIGKILL `process` at a random moment; True when it was still running then.

    By count: after a random number of new messages (spread so that the kills cover the whole fan-out), plus a
    random few milliseconds, so sends are in flight. Otherwise: a random delay from start, which may land while
    Python imports, while the plan is built, while messages go out, or after the process has finished.
    """
    if by_count:
        before = len(fake.calls_to("chat.postMessage"))
        remaining = max(n - len(posts_by_channel(fake)), 1)
        target = before + rng.randint(1, max(1, 2 * remaining // (kills_left + 1)))
        deadline = time.monotonic() + 120
        while process.poll() is None and time.monotonic() < deadline:
            if len(fake.calls_to("chat.postMessage")) >= target:
                break
            time.sleep(0.001)
        time.sleep(rng.uniform(0, 0.01))
    else:
        deadline = time.monotonic() + rng.uniform(0.0, 1.0 + n / 500)
        while process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
    alive = process.poll() is None
    if alive:
        process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    return alive


def crash_and_restart(tmp_path: Path, n: int, kills: int, seed: int) -> None:
    rng = random.Random(seed)
    db_path = tmp_path / "cohortbot.db"
    ids = seed_members(db_path, n)
    fake = FakeSlack.start_in_thread(clock=slack_clock(MONDAY))
    env = clean_env(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake.url,
                    COHORTBOT_DB=str(db_path), COHORTBOT_WORKSPACE_RATE="0", COHORTBOT_NUDGE_PACING="0",
                    COHORTBOT_CLAIM_LEASE="0", LOG_LEVEL="WARNING")
    log_path = tmp_path / "nudge.log"
    runs = CrashRun()
    try:
        with log_path.open("ab") as log:
            for k in range(kills):
                fake.latency = rng.uniform(0.002, 0.01)
                process = nudge_process(env, log)
                try:
                    by_count = k == 0 or rng.random() < 0.75
                    if kill_at_random(process, fake, rng, n=n, kills_left=kills - k, by_count=by_count):
                        runs.killed += 1
                    else:
                        runs.exited += 1
                finally:
                    if process.poll() is None:
                        process.kill()
                        process.wait(timeout=30)
            fake.latency = 0.002
            final = subprocess.run([sys.executable, "-m", "bot", "nudge", "--now", MONDAY.isoformat()], cwd=ROOT,
                                   env=env, capture_output=True, timeout=300)
        output = final.stdout.decode(errors="replace") + final.stderr.decode(errors="replace")
        assert final.returncode == 0, output + log_path.read_text(errors="replace")[-4000:]
        assert "failed 0" in output, output

        assert runs.killed >= 1, "no kill landed while the job was running"
        assert_exactly_once(fake, db_path, ids)
        in_doubt = query(db_path, "SELECT COUNT(*) FROM deliveries WHERE attempts > 1")[0][0]
        if in_doubt:  # some sends were in flight at a kill: they were checked against Slack before any resend
            assert fake.calls_to("conversations.history")
        again = subprocess.run([sys.executable, "-m", "bot", "nudge", "--now", MONDAY.isoformat()], cwd=ROOT,
                               env=env, capture_output=True, timeout=300)
        assert b"sent 0," in again.stdout, again.stdout + again.stderr
        assert_exactly_once(fake, db_path, ids)
    finally:
        fake.stop()


@pytest.mark.parametrize(("n", "kills"), [pytest.param(200, 3, id="200-members-3-kills")])
def test_weekly_nudge_survives_sigkill_without_duplicates_or_gaps(tmp_path: Path, n: int, kills: int) -> None:
    crash_and_restart(tmp_path, n, kills, seed=20261130)


@pytest.mark.slow
@pytest.mark.parametrize(("n", "kills"), [pytest.param(2000, 20, id="2000-members-20-kills")])
def test_weekly_nudge_survives_sigkill_at_scale(tmp_path: Path, n: int, kills: int) -> None:
    crash_and_restart(tmp_path, n, kills, seed=1130)


# ---- Slack faults --------------------------------------------------------------------------------------------


class LosesAnswers:
    """Slack's notifier on a bad network: some requests are lost on the way out (nothing arrives), some answers
    on the way back (the message arrived, but the sender can't know): either way the send is in doubt."""

    platform = "slack"

    def __init__(self, inner: SlackNotifier) -> None:
        self.inner = inner
        self.lossy = True
        self.sends = 0

    async def send(self, out: Outgoing) -> str:
        self.sends += 1
        turn = self.sends % 8 if self.lossy else -1
        if turn == 3:
            raise ConnectionResetError("request lost")
        ref = await self.inner.send(out)
        if turn in (1, 6):
            raise ConnectionResetError("answer lost")
        return ref

    async def find_sent(self, out: Outgoing, since: datetime) -> str | None:
        return await self.inner.find_sent(out, since)


async def deliver_under_faults(tmp_path: Path, n: int, seed: int, max_sweeps: int = 12) -> None:
    db_path = tmp_path / "cohortbot.db"
    ids = seed_members(db_path, n, summary_channel="C0SUMMARY")
    async with FakeSlack(clock=slack_clock(MONDAY)) as fake:
        fake.fail_ratio(0.3, seed, methods=["chat.postMessage", "conversations.history", "conversations.open"])
        settings = Settings(db_path=str(db_path), slack_bot_token=TOKEN, slack_signing_secret=SECRET,
                            slack_api_url=fake.url, workspace_rate=0, nudge_pacing=0, claim_lease=0)
        deps = build_deps(settings, clock=lambda: MONDAY)
        try:
            notifier = LosesAnswers(SlackNotifier(make_client(settings, sends=True)))
            deliverer = make_deliverer(settings, deps, {"slack": notifier})
            sweeps = recovered = 0
            while plan(deps.db, MONDAY, deps.default_tz) and sweeps < max_sweeps:
                notifier.lossy = sweeps < 3  # the network heals; Slack keeps failing 30% of calls throughout
                report = await sweep(deps, deliverer, now=MONDAY)
                recovered += report.recovered
                sweeps += 1
            assert plan(deps.db, MONDAY, deps.default_tz) == [], f"still due after {sweeps} sweeps"
        finally:
            deps.db.conn.close()

        statuses = Counter(c.status for c in fake.failed_calls)
        assert statuses[429] > 0 and statuses[500] > 0, statuses  # the faults really happened
        assert recovered > 0  # answers were lost after delivery; the history check found them
        assert {c.method for c in fake.failed_calls} >= {"chat.postMessage", "conversations.history"}
        cohort = query(db_path, "SELECT id FROM cohorts")[0][0]
        assert_exactly_once(fake, db_path, ids, extra={"C0SUMMARY": f"summary:{cohort}:{WEEK}"})
        [summary] = fake.messages("C0SUMMARY")
        assert summary["text"].startswith("Cohort week in review")
        logged = len(range(0, n, 3))  # seed_members logged an interview last week for every third member
        assert f"*{logged} interviews*" in json.dumps(summary["blocks"])


async def test_every_nudge_and_the_summary_arrive_once_when_slack_fails_30_percent(tmp_path: Path) -> None:
    await deliver_under_faults(tmp_path, 30, seed=7)


@pytest.mark.slow
async def test_slack_faults_at_scale(tmp_path: Path) -> None:
    await deliver_under_faults(tmp_path, 300, seed=11, max_sweeps=20)


# ---- concurrency ---------------------------------------------------------------------------------------------

N_MEMBERS = 50
PER_MEMBER = 10
KINDS = (("/interview", "screener", RULES.interview), ("/network", "informational", RULES.informational),
         ("/interview", "callback", RULES.interview), ("/network", "coffee", RULES.meeting),
         ("/network", "event", RULES.event))


def burst(today: date) -> list[tuple[str, str, str, date, int]]:
    """(user, command, text, day, base points) for 50 members x 10 entries: distinct organisations, four days."""
    out = []
    for m in range(N_MEMBERS):
        for j in range(PER_MEMBER):
            command, kind, points = KINDS[(m + j) % len(KINDS)]
            day = today - timedelta(days=j % 4)
            out.append((user_id(m), command, f'"Org {m}-{j} & <Partners>" {kind} {day.isoformat()}', day, points))
    return out


def expected_points(entries: list[tuple[str, str, str, date, int]]) -> dict[str, int]:
    """Per member: the daily cap applies to each day's total, whatever order the entries were stored in, and
    again to everything typed in one day (all of these are typed now), so backdating can't add more."""
    per_day: Counter[tuple[str, date]] = Counter()
    for user, _, _, day, points in entries:
        per_day[(user, day)] += points
    out: Counter[str] = Counter()
    for (user, _), total in per_day.items():
        out[user] += min(total, RULES.daily_cap)
    return {user: min(total, RULES.daily_cap) for user, total in out.items()}


def slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


async def fire(session: aiohttp.ClientSession, url: str, requests: list[tuple[str, str, str]]
               ) -> list[tuple[int, str]]:
    """Send every (user, command, text) at once, signed as Slack signs them; (status, body) in order."""

    async def one(user: str, command: str, text: str) -> tuple[int, str]:
        body = slash_command_body(command, slack_escape(text), team_id=TEAM, user_id=user, user_name=user.lower())
        async with session.post(url, data=body.encode(), headers=sign(SECRET, body)) as response:
            return response.status, await response.text()

    return await asyncio.gather(*(one(*r) for r in requests))


def check_burst(db_path: Path, entries: list[tuple[str, str, str, date, int]], answers: list[tuple[int, str]],
                logs: str) -> None:
    assert [status for status, _ in answers].count(200) == len(answers), Counter(s for s, _ in answers)
    for _, body in answers:
        assert "database is locked" not in body
        assert "Something went wrong" not in body, body
    assert "database is locked" not in logs
    writes = answers[:len(entries)]
    assert all(json.loads(body)["text"].startswith("Logged ") for _, body in writes)

    assert query(db_path, "SELECT COUNT(*) FROM activities")[0][0] == len(entries)
    assert query(db_path, "SELECT COUNT(*) FROM members")[0][0] == N_MEMBERS
    assert query(db_path, "SELECT COUNT(DISTINCT seq), MIN(seq), MAX(seq) FROM activities")[0] == (
        len(entries), 1, len(entries))  # short ids stay unique under concurrency
    stored = {r[0] for r in query(db_path, "SELECT org FROM activities")}
    assert stored == {text.split('"')[1] for _, _, text, _, _ in entries}

    sums = dict(query(db_path, "SELECT m.user_id, SUM(a.points) FROM activities a JOIN members m "
                               "ON m.id = a.member_id WHERE a.deleted_at IS NULL AND a.status = 'done' "
                               "GROUP BY m.user_id"))
    assert sums == expected_points(entries)
    per_day = query(db_path, "SELECT member_id, happened_on, SUM(points) FROM activities GROUP BY 1, 2")
    assert max(total for _, _, total in per_day) <= RULES.daily_cap

    from storage.board import board  # the leaderboard's own query, all time
    db = open_db(db_path, migrate=False)
    try:
        cohort = db.execute("SELECT id FROM cohorts").fetchone()[0]
        rows = board(db, cohort, None, date(2100, 1, 1))
    finally:
        db.conn.close()
    assert {r.user_id: r.points for r in rows} == sums
    assert {r.user_id: (r.interviews, r.meetings) for r in rows} == {
        u: (sum(1 for e in entries if e[0] == u and e[1] == "/interview"),
            sum(1 for e in entries if e[0] == u and e[1] == "/network")) for u in sums}


def check_board_reply(body: str, entries: list[tuple[str, str, str, date, int]], sums: dict[str, int]) -> None:
    """The /leaderboard all reply agrees with the rows: its totals line and its top ten."""
    reply = json.loads(body)
    texts = json.dumps(reply["blocks"], ensure_ascii=False)
    interviews = sum(1 for e in entries if e[1] == "/interview")
    line = (f"Cohort all time: {interviews} interviews and {len(entries) - interviews} meetings from "
            f"{N_MEMBERS} members, {sum(sums.values())} points.")
    assert line in texts, texts[-400:]
    top = sorted(sums.values(), reverse=True)[:10]
    table = next(b["text"]["text"] for b in reply["blocks"] if b["type"] == "section" and "```" in b["text"]["text"])
    rows = [line.split() for line in table.strip("`").splitlines()[2:]]  # after the header and the rule
    shown = [int(cells[-3]) for cells in rows if len(cells) > 3 and all(c.isdecimal() for c in cells[-3:])]
    assert shown[:10] == top


@pytest.fixture
async def burst_app(tmp_path: Path) -> AsyncIterator[tuple[str, Path, FakeSlack]]:
    async with FakeSlack() as fake:
        for m in range(N_MEMBERS):
            fake.add_user(user_id(m), name=f"member{m}", display_name=f"Member {m}", tz="America/New_York")
        db_path = tmp_path / "cohortbot.db"
        settings = Settings(db_path=str(db_path), slack_bot_token=TOKEN, slack_signing_secret=SECRET,
                            slack_api_url=fake.url)
        deps = build_deps(settings, clock=lambda: FRIDAY)
        server = TestServer(build_app(settings, deps), host="127.0.0.1")
        await server.start_server()
        try:
            yield str(server.make_url("/slack/events")), db_path, fake
        finally:
            await server.close()
            deps.db.conn.close()


async def test_500_concurrent_slash_commands_give_500_rows_and_a_true_leaderboard(
    burst_app: tuple[str, Path, FakeSlack], caplog: pytest.LogCaptureFixture
) -> None:
    url, db_path, _ = burst_app
    entries = burst(FRIDAY.astimezone(ZoneInfo("America/New_York")).date())
    random.Random(5).shuffle(entries)
    readers = [(user_id(m), "/leaderboard", "all") for m in range(0, N_MEMBERS, 5)]
    caplog.set_level(logging.WARNING)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        answers = await fire(session, url, [(u, c, t) for u, c, t, _, _ in entries] + readers)
        [(status, board_body)] = await fire(session, url, [(user_id(0), "/leaderboard", "all")])
    assert status == 200
    logs = "\n".join(f"{r.levelname} {r.name}: {r.getMessage()}" for r in caplog.records)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], logs
    check_burst(db_path, entries, answers, logs)
    check_board_reply(board_body, entries, expected_points(entries))


@pytest.mark.slow
def test_500_concurrent_slash_commands_against_a_real_serve_process_and_a_nudge_job(tmp_path: Path) -> None:
    """The same burst against `cohortbot serve`, while `cohortbot nudge` writes to the same file from another
    process: SQLite's write lock is shared between processes, and nobody may see "database is locked"."""
    db_path = tmp_path / "cohortbot.db"
    ids = seed_members(db_path, 300)  # the nudge job's work: other members of the same cohort, who log nothing
    port = free_port()
    url = f"http://127.0.0.1:{port}/slack/events"
    with FakeSlack.start_in_thread(latency=0.002, clock=slack_clock(MONDAY)) as fake:
        for m in range(N_MEMBERS):
            fake.add_user(user_id(10_000 + m), name=f"member{m}", display_name=f"Member {m}", tz="America/New_York")
        env = clean_env(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake.url,
                        COHORTBOT_DB=str(db_path), PORT=str(port), HOST="127.0.0.1", COHORTBOT_WORKSPACE_RATE="0",
                        COHORTBOT_NUDGE_PACING="0", COHORTBOT_SWEEP_SECONDS="3600")
        log_path = tmp_path / "serve.log"
        with log_path.open("ab") as log:
            server = subprocess.Popen([sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=env, stdout=log,
                                      stderr=subprocess.STDOUT)
            try:
                wait_healthy(f"http://127.0.0.1:{port}/healthz", server, log_path)
                today = datetime.now(ZoneInfo("America/New_York")).date()  # the server's clock is the real one
                entries = [(user_id(10_000 + int(u[1:])), c, t, d, p) for u, c, t, d, p in burst(today)]
                random.Random(6).shuffle(entries)
                job = nudge_process(env, log)
                try:
                    answers = asyncio.run(_fire_once(url, [(u, c, t) for u, c, t, _, _ in entries]))
                    assert job.wait(timeout=120) == 0
                finally:
                    if job.poll() is None:
                        job.kill()
                        job.wait(timeout=30)
                [(status, board_body)] = asyncio.run(_fire_once(url, [(entries[0][0], "/leaderboard", "all")]))
                assert status == 200
            finally:
                server.send_signal(signal.SIGTERM)
                try:
                    server.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait(timeout=5)
        logs = log_path.read_text(errors="replace")
        assert "database is locked" not in logs
        assert "Traceback" not in logs, logs[-4000:]
        assert [status for status, _ in answers].count(200) == len(answers)
        for _, body in answers:
            assert json.loads(body)["text"].startswith("Logged "), body
        assert query(db_path, "SELECT COUNT(*) FROM activities")[0][0] == len(entries)
        sums = dict(query(db_path, "SELECT m.user_id, SUM(a.points) FROM activities a JOIN members m "
                                   "ON m.id = a.member_id WHERE a.status = 'done' GROUP BY m.user_id"))
        assert sums == expected_points(entries)
        check_board_reply(board_body, entries, sums)
        # Meanwhile the job nudged everyone once: its 300 members, and whichever burst members existed by then. The
        # planner reads in steps, so a burst member's interview logged while it ran may also get its thank-you
        # reminder: a second message, but every message (ledger key) exactly once, and one nudge a member.
        sent = query(db_path, "SELECT COUNT(*) FROM deliveries WHERE status = 'sent'")[0][0]
        assert len(ids) <= sent <= len(ids) + 2 * N_MEMBERS
        assert max(delivery_keys(fake).values()) == 1
        nudged = Counter(str(c.args.get("channel")) for c in fake.calls_to("chat.postMessage")
                         if "'nudge:" in str(c.args.get("metadata")) or '"nudge:' in str(c.args.get("metadata")))
        assert nudged and max(nudged.values()) == 1


async def _fire_once(url: str, requests: list[tuple[str, str, str]]) -> list[tuple[int, str]]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        return await fire(session, url, requests)


def wait_healthy(url: str, process: subprocess.Popen[bytes], log_path: Path, timeout: float = 30.0) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"cohortbot serve exited with {process.returncode}:\n{log_path.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)
    pytest.fail(f"cohortbot serve did not answer /healthz within {timeout}s")


# ---- hostile requests ----------------------------------------------------------------------------------------

TEAM_A, TEAM_B = "T0AAAAAAA", "T0BBBBBBB"


@dataclass
class Target:
    client: TestClient[Any, Any]
    fake: FakeSlack
    db_path: Path

    async def post(self, body: str | bytes, headers: dict[str, str]) -> aiohttp.ClientResponse:
        data = body.encode() if isinstance(body, str) else body
        return await self.client.post("/slack/events", data=data, headers=headers)

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table."""
        conn = sqlite3.connect(self.db_path)
        try:
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                                 "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
            return {t: sorted(conn.execute(f"SELECT * FROM [{t}]").fetchall(), key=repr) for t in tables}
        finally:
            conn.close()


@pytest.fixture
async def target(tmp_path: Path) -> AsyncIterator[Target]:
    async with FakeSlack() as fake:
        fake.add_user("U0001", name="alice", display_name="Alice", tz="America/New_York")
        fake.add_user("U0002", name="bob", display_name="Bob", tz="America/New_York")
        db_path = tmp_path / "cohortbot.db"
        settings = Settings(db_path=str(db_path), slack_bot_token=TOKEN, slack_signing_secret=SECRET,
                            slack_api_url=fake.url)
        deps = build_deps(settings, clock=lambda: FRIDAY)
        async with TestClient(TestServer(build_app(settings, deps), host="127.0.0.1")) as client:
            t = Target(client, fake, db_path)
            body = slash_command_body("/interview", "Latham callback -- private notes", team_id=TEAM_A)
            first = await t.post(body, sign(SECRET, body))
            assert first.status == 200 and (await first.json())["text"].startswith("Logged")
            yield t
        deps.db.conn.close()


def _signed(command: str, text: str, **fields: Any) -> tuple[str, dict[str, str]]:
    body = slash_command_body(command, text, team_id=TEAM_A, **fields)
    return body, sign(SECRET, body)


def _unsigned() -> tuple[str, dict[str, str]]:
    body = slash_command_body("/cohort", "delete 1", team_id=TEAM_A)
    return body, {"Content-Type": "application/x-www-form-urlencoded"}


def _bad_signature() -> tuple[str, dict[str, str]]:
    body = slash_command_body("/cohort", "delete 1", team_id=TEAM_A)
    return body, sign("not-the-signing-secret", body)


def _forged_hex() -> tuple[str, dict[str, str]]:
    body, headers = _signed("/cohort", "delete 1")
    return body, {**headers, "X-Slack-Signature": "v0=" + "0" * 64}


def _replayed() -> tuple[str, dict[str, str]]:
    body = slash_command_body("/interview", "Cravath screener", team_id=TEAM_A)
    return body, sign(SECRET, body, int(time.time()) - 6 * 60)  # correctly signed, six minutes ago


def _from_the_future() -> tuple[str, dict[str, str]]:
    body = slash_command_body("/interview", "Cravath screener", team_id=TEAM_A)
    return body, sign(SECRET, body, int(time.time()) + 6 * 60)


def _tampered() -> tuple[str, dict[str, str]]:
    body, headers = _signed("/cohort", "goal 4")
    return body.replace("goal+4", "delete+1"), headers


def _huge() -> tuple[str, dict[str, str]]:
    return _signed("/interview", "Latham -- " + "x" * (1024 * 1024 + 1))


def _wrong_content_type() -> tuple[str, dict[str, str]]:
    body = slash_command_body("/interview", "Cravath screener", team_id=TEAM_A)
    return body, sign(SECRET, body, content_type="text/plain")


def _multipart_content_type() -> tuple[str, dict[str, str]]:
    body = slash_command_body("/interview", "Cravath screener", team_id=TEAM_A)
    return body, sign(SECRET, body, content_type="multipart/form-data; boundary=x")


def _unknown_command() -> tuple[str, dict[str, str]]:
    return _signed("/foo", "delete 1")


def _not_utf8() -> tuple[bytes, dict[str, str]]:
    body = slash_command_body("/interview", "Cravath", team_id=TEAM_A).encode() + b"%FF&text=\xff\xfe"
    return body, sign(SECRET, body)


@pytest.mark.parametrize(
    ("make", "status"),
    [
        pytest.param(_unsigned, 401, id="unsigned"),
        pytest.param(_bad_signature, 401, id="bad-signature"),
        pytest.param(_forged_hex, 401, id="forged-signature"),
        pytest.param(_tampered, 401, id="tampered-body"),
        pytest.param(_replayed, 401, id="replayed-6-minutes-old"),
        pytest.param(_from_the_future, 401, id="timestamp-6-minutes-ahead"),
        pytest.param(_huge, 413, id="body-over-1-MB"),
        pytest.param(_wrong_content_type, 415, id="text-plain"),
        pytest.param(_multipart_content_type, 415, id="multipart"),
        pytest.param(_unknown_command, 404, id="unknown-command"),
        pytest.param(_not_utf8, 400, id="not-utf-8"),
    ],
)
async def test_hostile_requests_are_refused_and_write_nothing(
    target: Target, make: Callable[[], tuple[str | bytes, dict[str, str]]], status: int
) -> None:
    before = target.snapshot()
    calls = len(target.fake.calls)
    body, headers = make()

    response = await target.post(body, headers)

    assert response.status == status, await response.text()
    assert "Logged" not in await response.text() and "Deleted" not in await response.text()
    assert target.snapshot() == before
    assert len(target.fake.calls) == calls  # not even a profile look-up for a refused request
    health = await target.client.get("/healthz")
    assert health.status == 200 and await health.json() == {"ok": True}


CROSS_WORKSPACE = [
    pytest.param(TEAM_B, "U0001", id="same-user-id-in-team-B"),
    pytest.param(TEAM_B, "U0002", id="other-user-in-team-B"),
    pytest.param(TEAM_A, "U0002", id="other-member-of-team-A"),
]


@pytest.mark.parametrize(("team", "user"), CROSS_WORKSPACE)
async def test_commands_naming_another_members_entry_are_refused_and_write_nothing(
    target: Target, team: str, user: str
) -> None:
    before = target.snapshot()
    for text in ("delete 1", "remove #1", "edit 1 org Evil", "edit 1 date yesterday", "edit 1", "share 1",
                 "thanks 1", "happened 1 cancelled", "happened 1 yes"):
        body = slash_command_body("/cohort", text, team_id=team, user_id=user)

        response = await target.post(body, sign(SECRET, body))

        assert response.status == 200, text  # Slack shows a non-200 acknowledgement as a failure
        reply = await response.json()
        assert reply["response_type"] == "ephemeral", text
        assert "You have no entry #1" in reply["text"], (text, reply["text"])
        assert "Latham" not in json.dumps(reply), text
        assert target.snapshot() == before, text  # not even the asker's workspace, cohort or member row
    assert target.fake.calls_to("views.open") == []
    assert (await target.client.get("/healthz")).status == 200


@pytest.mark.parametrize(("team", "user"), CROSS_WORKSPACE)
async def test_buttons_and_modals_naming_another_members_entry_are_refused_and_write_nothing(
    target: Target, team: str, user: str
) -> None:
    before = target.snapshot()
    button = block_actions_payload("cmd-3-0", json.dumps({"c": "cohort", "t": "delete 1"}), team_id=team,
                                   user_id=user, response_url=target.fake.response_url("undo"))
    body = interaction_body(button)
    pressed = await target.post(body, sign(SECRET, body))
    assert pressed.status == 200
    [answer] = await target.fake.wait_for_calls("response_url")
    assert "You have no entry #1" in answer.args["text"]
    assert target.snapshot() == before

    values: dict[str, dict[str, Any]] = {
        "org": {"value": "Evil Corp"},
        "subtype": {"value": {"type": "static_select", "selected_option": {"value": "offer"}}},
        "day": {"value": {"type": "datepicker", "selected_date": "2026-11-26"}},
        "notes": {"value": "overwritten"},
    }
    submission = view_submission_payload("log_form", values, team_id=team, user_id=user,
                                         private_metadata=json.dumps({"k": "interview", "ch": "C0001", "e": 1}))
    body = interaction_body(submission)
    submitted = await target.post(body, sign(SECRET, body))
    assert submitted.status == 200
    ack = await submitted.json()
    assert ack["response_action"] == "errors" and "no longer yours" in ack["errors"]["org"], ack
    assert target.snapshot() == before
    assert (await target.client.get("/healthz")).status == 200


async def test_the_server_still_serves_after_every_kind_of_hostile_request(target: Target) -> None:
    makers = (_unsigned, _bad_signature, _forged_hex, _tampered, _replayed, _from_the_future, _huge,
              _wrong_content_type, _multipart_content_type, _unknown_command, _not_utf8)
    for make in makers * 3:
        body, headers = make()
        response = await target.post(body, headers)
        assert 400 <= response.status < 500
    health = await target.client.get("/healthz")
    assert health.status == 200 and await health.json() == {"ok": True}
    body, headers = _signed("/interview", "Cravath screener")
    response = await target.post(body, headers)
    assert response.status == 200 and (await response.json())["text"].startswith("Logged")
    rows = query(target.db_path, "SELECT seq, org, deleted_at FROM activities ORDER BY seq")
    assert rows == [(1, "Latham", None), (2, "Cravath", None)]

