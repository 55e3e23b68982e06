"""Running the jobs by hand and on a schedule: `cohortbot nudge|summary [--dry-run] [--now]`, the shell's
`:nudge` / `:summary`, and the APScheduler sweep job inside a running event loop.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.delivery import Deliverer, Report
from bot.outgoing import Outgoing
from bot.scheduler import SWEEP_JOB_ID, start_scheduler
from commands.model import Deps
from storage import open_db
from tests.conftest import FrozenClock
from tests.fakeslack import FakeSlack
from tests.test_nudges import (
    MONDAY_NY_10AM,
    Recorder,
    at,
    join,
    log,
    make_deliverer,
    metadata_key,
    ok,
    slack_say,
)

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-11-30T15:00"  # Monday 10:00 in New York


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    """The fake Slack Web API in its own thread, for jobs that run their own event loop."""
    server = FakeSlack.start_in_thread(clock=lambda: MONDAY_NY_10AM.timestamp())
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def db_path(tmp_path: Path, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cohort on a SQLite file: three members (one with an interview last week), summary channel set up;
    the environment points cohortbot at it and at the fake Slack."""
    path = tmp_path / "cohort.db"
    db = open_db(path)
    deps = Deps(db=db, clock=FrozenClock(MONDAY_NY_10AM))
    for user in ("U0ANN", "U0BEN", "U0CAT"):
        join(deps, user)
    log(deps, "U0BEN", "/interview Latham callback 2026-11-24", when="2026-11-25T20:00")
    at(deps, "2026-11-27T15:00")
    ok(slack_say(deps, "U0ANN", "/cohort setup <#C0JOBS|jobs> monday 9am", tz="America/New_York"))
    db.close()
    for name in [n for n in os.environ if n.startswith(("SLACK_", "COHORTBOT_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "test-secret")
    monkeypatch.setenv("SLACK_API_URL", fake.url)
    monkeypatch.setenv("COHORTBOT_DB", str(path))
    monkeypatch.setenv("COHORTBOT_WORKSPACE_RATE", "0")
    monkeypatch.setenv("COHORTBOT_NUDGE_PACING", "0")
    return path


def delivery_rows(path: Path) -> list[dict[str, object]]:
    db = open_db(path)
    try:
        return [dict(r) for r in db.query("SELECT key, kind, status, target FROM deliveries ORDER BY id")]
    finally:
        db.close()


def test_nudge_dry_run_prints_who_would_get_what_and_sends_nothing(
        db_path: Path, fake: FakeSlack, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nudge", "--dry-run", "--now", NOW]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith(("nudge", "coordinator"))]
    assert len(lines) == 3
    for user in ("U0ANN", "U0BEN", "U0CAT"):
        assert sum(f"slack:T0FAKE:{user}" in line for line in lines) == 1
    # U0ANN ran setup before logging anything: she coordinates, so she gets the coordinators' message, no nudge.
    assert [line.split()[0] for line in lines if "U0ANN" in line] == ["coordinator"]
    assert "3 due; dry run, nothing sent." in out
    assert fake.calls == [] and delivery_rows(db_path) == []

    assert main(["summary", "--dry-run", "--now", NOW]) == 0
    out = capsys.readouterr().out
    assert "summary" in out and "slack:T0FAKE:C0JOBS" in out and "1 due; dry run, nothing sent." in out
    assert fake.calls == [] and delivery_rows(db_path) == []
    # Before the nudge hour nothing is due.
    assert main(["nudge", "--dry-run", "--now", "2026-11-30T13:00"]) == 0
    assert "0 due" in capsys.readouterr().out


def test_summary_posts_once_and_nudge_sends_once(db_path: Path, fake: FakeSlack,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", "--now", NOW]) == 0
    assert "sent 1, recovered 0" in capsys.readouterr().out
    assert main(["summary", "--now", "2026-11-30T18:00"]) == 0
    assert "sent 0" in capsys.readouterr().out
    [post] = fake.calls_to("chat.postMessage")
    assert post.args["channel"] == "C0JOBS" and metadata_key(post).startswith("summary:")

    assert main(["nudge", "--now", NOW]) == 0
    assert "sent 3" in capsys.readouterr().out
    assert main(["nudge", "--now", NOW]) == 0
    assert "sent 0" in capsys.readouterr().out
    posts = fake.calls_to("chat.postMessage")
    assert sorted(p.args["channel"] for p in posts[1:]) == ["U0ANN", "U0BEN", "U0CAT"]
    assert [r["status"] for r in delivery_rows(db_path)] == ["sent"] * 4


def test_now_must_be_a_date_time(db_path: Path) -> None:
    with pytest.raises(SystemExit, match="ISO date-time"):
        main(["nudge", "--now", "next monday"])


def test_the_shell_nudge_and_summary_commands(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "COHORTBOT_"))}
    env.update({"COHORTBOT_DB": str(tmp_path / "shell.db"), "LOG_LEVEL": "WARNING"})
    script = "\n".join([
        "/cohort join",
        "/cohort setup #cohort monday 9am",
        "/cohort join",  # setup made her a coordinator; joining, she takes part too
        ":as bob",
        "/interview Latham callback",
        ":as cy",
        "/cohort join",
        "/cohort nudges off",
        ":nudge 2026-11-30T13:59",
        ":nudge 2026-11-30T15:00",
        ":nudge 2026-11-30T16:00",
        ":summary 2026-11-30T15:00",
        ":summary 2026-11-30T16:00",
        ":quit",
    ]) + "\n"
    result = subprocess.run([sys.executable, "-m", "bot", "shell", "--user", "alice", "--now", "2026-11-23T15:00"],
                            cwd=ROOT, env=env, input=script, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("[direct message to alice]") == 2  # her nudge, then her coordinator's message
    assert out.count("[direct message to bob]") == 1
    assert "[direct message to cy]" not in out  # nudges off
    assert out.count("Nothing due at") == 3  # before 9:00, the nudges again, the summary again
    nudges = out.split(":nudge 2026-11-30T15:00", 1)[1].split(":nudge 2026-11-30T16:00", 1)[0]
    alice = nudges.split("[direct message to alice]", 1)[1].split("[direct message", 1)[0]
    bob = nudges.split("[direct message to bob]", 1)[1].split("[direct message", 1)[0]
    assert "nothing logged" in alice
    assert "1 interview and 0 meetings" in bob
    assert "Helpful" in alice and "Not for me" in alice
    assert out.count("[posted to #cohort]") >= 1
    summary = out.split(":summary 2026-11-30T15:00", 1)[1]
    assert "Cohort week in review" in summary and "1 interview" in summary and "bob" in summary


async def test_the_scheduler_registers_the_sweep_and_runs_it_promptly(deps: Deps) -> None:
    join(deps, "U0ANN")
    at(deps, MONDAY_NY_10AM)
    recorder = Recorder()
    scheduler = start_scheduler(deps, make_deliverer(deps, recorder), every_seconds=3600)
    try:
        job = scheduler.get_job(SWEEP_JOB_ID)
        assert job is not None and job.id == "cohortbot-sweep"
        assert [j.id for j in scheduler.get_jobs()] == ["cohortbot-sweep"]
        assert job.trigger.interval == timedelta(hours=1)
        deadline = time.monotonic() + 5
        while not recorder.sent and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        assert [o.target for o in recorder.sent] == ["U0ANN"]
        await asyncio.sleep(0.1)
        assert len(recorder.sent) == 1  # once, not again until the next interval
    finally:
        scheduler.shutdown(wait=False)
    deadline = time.monotonic() + 5
    while scheduler.running and time.monotonic() < deadline:  # the shutdown runs on the event loop
        await asyncio.sleep(0.01)
    assert not scheduler.running


async def test_a_failing_sweep_does_not_stop_the_scheduler(deps: Deps, caplog: pytest.LogCaptureFixture) -> None:
    class Exploding(Deliverer):
        runs = 0

        async def deliver(self, planned: Sequence[Outgoing]) -> Report:
            Exploding.runs += 1
            raise RuntimeError("boom")

    join(deps, "U0ANN")
    at(deps, MONDAY_NY_10AM)
    deliverer = Exploding(db=deps.db, notifiers={}, clock=deps.clock)
    scheduler = start_scheduler(deps, deliverer, every_seconds=3600)
    try:
        deadline = time.monotonic() + 5
        while not Exploding.runs and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.05)
        assert Exploding.runs == 1
        assert "sweep failed" in caplog.text
        job = scheduler.get_job(SWEEP_JOB_ID)
        assert job is not None and scheduler.running and job.next_run_time is not None  # the next one is due
    finally:
        scheduler.shutdown(wait=False)


def test_a_send_in_doubt_is_reported_as_such_and_the_job_fails_until_it_is_resolved(
        db_path: Path, fake: FakeSlack, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COHORTBOT_CLAIM_LEASE", "300")
    fake.fail_next("chat.postMessage", status=500, after_handling=True)  # posted, but the answer was a 500
    assert main(["summary", "--now", NOW]) == 1
    out = capsys.readouterr().out
    assert "sent 0" in out and "in doubt 1, checked again after the lease (300 s)" in out
    assert [r["status"] for r in delivery_rows(db_path)] == ["claimed"]
    # Inside the lease it is still in doubt, never "already sent".
    assert main(["summary", "--now", "2026-11-30T15:02"]) == 1
    out = capsys.readouterr().out
    assert "in doubt 1" in out and "already sent 1" not in out
    # After the lease the channel's history is checked: the 500 came after the post, so it is recovered, once.
    assert main(["summary", "--now", "2026-11-30T15:06"]) == 0
    assert "recovered 1" in capsys.readouterr().out
    assert len(fake.messages("C0JOBS")) == 1  # in the channel once
