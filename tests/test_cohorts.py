"""Several cohorts in one workspace (1L, 2L, 3L): create, list, join, rename, each cohort's own channel and board, a
cohort-wide pause, and an existing single-cohort database moved over without loss. Through dispatch (as the shell
does) and through signed Slack requests.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from commands.dispatch import dispatch
from commands.model import Actions, Actor, CommandRequest, Deps, Reply, Where
from storage import board, cohorts, members, open_db, streaks
from tests.conftest import FRIDAY, clock_of, count, ok, slack_member, slack_run, table_of, text_of
from tests.test_slack import Bot, all_text, assert_within_slack_limits, bot, fake  # noqa: F401

TODAY = FRIDAY.date()  # Friday 27 Nov 2026
ONE = Where(channel_id="C1", channel_name="one-l")
TWO = Where(channel_id="C2", channel_name="two-l")
THREE = Where(channel_id="C3", channel_name="three-l")
DM = Where(channel_id="D1", channel_name="directmessage", is_direct=True)
OTHER = Where(channel_id="C9", channel_name="random")


def run(deps: Deps, user: str, line: str, where: Where = ONE, **actor: Any) -> Reply:
    return slack_run(deps, user, line, where, **actor)



def member(deps: Deps, user: str, workspace: str = "T1") -> members.Member:
    found: members.Member = slack_member(deps, user, workspace)
    return found


def cohort_named(deps: Deps, name: str, workspace: str = "T1") -> members.Cohort:
    ws = member(deps, "coord", workspace).workspace_key
    found = cohorts.find(deps.db, ws, name)
    assert found is not None, name
    return found


def three_cohorts(deps: Deps) -> None:
    """A coordinator sets up the first cohort in #one-l and names it, then creates 2L and 3L with their channels."""
    ok(run(deps, "coord", "/cohort setup monday 9am"))
    ok(run(deps, "coord", "/cohort rename 1L"))
    ok(run(deps, "coord", "/cohort create 2L <#C2|two-l> tuesday 9am"))
    ok(run(deps, "coord", '/cohort create "Class of 2027" <#C3|three-l> wednesday 2pm'))


def names_on(reply: Reply) -> list[str]:
    return [str(getattr(row[1], "value", row[1])) for row in table_of(reply).rows]


# ---- one cohort: nothing changes -------------------------------------------------------------------------

def test_with_one_cohort_members_join_it_by_using_any_command(deps: Deps) -> None:
    ok(run(deps, "alice", "/interview Latham callback", DM))
    ok(run(deps, "bob", "/progress", OTHER))
    [only] = cohorts.cohorts(deps.db, member(deps, "alice").workspace_key)
    assert only.name == "Cohort" and member(deps, "bob").cohort_id == only.id
    board_reply = ok(run(deps, "bob", "/leaderboard", OTHER))
    assert text_of(board_reply).startswith("Leaderboard, this week")
    assert names_on(board_reply) == ["alice", "bob (you)"]
    listed = text_of(ok(run(deps, "bob", "/cohort list")))
    assert "\u2022 Cohort (yours): no channel yet, nudges on Mondays at 9:00, 2 members" in listed


# ---- create, list, join by channel -----------------------------------------------------------------------

def test_create_gives_each_cohort_its_channel_day_and_hour(deps: Deps) -> None:
    three_cohorts(deps)
    rows = {c.name: (c.summary_channel, c.channel_name, c.nudge_weekday, c.nudge_hour)
            for c in cohorts.cohorts(deps.db, member(deps, "coord").workspace_key)}
    assert rows == {"1L": ("C1", "one-l", 0, 9), "2L": ("C2", "two-l", 1, 9),
                    "Class of 2027": ("C3", "three-l", 2, 14)}
    assert member(deps, "coord").role == "coordinator"  # setup made them the coordinator, not a member
    listed = text_of(ok(run(deps, "coord", "/cohort list", DM)))
    assert "\u2022 1L: #one-l, nudges on Mondays at 9:00, 0 members" in listed
    assert "\u2022 Class of 2027: #three-l, nudges on Wednesdays at 14:00, 0 members" in listed


def test_a_new_member_joins_the_cohort_whose_channel_they_type_in(deps: Deps) -> None:
    three_cohorts(deps)
    reply = ok(run(deps, "tara", "/progress", TWO))
    assert "You're in 2L." in text_of(reply)  # the welcome says which, as the workspace has several
    ok(run(deps, "uma", "/interview Cooley screener", THREE))
    ok(run(deps, "vic", "/progress", ONE))
    ok(run(deps, "wes", "/progress", DM))  # not a cohort's channel: the first cohort
    assert {u: member(deps, u).cohort_id for u in ("tara", "uma", "vic", "wes")} == {
        "tara": cohort_named(deps, "2L").id, "uma": cohort_named(deps, "class of 2027").id,
        "vic": cohort_named(deps, "1L").id, "wes": cohort_named(deps, "1L").id}
    # Once in, a member's own entries go to their own cohort wherever they type.
    ok(run(deps, "tara", "/interview Latham callback", THREE))
    assert deps.db.execute("SELECT cohort_id FROM activities WHERE org = 'Latham'").fetchone() == (
        cohort_named(deps, "2L").id,)
    assert "(yours)" in [line for line in text_of(run(deps, "tara", "/cohort list")).splitlines()
                         if line.startswith("\u2022 2L")][0]


def test_join_moves_a_member_and_entries_stay_with_their_cohort(deps: Deps) -> None:
    three_cohorts(deps)
    ok(run(deps, "alice", "/interview Latham callback"))  # in #one-l: 1L
    moved = ok(run(deps, "alice", "/cohort join 2l"))  # any case
    assert text_of(moved) == ("You've moved to 2L: your new entries count there, on its board. What you logged "
                              "before stays with 1L.")
    ok(run(deps, "alice", "/network Sam coffee"))
    assert member(deps, "alice").cohort_id == cohort_named(deps, "2L").id
    one, two = cohort_named(deps, "1L").id, cohort_named(deps, "2L").id
    week = (TODAY - timedelta(days=4), TODAY)
    assert [(r.display_name, r.interviews, r.meetings) for r in board.board(deps.db, one, *week)] == [
        ("alice", 1, 0)]
    assert [(r.display_name, r.interviews, r.meetings) for r in board.board(deps.db, two, *week)] == [
        ("alice", 0, 1)]
    assert text_of(run(deps, "alice", "/cohort join 2L")) == ("You're already in 2L. Log something with "
                                                              "/interview or /network.")
    # Without a name, /cohort join in a cohort's channel joins that cohort.
    ok(run(deps, "alice", "/cohort join", THREE))
    assert member(deps, "alice").cohort_id == cohort_named(deps, "Class of 2027").id


def test_leaderboard_in_a_cohorts_channel_shows_that_board_to_anyone(deps: Deps) -> None:
    three_cohorts(deps)
    ok(run(deps, "alice", "/interview Latham callback", ONE))
    ok(run(deps, "bob", "/interview Cooley screener", TWO))
    ok(run(deps, "cleo", "/network Sam coffee", TWO))
    # Alice (1L) in #two-l sees 2L's board: no row of her own, nothing highlighted.
    seen = ok(run(deps, "alice", "/leaderboard", TWO))
    assert text_of(seen).startswith("Leaderboard of 2L, this week")
    assert names_on(seen) == ["bob", "cleo"] and table_of(seen).highlight is None
    assert "from 2 members" in text_of(seen)
    # Her own board, elsewhere, has her row.
    assert names_on(ok(run(deps, "alice", "/leaderboard", DM))) == ["alice (you)"]
    # Bob in his own channel: his row highlighted.
    mine = ok(run(deps, "bob", "/leaderboard", TWO))
    assert text_of(mine).startswith("Leaderboard, this week") and table_of(mine).highlight == 0


# ---- names -----------------------------------------------------------------------------------------------

def test_cohort_names_are_unique_whatever_their_case_and_1_to_40_characters(deps: Deps) -> None:
    three_cohorts(deps)
    before = count(deps.db, "cohorts")
    taken = run(deps, "coord", "/cohort create 2l <#C4|four>")
    assert not taken.ok and text_of(taken).splitlines()[0] == ("There's already a cohort called 2L here. Pick another "
                                                             "name; /cohort list shows them all.")
    long = run(deps, "coord", f"/cohort create {'x' * 41} <#C4|four>")
    assert not long.ok and "1 to 40 characters; that one is 41" in text_of(long)
    assert not run(deps, "coord", "/cohort create <#C4|four>").ok
    assert ok(run(deps, "coord", f"/cohort create {'y' * 40} <#C4|four>"))
    assert count(deps.db, "cohorts") == before + 1
    renamed = run(deps, "coord", "/cohort rename 2L to CLASS OF 2027")
    assert not renamed.ok and "There's already a cohort called Class of 2027 here." in text_of(renamed)
    assert text_of(ok(run(deps, "coord", "/cohort rename 2L to Second years"))) == (
        "Renamed the cohort 2L to Second years.")
    assert ok(run(deps, "coord", "/cohort rename 1l", ONE))  # its own name in another case is fine


def test_the_first_cohort_is_called_cohort_until_renamed(deps: Deps) -> None:
    ok(run(deps, "alice", "/progress"))
    ok(run(deps, "coord", "/cohort setup"))
    assert [c.name for c in cohorts.cohorts(deps.db, member(deps, "alice").workspace_key)] == ["Cohort"]
    assert text_of(ok(run(deps, "coord", "/cohort rename First years"))) == (
        "Renamed the cohort Cohort to First years.")


def test_a_coordinators_first_create_names_the_empty_first_cohort(deps: Deps) -> None:
    reply = ok(run(deps, "coord", "/cohort create 1L <#C1|one-l> monday 9am", DM))
    assert "Created the cohort 1L: its weekly summary goes to #one-l" in text_of(reply)
    assert [(c.name, c.summary_channel) for c in cohorts.cohorts(deps.db, member(deps, "coord").workspace_key)] == [
        ("1L", "C1")]
    ok(run(deps, "coord", "/cohort create 2L <#C2|two-l>", DM))
    assert count(deps.db, "cohorts") == 2


# ---- bad input: a clear private reply, nothing changed ---------------------------------------------------

def test_joining_a_cohort_that_does_not_exist_suggests_the_nearest(deps: Deps) -> None:
    three_cohorts(deps)
    ok(run(deps, "alice", "/progress"))
    reply = run(deps, "alice", "/cohort join 3L")
    assert not reply.ok and reply.private
    first = text_of(reply).splitlines()[0]
    assert first.startswith("There's no cohort called 3L in this workspace. Did you mean ")
    assert first.endswith("L? The cohorts here: 1L, 2L, Class of 2027.")
    assert member(deps, "alice").cohort_id == cohort_named(deps, "1L").id
    members_before = count(deps.db, "members")
    assert not run(deps, "newbie", "/cohort join Zed").ok
    assert count(deps.db, "members") == members_before  # a refused first command stores nobody


def test_a_channel_belongs_to_one_cohort(deps: Deps) -> None:
    three_cohorts(deps)
    reply = run(deps, "coord", "/cohort create 4L <#C2|two-l>")
    assert not reply.ok
    assert text_of(reply).splitlines()[0] == ("#two-l is already the channel of the cohort 2L. Each cohort has its "
                                              "own channel: pick another.")
    assert count(deps.db, "cohorts") == 3
    moved = run(deps, "coord", "/cohort setup <#C3|three-l>", TWO)  # 2L's setup, onto 3's channel
    assert not moved.ok and cohort_named(deps, "2L").summary_channel == "C2"


def test_non_admins_cannot_create_rename_or_pause(deps: Deps) -> None:
    three_cohorts(deps)
    ok(run(deps, "alice", "/progress"))
    for line, refusal in [
        ("/cohort create 4L <#C4|four>", "Only a coordinator (a cohort admin) or a workspace admin can create a "
                                         "cohort."),
        ("/cohort rename Mine", "Only a coordinator (a cohort admin) or a workspace admin can rename a cohort."),
        ("/cohort pause-all 2w", "Only a coordinator (a cohort admin) or a workspace admin can pause the whole "
                                 "cohort."),
        ("/cohort resume-all", "Only a coordinator (a cohort admin) or a workspace admin can resume the whole "
                               "cohort."),
    ]:
        assert text_of(run(deps, "alice", line)) == refusal
    assert [c.name for c in cohorts.cohorts(deps.db, member(deps, "alice").workspace_key)] == [
        "1L", "2L", "Class of 2027"]
    assert deps.db.execute("SELECT COUNT(*) FROM cohort_pauses").fetchone() == (0,)
    # A workspace admin may, asked afresh by the platform.
    assert ok(run(deps, "alice", "/cohort create 4L <#C4|four>", workspace_admin=True))


# ---- a cohort-wide pause ---------------------------------------------------------------------------------

def test_pause_all_stops_the_cohort_and_freezes_every_streak(deps: Deps) -> None:
    three_cohorts(deps)
    clock = clock_of(deps)
    for weeks_ago in (3, 2, 1):  # alice logs three weeks running in 1L
        clock.set(FRIDAY - timedelta(weeks=weeks_ago))
        ok(run(deps, "alice", "/interview Latham callback"))
    clock.set(FRIDAY)
    reply = ok(run(deps, "coord", "/cohort pause-all 2w", ONE))
    assert text_of(reply) == ("1L is paused until Fri 11 Dec: no nudges and no channel summary, and everyone's "
                              "streak is frozen, not broken. /cohort resume-all ends it sooner.")
    one, two = cohort_named(deps, "1L").id, cohort_named(deps, "2L").id
    assert cohorts.cohort_paused_on(deps.db, one, TODAY) and cohorts.cohort_paused_on(deps.db, one, date(2026, 12, 10))
    assert not cohorts.cohort_paused_on(deps.db, one, date(2026, 12, 11))
    assert not cohorts.cohort_paused_on(deps.db, two, TODAY)  # only that cohort
    alice = member(deps, "alice").id
    # Two weeks later nothing was logged during the pause, and the streak stands, frozen, not broken.
    later = streaks.member_streak(deps.db, alice, date(2026, 12, 9))
    assert later.frozen and later.weeks == 3 and not later.broken_last_week
    assert "paused until Fri 11 Dec" in text_of(run(deps, "coord", "/cohort list"))
    # The summary after the pause compares with the last week before it.
    assert cohorts.last_active_week_before(deps.db, one, date(2026, 12, 14)) == date(2026, 11, 16)
    assert cohorts.last_active_week_before(deps.db, two, date(2026, 12, 14)) == date(2026, 12, 7)
    # Resumed early: the pause ends today.
    clock.set(FRIDAY + timedelta(days=4))
    assert text_of(ok(run(deps, "coord", "/cohort resume-all", ONE))) == (
        "1L is back: nudges and the summary resume on its next nudge day.")
    assert not cohorts.cohort_paused_on(deps.db, one, date(2026, 12, 1))
    assert cohorts.cohort_paused_on(deps.db, one, date(2026, 11, 30))  # the days it was paused stay paused
    assert text_of(run(deps, "coord", "/cohort resume-all", ONE)) == "1L isn't paused: nothing changed."


def test_the_batch_streaks_freeze_for_a_cohort_pause_too(deps: Deps) -> None:
    ok(run(deps, "coord", "/cohort setup"))
    clock = clock_of(deps)
    for weeks_ago in (2, 1):
        clock.set(FRIDAY - timedelta(weeks=weeks_ago))
        ok(run(deps, "alice", "/interview Latham callback"))
    clock.set(FRIDAY)
    ok(run(deps, "coord", "/cohort pause-all 2w"))
    alice = member(deps, "alice").id
    later = date(2026, 12, 9)
    assert streaks.member_streaks(deps.db, {alice: later})[alice] == streaks.member_streak(deps.db, alice, later)


def test_last_active_week_is_the_week_before_without_a_pause(deps: Deps) -> None:
    ok(run(deps, "coord", "/cohort setup"))
    cohort = member(deps, "coord").cohort_id
    monday = date(2026, 11, 23)
    assert cohorts.last_active_week_before(deps.db, cohort, monday) == monday - timedelta(weeks=1)
    assert cohorts.last_active_week_before(deps.db, cohort, monday + timedelta(days=3)) == monday - timedelta(weeks=1)
    # A pause that began and ended the same day paused nothing.
    cohorts.start_pause(deps.db, cohort, date(2026, 11, 18), date(2026, 11, 18), FRIDAY)
    assert cohorts.last_active_week_before(deps.db, cohort, monday) == monday - timedelta(weeks=1)


def test_pause_all_for_exams_asks_with_buttons_that_only_an_admin_can_press(deps: Deps) -> None:
    three_cohorts(deps)
    ok(run(deps, "alice", "/progress"))
    asked = ok(run(deps, "coord", "/cohort pause-all for finals"))
    [buttons] = [b for b in asked.blocks if isinstance(b, Actions)]
    assert [(b.label, b.command, b.text, b.style) for b in buttons.buttons] == [
        ("1 week", "cohort", "pause-all 1w", None), ("2 weeks", "cohort", "pause-all 2w", "primary"),
        ("3 weeks", "cohort", "pause-all 3w", None)]
    assert deps.db.execute("SELECT COUNT(*) FROM cohort_pauses").fetchone() == (0,)  # nothing until pressed
    # A button is its command, run as whoever presses it: a member is refused, a coordinator pauses.
    pressed = buttons.buttons[1]
    refused = run(deps, "alice", f"/{pressed.command} {pressed.text}")
    assert "Only a coordinator" in text_of(refused)
    assert deps.db.execute("SELECT COUNT(*) FROM cohort_pauses").fetchone() == (0,)
    ok(run(deps, "coord", f"/{pressed.command} {pressed.text}"))
    assert cohorts.cohort_paused_on(deps.db, cohort_named(deps, "1L").id, TODAY)


# ---- an existing database -----------------------------------------------------------------------------------

RELEASE_0_1 = Path(__file__).resolve().parent / "data" / "release-0.1.db"


def test_an_existing_single_cohort_database_moves_over_without_loss(tmp_path: Path, make_deps: object) -> None:
    path = tmp_path / "cohortbot.db"
    shutil.copy(RELEASE_0_1, path)
    db = open_db(path)
    assert callable(make_deps)
    deps: Deps = make_deps(now="2026-11-27T15:00:00", db=db)
    platform, workspace = db.execute("SELECT platform, external_id FROM workspaces").fetchone()
    users = [r[0] for r in db.execute("SELECT user_id FROM members ORDER BY id")]
    before = [(r.display_name, r.points) for r in board.board(db, 1, None, TODAY)]

    def say(user: str, line: str, where: Where = OTHER, admin: bool = False) -> Reply:
        name, _, text = line.lstrip("/").partition(" ")
        return dispatch(CommandRequest(name, text, Actor(platform, workspace, user, is_workspace_admin=admin),
                                       where, deps.clock()), deps)

    assert [c.name for c in cohorts.cohorts(db, 1)] == ["Cohort"]
    assert text_of(ok(say(users[1], "/leaderboard", DM))).startswith("Leaderboard, this week")
    # The admin from release 0.1 (who has logged entries) is still both: admin and on the board.
    assert ok(say(users[0], "/cohort rename 1L"))
    assert ok(say(users[0], "/cohort create 2L <#C2|two-l> tuesday"))
    assert [(c.name, c.summary_channel) for c in cohorts.cohorts(db, 1)] == [("1L", "job-search"), ("2L", "C2")]
    assert [(r.display_name, r.points) for r in board.board(db, 1, None, TODAY)] == before
    report = text_of(ok(say(users[0], "/cohort report all 1L")))
    assert all(name in report for name in ("alice", "bob", "carol"))
    ok(say("dora", "/progress", TWO))
    assert members.find_member_by_platform(db, platform, workspace, "dora").cohort_id == 2  # type: ignore[union-attr]


# ---- through signed Slack requests ---------------------------------------------------------------------------

async def test_slack_create_list_and_a_board_per_channel(bot: Bot) -> None:  # noqa: F811
    assert (await bot.reply("/cohort", "setup monday 9am"))["response_type"] == "ephemeral"  # alice, in C0001
    created = await bot.reply("/cohort", "create 2L <#C0TWO|two-l> tuesday 9am")
    assert created["response_type"] == "ephemeral"
    assert "Created the cohort 2L: its weekly summary goes to #two-l" in all_text(created["blocks"])
    assert_within_slack_limits(created["blocks"])
    [row] = bot.query("SELECT name, summary_channel, channel_name, nudge_weekday, nudge_hour FROM cohorts "
                      "WHERE name = '2L'")
    assert tuple(row) == ("2L", "C0TWO", "two-l", 1, 9)
    # Bob's first command, in #two-l: he joins 2L.
    await bot.reply("/interview", "Cravath screener", user_id="U0002", user_name="bob", channel_id="C0TWO",
                    channel_name="two-l")
    assert bot.member("U0002")["cohort_id"] == bot.query("SELECT id FROM cohorts WHERE name = '2L'")[0]["id"]
    listed = all_text((await bot.reply("/cohort", "list", user_id="U0002", user_name="bob"))["blocks"])
    assert "2L* (yours)" in listed and "#two-l" in listed
    # Alice (the coordinator) sees 2L's board in #two-l, and her own cohort's elsewhere.
    seen = all_text((await bot.reply("/leaderboard", "", channel_id="C0TWO", channel_name="two-l"))["blocks"])
    assert "Leaderboard of 2L, this week" in seen and "Bob" in seen and "(you)" not in seen
    mine = all_text((await bot.reply("/leaderboard"))["blocks"])
    assert "Leaderboard, this week" in mine and "Bob" not in mine and "(you)" not in mine  # she doesn't take part
    refused = await bot.reply("/cohort", "create 2l <#C0THREE|three>")
    assert "There's already a cohort called 2L here." in all_text(refused["blocks"])
    assert bot.count("cohorts") == 2
