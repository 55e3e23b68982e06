"""The weekly cohort summary: /cohort setup and admins, one post per cohort per week, figures that match the
rows in SQLite, and each member's privacy choice respected.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.content import load_cards
from bot.nudges import choose_card
from bot.scheduler import sweep
from commands.model import Deps
from storage import members
from tests.conftest import text_of
from tests.fakeslack import FakeSlack
from tests.test_nudges import (
    NY,
    at,
    card,
    deliveries,
    join,
    log,
    make_deliverer,
    member,
    metadata_key,
    ok,
    posted_text,
    slack_notifier,
    slack_say,
    utc,
)

LAST_WEEK = ("2026-11-23", "2026-11-29")
WEEK_BEFORE = ("2026-11-16", "2026-11-22")


@pytest.fixture
async def fake(deps: Deps) -> AsyncIterator[FakeSlack]:
    async with FakeSlack(clock=lambda: deps.clock().timestamp()) as server:
        yield server


def cohort_of(deps: Deps, user: str, team: str = "T0FAKE") -> members.Cohort:
    return members.get_cohort(deps.db, member(deps.db, user, team).cohort_id)


# ---- setup and admins ----------------------------------------------------------------------------------

def test_the_first_member_to_run_setup_becomes_admin(deps: Deps) -> None:
    join(deps, "U1", name="ann")
    join(deps, "U2", name="bob")
    at(deps, "2026-11-27T15:00")
    reply = ok(slack_say(deps, "U1", "/cohort setup #jobs monday 9am", tz=NY, name="ann"))
    assert "#jobs" in text_of(reply) and "Monday" in text_of(reply) and "admin" in text_of(reply)
    cohort = cohort_of(deps, "U1")
    assert (cohort.summary_channel, cohort.nudge_weekday, cohort.nudge_hour) == ("jobs", 0, 9)
    assert members.cohort_tz(deps.db, cohort.id) == NY
    assert member(deps.db, "U1").is_admin and not member(deps.db, "U2").is_admin

    # Slack sends a picked channel as <#C…|name>; an admin can change the setup again.
    ok(slack_say(deps, "U1", "/cohort setup <#C123|jobs> wednesday 2pm", tz=NY))
    cohort = cohort_of(deps, "U1")
    assert (cohort.summary_channel, cohort.nudge_weekday, cohort.nudge_hour) == ("C123", 2, 14)


def test_only_admins_change_the_setup_or_add_admins(deps: Deps) -> None:
    for user, name in (("U1", "ann"), ("U2", "bob"), ("U3", "wanda")):
        join(deps, user, name=name)
    at(deps, "2026-11-27T15:00")
    ok(slack_say(deps, "U1", "/cohort setup <#C123|jobs> monday 9am", tz=NY))

    refused = slack_say(deps, "U2", "/cohort setup <#C999|random> friday 5pm", tz=NY)
    assert "Only a cohort admin" in text_of(refused)
    assert cohort_of(deps, "U1").summary_channel == "C123" and cohort_of(deps, "U1").nudge_weekday == 0
    assert "Only a cohort admin" in text_of(slack_say(deps, "U2", "/cohort admin <@U2|bob>", tz=NY))
    assert not member(deps.db, "U2").is_admin

    # A Slack workspace admin is an admin without being made one.
    ok(slack_say(deps, "U3", "/cohort setup <#C777|search> tuesday 10", tz="Europe/London", workspace_admin=True))
    cohort = cohort_of(deps, "U1")
    assert (cohort.summary_channel, cohort.nudge_weekday, cohort.nudge_hour) == ("C777", 1, 10)
    assert members.cohort_tz(deps.db, cohort.id) == "Europe/London"

    reply = ok(slack_say(deps, "U1", "/cohort admin <@U2|bob>", tz=NY))
    assert "bob" in text_of(reply) and "admin" in text_of(reply)
    assert member(deps.db, "U2").is_admin
    ok(slack_say(deps, "U2", "/cohort setup <#C123|jobs> monday 9am", tz=NY))
    assert cohort_of(deps, "U1").summary_channel == "C123"
    unknown = slack_say(deps, "U1", "/cohort admin <@U9|nobody>", tz=NY)
    assert "haven't used cohortbot" in text_of(unknown)


@pytest.mark.parametrize("text", ["/cohort setup jobs", "/cohort setup #jobs 25", "/cohort admin"])
def test_setup_and_admin_usage_errors(deps: Deps, text: str) -> None:
    join(deps, "U1")
    reply = slack_say(deps, "U1", text, tz=NY)
    assert not reply.ok
    assert cohort_of(deps, "U1").summary_channel is None


# ---- the weekly post ---------------------------------------------------------------------------------

def build_cohort(deps: Deps) -> None:
    """One cohort with named, anonymous, hidden and quiet members; entries in the last two weeks."""
    people = {"U0ALICE": "Alice Named", "U0BOB": "Bobby Anon", "U0HANA": "Hana Hidden", "U0QUINCY": "Quincy Quiet",
              "U0DORA": "Dora Earlier"}
    for user, name in people.items():
        join(deps, user, name=name)
    at(deps, "2026-11-20T15:00")
    ok(slack_say(deps, "U0ALICE", "/cohort setup <#C0JOBS|jobs> monday 9am", tz=NY))
    ok(slack_say(deps, "U0BOB", "/cohort privacy anonymous", tz=NY))
    ok(slack_say(deps, "U0HANA", "/cohort privacy hidden", tz=NY))
    # Each entry is typed the evening of the day it happened (a batch typed at once would meet the daily caps).
    for user, line in [
        ("U0ALICE", '/network "Sam Park" coffee 2026-11-11'),
        ("U0ALICE", "/interview Davis screener 2026-11-18"),
        ("U0ALICE", "/interview Latham callback 2026-11-24"),
        ("U0ALICE", '/network "Dana Lee" informational 2026-11-25'),
        ("U0ALICE", "/interview Skadden offer 2026-11-26"),
        ("U0BOB", "/interview Cooley screener 2026-11-24"),
        ("U0BOB", '/network "Sam Ortiz" coffee 2026-11-27'),
        ("U0HANA", "/interview Ropes callback 2026-11-23"),
        ("U0HANA", "/interview Weil screener 2026-11-24"),
        ("U0HANA", "/interview Kirkland offer 2026-11-25"),
        ("U0QUINCY", "/interview Milbank screener 2026-11-17"),
        ("U0DORA", "/network NYSBA event 2026-11-19"),
    ]:
        log(deps, user, line, when=f"{line.rsplit(' ', 1)[1]}T23:00")  # 18:00 in New York that day
    when = "2026-11-29T20:00"  # Sunday afternoon in New York
    log(deps, "U0DORA", '/network "Pat Kim" coffee 2026-12-02', when=when)  # planned: counts nowhere yet
    log(deps, "U0ALICE", "/interview Mistake screener 2026-11-27", when=when)
    ok(slack_say(deps, "U0ALICE", "/cohort undo", tz=NY))  # deleted: counts nowhere


def figures(deps: Deps, week: tuple[str, str]) -> dict[str, Any]:
    """The week's figures straight from the rows."""
    where = "status = 'done' AND deleted_at IS NULL AND happened_on BETWEEN ? AND ?"
    by_kind = dict(deps.db.execute(f"SELECT kind, COUNT(*) FROM activities WHERE {where} GROUP BY kind", week))
    points, people = deps.db.execute(
        f"SELECT COALESCE(SUM(points), 0), COUNT(DISTINCT member_id) FROM activities WHERE {where}", week).fetchone()
    board = deps.db.execute(
        "SELECT m.display_name, m.privacy, SUM(a.points), SUM(a.kind = 'interview'), SUM(a.kind = 'networking') "
        "FROM activities a JOIN members m ON m.id = a.member_id WHERE a.status = 'done' AND a.deleted_at IS NULL "
        "AND a.happened_on BETWEEN ? AND ? "
        "AND m.privacy != 'hidden' GROUP BY m.id ORDER BY SUM(a.points) DESC", week).fetchall()
    return {"interviews": by_kind.get("interview", 0), "meetings": by_kind.get("networking", 0), "points": points,
            "people": people, "board": board}


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def change(now: int, before: int) -> str:
    diff = now - before
    return "same as the week before" if diff == 0 else f"{diff:+d} on the week before"


async def summary_sweep(deps: Deps, fake: FakeSlack, moment: str) -> int:
    at(deps, utc(moment))
    report = await sweep(deps, make_deliverer(deps, slack_notifier(fake)), kinds=("summary",))
    assert report.failed == 0
    return report.sent


async def test_one_summary_a_week_whose_figures_match_the_rows(deps: Deps, fake: FakeSlack) -> None:
    build_cohort(deps)
    assert await summary_sweep(deps, fake, "2026-11-30T13:59") == 0  # 08:59 in New York
    assert await summary_sweep(deps, fake, "2026-11-30T14:00") == 1
    assert await summary_sweep(deps, fake, "2026-11-30T14:30") == 0
    assert await summary_sweep(deps, fake, "2026-12-01T14:00") == 0
    [post] = fake.calls_to("chat.postMessage")
    assert post.args["channel"] == "C0JOBS"
    cohort_id = member(deps.db, "U0ALICE").cohort_id
    assert metadata_key(post) == f"summary:{cohort_id}:2026-W49"
    text = posted_text(post)

    now, before = figures(deps, LAST_WEEK), figures(deps, WEEK_BEFORE)
    # The rows say what the summary must say (and this cohort was built to say it).
    assert (now["interviews"], now["meetings"], now["points"], now["people"]) == (6, 2, 33, 3)
    assert (before["interviews"], before["meetings"]) == (2, 1)
    assert (f"{plural(now['interviews'], 'interview')} ({change(now['interviews'], before['interviews'])}) and "
            f"{plural(now['meetings'], 'networking meeting')} ({change(now['meetings'], before['meetings'])}), "
            f"{plural(now['points'], 'point')} from {plural(now['people'], 'member')}.") in text
    assert "6 interviews (+4 on the week before) and 2 networking meetings (+1 on the week before)" in text

    assert "Top of the board" in text
    expected_board = []
    for rank, (name, privacy, pts, n_int, n_meet) in enumerate(now["board"], start=1):
        shown = "a member" if privacy == "anonymous" else name
        expected_board.append(f"{rank}. {shown} \u2014 {plural(pts, 'point')} ({plural(n_int, 'interview')}, "
                              f"{plural(n_meet, 'meeting')})")
    assert expected_board == ["1. Alice Named \u2014 14 points (2 interviews, 1 meeting)",
                              "2. a member \u2014 5 points (1 interview, 1 meeting)"]
    board_lines = [line for line in text.splitlines() if line[:3] in ("1. ", "2. ", "3. ", "4. ", "5. ")]
    assert board_lines == expected_board

    assert "Offers this week: Alice Named. Congratulations!" in text  # Hana's offer stays private
    assert "Streak milestones: Alice Named (3 weeks)." in text
    for never in ("Bobby Anon", "Hana Hidden", "Quincy Quiet", "Dora Earlier", "Mistake", "U0HANA", "U0BOB"):
        assert never not in text
    [row] = deliveries(deps.db, "summary")
    assert row["status"] == "sent" and row["target"] == "C0JOBS"
    assert card(row["card_id"]).title in text


async def test_a_quiet_week_lists_nobody_and_the_next_week_posts_once_more(deps: Deps, fake: FakeSlack) -> None:
    build_cohort(deps)
    assert await summary_sweep(deps, fake, "2026-11-30T14:00") == 1
    assert await summary_sweep(deps, fake, "2026-12-07T14:00") == 1  # nobody logged anything 30 Nov - 6 Dec
    assert await summary_sweep(deps, fake, "2026-12-07T23:00") == 0
    first, second = fake.calls_to("chat.postMessage")
    text = posted_text(second)
    assert "0 interviews (-6 on the week before) and 0 networking meetings (-2 on the week before)" in text
    assert "quiet week" in text and "Top of the board" not in text
    for name in ("Alice Named", "Bobby Anon", "Hana Hidden", "Quincy Quiet", "Dora Earlier", "a member"):
        assert name not in text
    assert metadata_key(second).endswith("2026-W50")
    rows = deliveries(deps.db, "summary")
    assert len({r["card_id"] for r in rows}) == 2  # a different card each week
    # A channel's card must be true of everyone in it: never one with requirements ("Congratulations on the offer").
    assert all(card(r["card_id"]).unconditional for r in rows)


def test_a_channel_only_ever_gets_cards_true_of_anyone() -> None:
    cards = load_cards()
    picks = {choose_card(["general"], None, cards=cards, seen=set(), scores={}, seed=f"c{i}") for i in range(300)}
    assert picks and all(c is not None and c.unconditional for c in picks)


async def test_one_post_per_cohort_and_none_without_a_channel(deps: Deps, fake: FakeSlack) -> None:
    build_cohort(deps)
    at(deps, "2026-11-20T15:00")
    ok(slack_say(deps, "U0ZED", "/interview Boies screener 2026-11-19", tz="America/Chicago", team="T0OTHER"))
    ok(slack_say(deps, "U0NOSETUP", "/interview Jones screener 2026-11-19", tz=NY, team="T0THIRD"))
    at(deps, "2026-11-29T20:00")
    ok(slack_say(deps, "U0ZED", "/interview Boies callback 2026-11-24", tz="America/Chicago", team="T0OTHER"))
    ok(slack_say(deps, "U0ZED", "/cohort setup #general monday 8am", tz="America/Chicago", team="T0OTHER"))

    assert await summary_sweep(deps, fake, "2026-11-30T14:00") == 2  # New York 09:00, Chicago 08:00
    assert await summary_sweep(deps, fake, "2026-11-30T18:00") == 0
    posts = fake.calls_to("chat.postMessage")
    assert sorted(p.args["channel"] for p in posts) == ["C0JOBS", "general"]
    other = posted_text(next(p for p in posts if p.args["channel"] == "general"))
    assert "1 interview (same as the week before) and 0 networking meetings (same as the week before)" in other
    assert "U0ZED" in other and "Alice" not in other
    assert len(deliveries(deps.db, "summary")) == 2


async def test_the_summary_waits_for_the_cohort_nudge_hour(deps: Deps, fake: FakeSlack) -> None:
    build_cohort(deps)
    at(deps, "2026-11-27T15:00")
    ok(slack_say(deps, "U0ALICE", "/cohort setup <#C0JOBS|jobs> monday 4pm", tz=NY))
    assert await summary_sweep(deps, fake, "2026-11-30T20:59") == 0  # 15:59 in New York
    assert await summary_sweep(deps, fake, "2026-11-30T21:00") == 1
