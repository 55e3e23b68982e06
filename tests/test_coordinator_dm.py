"""The coordinators' weekly message, and what a coordinator and a cohort-wide pause change for the other scheduled
messages: a coordinator who does not take part gets no nudge and is not counted; each coordinator gets one message
per cohort on its nudge day, exactly once, during a pause too, naming quiet members that no member and no channel
ever sees; a paused cohort gets no nudges and no summary, and the summary after it compares with the last active
week. Through the planner, the sweep, the shell's `:nudge` and `cohortbot nudge` against the fake Slack.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.coordinator import QUIET_NAMES
from bot.nudges import plan
from bot.outgoing import Outgoing
from bot.scheduler import sweep
from commands.model import Deps, plain
from storage import members, open_db, transaction
from storage.members import ScoringRules
from tests.conftest import FrozenClock, table_of, text_of
from tests.fakeslack import FakeSlack
from tests.test_nudges import (
    JOINED,
    MONDAY_NY_10AM,
    NY,
    TEAM,
    Recorder,
    at,
    deliveries,
    join,
    log,
    make_deliverer,
    member,
    metadata_key,
    ok,
    posted_text,
    slack_say,
    utc,
)

ROOT = Path(__file__).resolve().parent.parent
QUIET = ("Hana Hidden", "Quincy Quiet", "Bobby Anon")  # quiet for 2 weeks or more on Monday 30 Nov
WEEK = timedelta(weeks=1)


def build(deps: Deps) -> None:
    """A cohort run by Carla (a coordinator who does not take part) with Dan (a member made admin: both), named,
    anonymous and hidden members, three of them quiet, and Nina, who joined last week."""
    for user, name in (("U0ALICE", "Alice Named"), ("U0BOB", "Bobby Anon"), ("U0HANA", "Hana Hidden"),
                       ("U0QUINCY", "Quincy Quiet"), ("U0DAN", "Dan Both")):
        join(deps, user, name=name)
    join(deps, "U0NINA", name="Nina New", when=utc("2026-11-25T15:00"))
    at(deps, "2026-11-02T15:00")
    ok(slack_say(deps, "U0CARLA", "/cohort setup <#C0JOBS|jobs> monday 9am", tz=NY, name="Carla Coord"))
    for user, line in (("U0QUINCY", "/interview Milbank screener 2026-11-02"),
                       ("U0BOB", "/interview Cooley screener 2026-11-09"),
                       ("U0ALICE", "/interview Davis screener 2026-11-18"),
                       ("U0ALICE", "/interview Latham callback 2026-11-24"),
                       ("U0ALICE", '/network "Dana Lee" coffee 2026-11-25'),
                       ("U0ALICE", "/interview Latham offer 2026-11-26"),
                       ("U0DAN", "/interview Ropes screener 2026-11-25")):
        log(deps, user, line, when=f"{line.rsplit(' ', 1)[1]}T23:00")  # 18:00 in New York that day
    at(deps, "2026-11-27T15:00")
    ok(slack_say(deps, "U0CARLA", "/cohort admin <@U0DAN|dan>", tz=NY))
    ok(slack_say(deps, "U0BOB", "/cohort privacy anonymous", tz=NY))
    ok(slack_say(deps, "U0HANA", "/cohort privacy hidden", tz=NY))


def by_kind(sent: list[Outgoing], kind: str) -> dict[str, Outgoing]:
    return {o.target: o for o in sent if o.kind == kind}


async def full_sweep(deps: Deps, recorder: Recorder, moment: datetime | str) -> list[Outgoing]:
    """A sweep of everything, as `serve` runs it; what it sent."""
    at(deps, moment)
    before = len(recorder.sent)
    await sweep(deps, make_deliverer(deps, recorder))
    return recorder.sent[before:]


# ---- who is a member ---------------------------------------------------------------------------------------

async def test_a_coordinator_gets_no_nudge_and_is_not_counted_until_they_log(deps: Deps) -> None:
    build(deps)
    carla = member(deps.db, "U0CARLA")
    assert carla.role == "coordinator" and member(deps.db, "U0DAN").role == "member"
    recorder = Recorder()
    sent = await full_sweep(deps, recorder, MONDAY_NY_10AM)
    assert sorted(by_kind(sent, "nudge")) == ["U0ALICE", "U0BOB", "U0DAN", "U0HANA", "U0NINA", "U0QUINCY"]
    summary = text_of(by_kind(sent, "summary")["C0JOBS"].reply)
    assert "from 2 members." in summary and "Carla" not in summary
    # Carla logs an entry: she takes part from now on, and her nudge comes with her coordinator's message.
    log(deps, "U0CARLA", "/interview Kirkland screener 2026-12-02", when="2026-12-02T23:00")
    assert member(deps.db, "U0CARLA").role == "member"
    later = await full_sweep(deps, recorder, MONDAY_NY_10AM + WEEK)
    assert "U0CARLA" in by_kind(later, "nudge") and "U0CARLA" in by_kind(later, "coordinator")
    summary = text_of(by_kind(later, "summary")["C0JOBS"].reply)
    assert "Carla Coord" in summary and "from 1 member." in summary


def test_a_coordinator_gets_no_follow_ups_either(deps: Deps) -> None:
    at(deps, "2026-11-20T15:00")
    ok(slack_say(deps, "U0CARLA", "/cohort setup <#C0JOBS|jobs> monday 9am", tz=NY))
    # An entry of hers stored without logging it (moved over by hand, say: only logging makes her a member)
    # gets no thank-you reminder while she does not take part.
    log(deps, "U0ANN", "/interview Latham callback 2026-11-24", when="2026-11-24T23:00")
    assert [o.target for o in plan(deps.db, utc("2026-11-25T15:00"), NY, kinds=("follow_up",))] == ["U0ANN"]
    with transaction(deps.db):
        deps.db.execute("UPDATE activities SET member_id = ? WHERE org = 'Latham'", [member(deps.db, "U0CARLA").id])
    assert member(deps.db, "U0CARLA").role == "coordinator"
    assert plan(deps.db, utc("2026-11-25T15:00"), NY, kinds=("follow_up",)) == []


# ---- the coordinator's message ---------------------------------------------------------------------------

async def test_each_coordinator_gets_one_message_a_week_with_the_numbers_and_the_quiet(deps: Deps) -> None:
    build(deps)
    recorder = Recorder()
    sent = await full_sweep(deps, recorder, MONDAY_NY_10AM)
    messages = by_kind(sent, "coordinator")
    assert sorted(messages) == ["U0CARLA", "U0DAN"]  # the coordinator, and the member who is an admin too
    cohort_id = member(deps.db, "U0ALICE").cohort_id
    for user, out in messages.items():
        assert out.key == f"coordinator:{member(deps.db, user).id}:{cohort_id}:2026-W49"
        assert out.reply.private and out.member_id == member(deps.db, user).id
    text = text_of(messages["U0CARLA"].reply)
    assert text.startswith("Your cohort's week: Cohort")
    assert ("Last week (Mon 23 Nov to Sun 29 Nov): 4 entries: 2 interviews, 1 meeting, 1 offer (the week before: "
            "1 entry: 1 interview, 0 meetings, 0 offers). 1 new member joined.") in text
    assert ("Quiet for 2 weeks or more (3): Hana Hidden (hidden; 8 weeks, none yet), Quincy Quiet (4 weeks), "
            "Bobby Anon (anonymous; 3 weeks).") in text
    assert "/cohort report last week Cohort" in text
    # The numbers are the report's: its Totals line for last week says the same.
    report = text_of(ok(slack_say(deps, "U0CARLA", "/cohort report last week", tz=NY)))
    assert report.splitlines()[-1] == "Totals: 6 members, 3 quiet; 4 entries: 2 interviews, 1 meeting, 1 offer."

    for moment in (MONDAY_NY_10AM, MONDAY_NY_10AM + timedelta(hours=5), utc("2026-12-01T04:00")):
        assert not by_kind(await full_sweep(deps, recorder, moment), "coordinator")  # once a week
    assert [r["target"] for r in deliveries(deps.db, "coordinator")] == ["U0DAN", "U0CARLA"]
    assert {r["status"] for r in deliveries(deps.db, "coordinator")} == {"sent"}
    assert sorted(by_kind(await full_sweep(deps, recorder, MONDAY_NY_10AM + WEEK), "coordinator")) == [
        "U0CARLA", "U0DAN"]  # and again the next week


async def test_the_message_comes_on_the_cohorts_day_and_hour_in_the_coordinators_timezone(deps: Deps) -> None:
    join(deps, "U0ANN", name="Ann")
    at(deps, "2026-11-20T15:00")
    ok(slack_say(deps, "U0CARLA", "/cohort setup <#C0JOBS|jobs> tuesday 9am", tz="Europe/London"))
    recorder = Recorder()
    for moment in ("2026-11-30T15:00", "2026-12-01T08:59", "2026-12-02T09:00", "2026-12-06T09:00"):
        assert not by_kind(await full_sweep(deps, recorder, moment), "coordinator"), moment
    assert not by_kind(await full_sweep(deps, recorder, "2026-12-08T08:59"), "coordinator")  # 08:59 in London
    assert list(by_kind(await full_sweep(deps, recorder, "2026-12-08T09:00"), "coordinator")) == ["U0CARLA"]
    # Ann, in New York, gets her nudge at 09:00 there, five hours later.
    assert not by_kind(recorder.sent, "nudge")
    assert list(by_kind(await full_sweep(deps, recorder, "2026-12-08T14:00"), "nudge")) == ["U0ANN"]


async def test_one_message_per_cohort_the_workspace_has(deps: Deps) -> None:
    at(deps, "2026-11-20T15:00")
    ok(slack_say(deps, "U0CARLA", "/cohort setup <#C0JOBS|jobs> monday 9am", tz=NY))
    ok(slack_say(deps, "U0CARLA", "/cohort create 2L <#C0TWO|two-l> monday 9am", tz=NY))
    ok(slack_say(deps, "U0OTTO", "/cohort setup <#C0ELSE|else> monday 9am", tz=NY, team="T0OTHER"))
    sent = [o for o in plan(deps.db, MONDAY_NY_10AM, NY) if o.kind == "coordinator"]
    assert sorted((o.target, text_of(o.reply).splitlines()[0]) for o in sent) == [
        ("U0CARLA", "Your cohort's week: 2L"), ("U0CARLA", "Your cohort's week: Cohort"),
        ("U0OTTO", "Your cohort's week: Cohort")]  # another workspace's coordinator runs only its own


def test_at_most_a_handful_of_names_then_how_many_more(deps: Deps) -> None:
    at(deps, "2026-11-20T15:00")
    ok(slack_say(deps, "U0CARLA", "/cohort setup <#C0JOBS|jobs> monday 9am", tz=NY))
    with transaction(deps.db):
        for i in range(QUIET_NAMES + 7):
            members.ensure_member(deps.db, platform="slack", workspace=TEAM, user_id=f"U{i:04d}",
                                  display_name=f"Quiet {i:02d}", tz=NY, now=JOINED, rules=ScoringRules(), weekly_goal=3)
    [out] = [o for o in plan(deps.db, MONDAY_NY_10AM, NY) if o.kind == "coordinator"]
    quiet = next(line for line in text_of(out.reply).splitlines() if line.startswith("Quiet for"))
    assert quiet.startswith(f"Quiet for 2 weeks or more ({QUIET_NAMES + 7}): Quiet 00 (8 weeks, none yet), ")
    assert quiet.count(" (8 weeks, none yet)") == QUIET_NAMES and quiet.endswith(", and 7 more.")


def test_the_quiet_are_those_the_report_flags(deps: Deps) -> None:
    build(deps)
    for user in ("U0PAUSED", "U0MOVED", "U0LEFT", "U0TWO"):
        join(deps, user, name=user.title())
    at(deps, "2026-11-27T15:00")
    ok(slack_say(deps, "U0CARLA", "/cohort create 2L <#C0TWO|two-l> monday 9am", tz=NY))
    ok(slack_say(deps, "U0PAUSED", "/cohort pause 2w", tz=NY))
    ok(slack_say(deps, "U0MOVED", "/cohort join 2L", tz=NY))
    ok(slack_say(deps, "U0LEFT", "/cohort leave", tz=NY))
    at(deps, MONDAY_NY_10AM)
    flagged = [(plain(row[0]), plain(row[-1])) for row in table_of(ok(slack_say(
        deps, "U0CARLA", "/cohort report last week Cohort", tz=NY))).rows if plain(row[-1]).startswith("quiet")]
    assert flagged == [("Hana Hidden (hidden)", "quiet 8 weeks, none yet"), ("U0Two", "quiet 8 weeks, none yet"),
                       ("Quincy Quiet", "quiet 4 weeks"), ("Bobby Anon (anon.)", "quiet 3 weeks")]
    [out] = [o for o in plan(deps.db, MONDAY_NY_10AM, NY) if o.kind == "coordinator" and o.target == "U0CARLA"
             and text_of(o.reply).startswith("Your cohort's week: Cohort")]
    line = next(x for x in text_of(out.reply).splitlines() if x.startswith("Quiet for"))
    named = [part.split(" (")[0] for part in line.split(": ", 1)[1].rstrip(".").split("), ")]
    assert named == [name.removesuffix(" (hidden)").removesuffix(" (anon.)") for name, _ in flagged]


async def test_quiet_names_go_to_coordinators_only(deps: Deps) -> None:
    build(deps)
    sent = await full_sweep(deps, Recorder(), MONDAY_NY_10AM)
    assert {o.kind for o in sent} == {"nudge", "coordinator", "summary"}
    for out in sent:
        text = text_of(out.reply)
        named = [name for name in QUIET if name in text]
        assert named == ([*QUIET] if out.kind == "coordinator" else []), (out.kind, out.target, named)


# ---- a cohort-wide pause ---------------------------------------------------------------------------------

async def test_a_paused_cohort_gets_no_nudges_or_summary_but_its_coordinators_are_told(deps: Deps) -> None:
    build(deps)
    at(deps, "2026-11-30T13:00")  # Monday 08:00 in New York, before anything is due
    ok(slack_say(deps, "U0CARLA", "/cohort pause-all 1w", tz=NY))
    recorder = Recorder()
    sent = await full_sweep(deps, recorder, MONDAY_NY_10AM)
    assert sorted((o.kind, o.target) for o in sent) == [("coordinator", "U0CARLA"), ("coordinator", "U0DAN")]
    text = text_of(sent[0].reply)
    assert "Cohort is paused until Mon 7 Dec: no nudges and no channel summary meanwhile" in text
    assert "Nobody has been quiet for 2 weeks or more." in text  # paused: nobody is quiet
    assert not await full_sweep(deps, recorder, MONDAY_NY_10AM + timedelta(hours=8))
    # The week after, everything comes again, and the paused week froze Alice's streak instead of ending it.
    after = await full_sweep(deps, recorder, MONDAY_NY_10AM + WEEK)
    assert sorted(by_kind(after, "coordinator")) == ["U0CARLA", "U0DAN"] and "C0JOBS" in by_kind(after, "summary")
    alice = text_of(by_kind(after, "nudge")["U0ALICE"].reply)
    assert "Last week you were on a pause: nothing logged, and your streak stayed frozen." in alice
    assert "2-week streak. Log one entry this week to keep it." in alice and "ended" not in alice


async def test_the_summary_after_a_pause_compares_with_the_last_active_week(deps: Deps) -> None:
    build(deps)
    at(deps, "2026-11-30T13:00")
    ok(slack_say(deps, "U0CARLA", "/cohort pause-all 1w", tz=NY))
    recorder = Recorder()
    summaries = []
    for week in (0, 1, 2, 3):
        found = by_kind(await full_sweep(deps, recorder, MONDAY_NY_10AM + week * WEEK), "summary")
        summaries.append(text_of(found["C0JOBS"].reply) if found else None)
        if week == 1:  # the first week after the pause
            log(deps, "U0ALICE", "/interview Sidley screener 2026-12-08", when="2026-12-08T23:00")
    assert summaries[0] is None  # paused
    # On 7 Dec the paused week (30 Nov to 6 Dec) is reviewed against the week before it, which was active; on 14 Dec
    # 7 to 13 Dec is reviewed against 23 to 29 Nov, the last week with no paused day, not the quiet one.
    assert "0 interviews (-2 on the week before) and 0 networking meetings (-1 on the week before)" in (
        summaries[1] or "")
    assert "1 interview (-1 on the last active week) and 0 networking meetings (-1 on the last active week)" in (
        summaries[2] or "")
    # Then week on week again.
    assert "0 interviews (-1 on the week before) and 0 networking meetings (same as the week before)" in (
        summaries[3] or "")


# ---- through the shell and `cohortbot nudge` ---------------------------------------------------------------

def test_the_shell_nudge_brings_the_coordinators_message(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "COHORTBOT_"))}
    env.update({"COHORTBOT_DB": str(tmp_path / "shell.db"), "LOG_LEVEL": "WARNING"})
    script = "\n".join([
        "/cohort setup #cohort monday 9am",  # carla's first command: she coordinates
        ":as bob",
        "/interview Latham callback",
        ":as quinn",
        "/cohort join",
        "/cohort privacy hidden",
        ":nudge 2026-11-30T15:00",
        ":nudge 2026-11-30T16:00",
        ":quit",
    ]) + "\n"
    result = subprocess.run([sys.executable, "-m", "bot", "shell", "--user", "carla", "--now", "2026-11-09T15:00"],
                            cwd=ROOT, env=env, input=script, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    out = result.stdout.split(":nudge 2026-11-30T15:00", 1)[1]
    first, second = out.split(":nudge 2026-11-30T16:00", 1)
    assert first.count("[direct message to carla]") == 1
    assert first.count("[direct message to bob]") == 1 and first.count("[direct message to quinn]") == 1
    carla = first.split("[direct message to carla]", 1)[1].split("[direct message", 1)[0]
    assert "Your cohort's week: Cohort" in carla
    assert "Quiet for 2 weeks or more (2): bob (3 weeks), quinn (hidden; 3 weeks, none yet)." in carla
    bob = first.split("[direct message to bob]", 1)[1].split("[direct message", 1)[0]
    assert "quinn" not in bob and "Your week ahead" in bob
    assert "Nothing due at" in second and "[direct message" not in second


@pytest.fixture
def slack_server() -> Iterator[FakeSlack]:
    """The fake Slack Web API in its own thread, for `cohortbot nudge`'s own event loop."""
    server = FakeSlack.start_in_thread(clock=lambda: MONDAY_NY_10AM.timestamp())
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def db_file(tmp_path: Path, slack_server: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cohort.db"
    db = open_db(path)
    deps = Deps(db=db, clock=FrozenClock(MONDAY_NY_10AM))
    build(deps)
    db.close()
    for name in [n for n in os.environ if n.startswith(("SLACK_", "COHORTBOT_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "test-secret")
    monkeypatch.setenv("SLACK_API_URL", slack_server.url)
    monkeypatch.setenv("COHORTBOT_DB", str(path))
    monkeypatch.setenv("COHORTBOT_WORKSPACE_RATE", "0")
    monkeypatch.setenv("COHORTBOT_NUDGE_PACING", "0")
    return path


def test_cohortbot_nudge_sends_the_coordinators_message_once(db_file: Path, slack_server: FakeSlack,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    now = MONDAY_NY_10AM.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
    assert main(["nudge", "--dry-run", "--now", now]) == 0
    planned = [line for line in capsys.readouterr().out.splitlines() if line.startswith("coordinator")]
    assert len(planned) == 2 and all("Your cohort's week: Cohort" in line for line in planned)
    assert main(["nudge", "--now", now]) == 0
    assert "sent 8" in capsys.readouterr().out  # six members' nudges, two coordinators' messages
    assert main(["nudge", "--now", now]) == 0
    assert "sent 0" in capsys.readouterr().out
    posts = slack_server.calls_to("chat.postMessage")
    assert len(posts) == 8
    db = open_db(db_file)
    try:
        keys = {metadata_key(p): p for p in posts}
        carla, dan = member(db, "U0CARLA"), member(db, "U0DAN")
    finally:
        db.close()
    for who in (carla, dan):
        post = keys.pop(f"coordinator:{who.id}:{who.cohort_id}:2026-W49")
        assert post.args["channel"] == who.user_id and all(name in posted_text(post) for name in QUIET)
    assert sorted(k.split(":")[0] for k in keys) == ["nudge"] * 6
    for post in keys.values():  # Dan's nudge included: only his coordinator's message names anyone
        assert not any(name in posted_text(post) for name in QUIET), post.args["channel"]
