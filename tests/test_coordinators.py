"""The coordinator: who runs setup or create coordinates (an admin, not a member: off the board and its counts) until
they log or join; the private report on everyone, quiet members first; the welcome a member gets once; help by
topic; refusals that show nothing. Through dispatch (as the shell does) and through signed Slack requests.
"""

from __future__ import annotations

import ast
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from commands import home, welcome
from commands.cohort.report import MAX_ROWS
from commands.dispatch import dispatch
from commands.model import Actor, CommandRequest, Deps, Reply, Table, Where, plain
from storage import board, members
from tests.conftest import FRIDAY, clock_of, ok, slack_member, slack_run, table_of, text_of
from tests.slack_signing import app_home_opened_event, block_actions_payload
from tests.test_slack import (  # noqa: F401
    Bot,
    all_text,
    assert_within_slack_limits,
    bot,
    button,
    fake,
    view_arg,
)

ROOT = Path(__file__).resolve().parents[1]
TODAY = FRIDAY.date()  # Friday 27 Nov 2026
CHANNEL = Where(channel_id="C1", channel_name="job-search")
REFUSAL = "Only a coordinator (a cohort admin) or a workspace admin can see the report."


def run(deps: Deps, user: str, line: str, where: Where = CHANNEL, **actor: Any) -> Reply:
    return slack_run(deps, user, line, where, **actor)



def member(deps: Deps, user: str, workspace: str = "T1") -> members.Member:
    found: members.Member = slack_member(deps, user, workspace)
    return found


def log_at(deps: Deps, user: str, line: str, weeks_ago: int) -> None:
    clock = clock_of(deps)
    clock.set(FRIDAY - timedelta(weeks=weeks_ago))
    try:
        ok(run(deps, user, line))
    finally:
        clock.set(FRIDAY)


def rows_of(reply: Reply) -> list[tuple[str, ...]]:
    return [tuple(plain(cell) for cell in row) for row in table_of(reply).rows]


# ---- roles -----------------------------------------------------------------------------------------------

def test_whoever_runs_setup_coordinates_and_is_not_a_member(deps: Deps) -> None:
    ok(run(deps, "alice", "/interview Latham callback"))
    reply = ok(run(deps, "carla", "/cohort setup monday 9am"))
    assert ("You're its coordinator (a cohort admin): you're not on the board and get no nudges. Log an entry or "
            "type /cohort join to take part too.") in text_of(reply)
    carla = member(deps, "carla")
    assert carla.is_admin and carla.role == "coordinator" and not carla.takes_part and carla.active
    board_reply = ok(run(deps, "carla", "/leaderboard"))
    assert rows_of(board_reply) == [("1", "alice", "3", "1", "0")]  # no row of her own, nothing highlighted
    assert table_of(board_reply).highlight is None
    assert "from 1 member," in text_of(board_reply)
    all_time = ok(run(deps, "alice", "/leaderboard all"))
    assert [r[1] for r in rows_of(all_time)] == ["alice (you)"] and "from 1 member," in text_of(all_time)


def test_a_coordinator_who_logs_or_joins_is_both(deps: Deps) -> None:
    ok(run(deps, "carla", "/cohort setup"))
    ok(run(deps, "dan", "/cohort create 2L <#C2|two-l>", workspace_admin=True))  # a workspace admin coordinates
    assert member(deps, "dan").role == "coordinator" and member(deps, "dan").is_admin
    ok(run(deps, "carla", "/network Sam coffee"))  # logging makes her a member too
    assert member(deps, "carla").role == "member" and member(deps, "carla").is_admin
    assert [r.display_name for r in board.board(deps.db, member(deps, "carla").cohort_id, TODAY, TODAY)] == ["carla"]
    joined = ok(run(deps, "dan", "/cohort join"))
    assert text_of(joined).startswith("Welcome to the cohort!")
    assert member(deps, "dan").role == "member" and member(deps, "dan").is_admin


def test_a_member_made_admin_stays_a_member(deps: Deps) -> None:
    ok(run(deps, "carla", "/cohort setup"))
    ok(run(deps, "bob", "/progress"))
    assert text_of(ok(run(deps, "carla", "/cohort admin <@bob|bob>"))) == "bob is now a cohort admin."
    bob = member(deps, "bob")
    assert bob.is_admin and bob.role == "member"
    # An admin who is a member may run setup again and stays a member (no entries needed).
    ok(run(deps, "bob", "/cohort setup friday"))
    assert member(deps, "bob").role == "member"


def test_a_workspace_admins_first_command_being_a_report_makes_them_a_coordinator(deps: Deps) -> None:
    ok(run(deps, "alice", "/interview Latham callback"))
    reply = ok(run(deps, "wanda", "/cohort report", workspace_admin=True))
    assert "alice" in text_of(reply) and "wanda" not in text_of(reply)
    assert "You coordinate: you're not on the board and get no nudges." in text_of(reply)  # her welcome
    assert member(deps, "wanda").role == "coordinator"


# ---- the report --------------------------------------------------------------------------------------------

def quiet_cohort(deps: Deps) -> None:
    """Named, anonymous and hidden members, some quiet for weeks, one who never logged, an offer."""
    clock = clock_of(deps)
    clock.set(FRIDAY - timedelta(weeks=6))
    for user in ("quinn", "nell"):
        ok(run(deps, user, "/progress"))  # they joined six weeks ago
    clock.set(FRIDAY)
    ok(run(deps, "carla", "/cohort setup monday 9am"))
    log_at(deps, "quinn", "/interview Davis screener", 4)
    log_at(deps, "amy", "/network Sam coffee", 3)
    log_at(deps, "amy", "/interview Latham callback", 0)
    log_at(deps, "amy", "/interview Latham offer", 0)  # the outcome of her Latham application, not an interview
    log_at(deps, "hal", '/network "Bar association" event', 2)
    log_at(deps, "ben", "/interview Cooley offer", 0)  # no round at Cooley: the offer counts the one it implies
    ok(run(deps, "amy", "/cohort privacy anonymous"))
    ok(run(deps, "hal", "/cohort privacy hidden"))


def test_the_report_lists_everyone_quiet_first_with_the_boards_numbers(deps: Deps) -> None:
    quiet_cohort(deps)
    reply = ok(run(deps, "carla", "/cohort report all"))
    assert reply.private
    text = text_of(reply)
    assert text.startswith("Report: Cohort, all time")
    assert "anonymous and hidden members included" in text
    rows = rows_of(reply)
    assert rows == [
        ("nell", "0", "0", "0", "0", "never", "", "quiet 6 weeks, none yet"),
        ("quinn", "1", "1", "0", "0", "Fri 30 Oct", "4", "quiet 4 weeks"),
        ("hal (hidden)", "1", "0", "1", "0", "Fri 13 Nov", "2", "quiet 2 weeks"),
        ("amy (anon.)", "3", "1", "1", "1", "Fri 27 Nov", "0", ""),
        ("ben", "1", "1", "0", "1", "Fri 27 Nov", "0", ""),
    ]
    assert "carla" not in text  # the coordinator is not a member
    assert text.splitlines()[-1] == "Totals: 5 members, 3 quiet; 6 entries: 3 interviews, 2 meetings, 2 offers."
    # The board agrees: amy's offer is not a second interview.
    everything = board.totals(board.board(deps.db, member(deps, "amy").cohort_id, None, TODAY))
    assert (everything.interviews, everything.meetings) == (3, 2)
    month = rows_of(ok(run(deps, "carla", "/cohort report month")))
    assert ("quinn", "0", "0", "0", "0", "Fri 30 Oct", "4", "quiet 4 weeks") in month  # October is not this month
    month_board = board.totals(board.board(deps.db, member(deps, "amy").cohort_id, TODAY.replace(day=1), TODAY))
    assert sum(int(r[2]) for r in month) == month_board.interviews == 2


def test_a_paused_member_and_a_paused_cohort_are_not_called_quiet(deps: Deps) -> None:
    quiet_cohort(deps)
    ok(run(deps, "quinn", "/cohort pause 2w"))
    rows = {r[0]: r[-1] for r in rows_of(ok(run(deps, "carla", "/cohort report")))}
    assert rows["quinn"] == "paused to Fri 11 Dec" and rows["nell"] == "quiet 6 weeks, none yet"
    ok(run(deps, "carla", "/cohort pause-all 1w"))
    reply = ok(run(deps, "carla", "/cohort report"))
    assert "Cohort is paused until Fri 4 Dec: no nudges and no summary meanwhile." in text_of(reply)
    assert {r[-1] for r in rows_of(reply)} == {"paused to Fri 4 Dec", "paused to Fri 11 Dec"}


def test_a_non_admin_is_refused_and_sees_nothing_of_anyone(deps: Deps) -> None:
    quiet_cohort(deps)
    for line in ("/cohort report", "/cohort report all", "/cohort report month Cohort", "/cohort report Nope"):
        reply = run(deps, "amy", line)
        assert text_of(reply) == REFUSAL and reply.private
        assert not any(isinstance(b, Table) for b in reply.blocks)


def test_a_report_for_a_cohort_in_another_workspace_is_refused(deps: Deps) -> None:
    quiet_cohort(deps)  # workspace T1
    ok(run(deps, "otto", "/cohort create Evening <#C7|evening>", workspace="T2"))
    ok(run(deps, "olga", "/interview Secret firm screener", Where("C7", "evening"), workspace="T2"))
    reply = run(deps, "carla", "/cohort report Evening")
    assert not reply.ok and reply.private
    assert text_of(reply).splitlines()[0] == ("There's no cohort called Evening in this workspace. The cohorts here: "
                                              "Cohort.")
    assert "olga" not in text_of(reply) and "Secret" not in text_of(reply)
    # And the other way round: T2's only cohort is Evening.
    other = text_of(run(deps, "otto", "/cohort report Cohort", workspace="T2"))
    assert other.startswith("There's no cohort called Cohort in this workspace. The cohorts here: Evening.")
    assert "quinn" not in other and "amy" not in other


def test_a_report_beyond_its_rows_says_how_many_more_and_points_to_the_export(deps: Deps) -> None:
    ok(run(deps, "carla", "/cohort setup"))
    for i in range(MAX_ROWS + 5):
        ok(run(deps, f"m{i:03d}", "/progress"))
    reply = ok(run(deps, "carla", "/cohort report"))
    table = table_of(reply)
    assert len(table.rows) == MAX_ROWS
    assert table.note == "and 5 more members: /cohort export Cohort has everyone's entries."
    assert text_of(reply).splitlines()[-1].startswith(f"Totals: {MAX_ROWS + 5} members, 0 quiet;")


def test_teams_gives_the_report_only_in_a_chat_with_the_bot(deps: Deps) -> None:
    teams_channel = Where("19:abc@thread.tacv2", "General", typed_channels=False)
    ok(run(deps, "carla", "/cohort setup", teams_channel))
    ok(run(deps, "amy", "/interview Latham callback", teams_channel))
    refused = run(deps, "carla", "/cohort report", teams_channel)
    assert not refused.ok and "amy" not in text_of(refused)
    assert text_of(refused).splitlines()[0] == ("The report names everyone, so I only give it in a chat with me: ask "
                                                "there, like cohort report month.")
    chat = Where("a:1carla", is_direct=True, typed_channels=False)
    assert "amy" in text_of(ok(run(deps, "carla", "/cohort report", chat)))


# ---- the welcome -------------------------------------------------------------------------------------------

def welcome_text() -> str:
    return "\n".join(plain(*p.spans) for p in (welcome.HEADING, *welcome.MEMBER))


def test_a_new_member_gets_a_short_private_welcome_once(deps: Deps) -> None:
    first = ok(run(deps, "alice", "/interview Latham callback"))
    text = text_of(first)
    assert text.startswith("Logged callback interview at Latham")  # the answer comes first...
    assert text.endswith(welcome_text()) and first.private  # ...then the welcome
    assert welcome.EXAMPLES[0] in text and welcome.EXAMPLES[1] in text
    assert "/cohort privacy" in text and "/cohort pause 2w" in text and "coordinators see everyone" in text
    assert "Welcome to cohortbot" not in text_of(ok(run(deps, "alice", "/progress")))
    # Both examples are lines that store exactly what they say.
    for example in welcome.EXAMPLES:
        assert text_of(ok(run(deps, "bob", example))).startswith("Logged ")


def test_the_welcome_examples_work_and_refusals_get_no_welcome(deps: Deps) -> None:
    refused = run(deps, "zed", "/cohort goal 0")
    assert not refused.ok and "Welcome" not in text_of(refused)
    assert members.find_member_by_platform(deps.db, "slack", "T1", "zed") is None
    assert "Welcome to cohortbot" in text_of(ok(run(deps, "zed", "/cohort goal 4")))


def test_the_teams_install_greeting_is_the_same_text_defined_once() -> None:
    reply = welcome.welcome_reply()
    assert reply.blocks == (welcome.HEADING, *welcome.MEMBER)
    source = (ROOT / "bot" / "transports" / "teams" / "handlers.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "welcome_reply"]
    assert any(isinstance(n, ast.ImportFrom) and n.module == "commands.welcome"
               and any(a.name == "welcome_reply" for a in n.names) for n in ast.walk(tree))


def test_an_empty_home_shows_getting_started(deps: Deps) -> None:
    def home_of(user: str) -> Reply:
        return home.home(CommandRequest("home", "", Actor("slack", "T1", user, display_name=user), CHANNEL,
                                        deps.clock()), deps)

    empty = text_of(home_of("alice"))
    assert empty.startswith("Getting started\n" + "\n".join(plain(*p.spans) for p in welcome.MEMBER))
    ok(run(deps, "alice", "/interview Latham callback"))
    assert "Getting started" not in text_of(home_of("alice"))
    ok(run(deps, "carla", "/cohort setup"))
    assert "Getting started\nYou coordinate:" in text_of(home_of("carla"))


# ---- help and privacy ---------------------------------------------------------------------------------------

def test_help_by_topic(deps: Deps) -> None:
    ok(run(deps, "alice", "/progress"))
    report = text_of(ok(run(deps, "alice", "/cohort help report")))
    assert report.startswith("/cohort report [week|month|all] [cohort]")
    assert "anonymous and hidden members included" in report and "For cohort admins and workspace admins." in report
    privacy = text_of(ok(run(deps, "alice", "/cohort help privacy")))
    assert "Coordinators see everyone, by name, in their report" in privacy
    guide = ok(run(deps, "alice", "/cohort help coordinators"))
    text = text_of(guide)
    assert text.startswith("A guide for coordinators")
    for usage in ("/cohort setup", "/cohort create", "/cohort admin", "/cohort report", "/cohort pause-all",
                  "/cohort resume-all", "/cohort rename"):
        assert usage in text, usage
    assert text_of(ok(run(deps, "alice", "/cohort help coordinator"))) == text
    assert "/cohort help coordinators" in text_of(ok(run(deps, "alice", "/cohort help")))
    assert text_of(ok(run(deps, "alice", "/cohort help pause-all"))).startswith("/cohort pause-all")
    assert "Did you mean /cohort help coordinators?" in text_of(run(deps, "alice", "/cohort help coordinatrs"))


def test_the_privacy_reply_says_coordinators_see_everyone(deps: Deps) -> None:
    ok(run(deps, "alice", "/progress"))
    reply = ok(run(deps, "alice", "/cohort privacy hidden"))
    assert text_of(reply).splitlines() == [
        "Privacy set to hidden: the leaderboard shows you nowhere (your entries still count in the cohort totals).",
        "It changes what other members see. Coordinators see everyone, by name, in their report (/cohort report), "
        "whatever you choose."]


# ---- refusals ------------------------------------------------------------------------------------------------

def test_every_coordinators_subcommand_refuses_a_member_and_changes_nothing(deps: Deps) -> None:
    ok(run(deps, "carla", "/cohort setup #jobs monday 9am"))
    ok(run(deps, "bob", "/progress"))
    before = [tuple(r) for r in deps.db.execute("SELECT * FROM cohorts").fetchall()]
    admins = [tuple(r) for r in deps.db.execute("SELECT id, is_admin, role FROM members").fetchall()]
    for line in ("/cohort setup #mine", "/cohort admin <@bob|bob>", "/cohort create 2L #two", "/cohort rename X",
                 "/cohort pause-all 1w", "/cohort resume-all", "/cohort report"):
        reply = run(deps, "bob", line)
        assert reply.private and text_of(reply).startswith("Only a "), line
        assert len(reply.blocks) == 1, line
    assert [tuple(r) for r in deps.db.execute("SELECT * FROM cohorts").fetchall()] == before
    assert [tuple(r) for r in deps.db.execute("SELECT id, is_admin, role FROM members").fetchall()] == admins
    assert deps.db.execute("SELECT COUNT(*) FROM cohort_pauses").fetchone() == (0,)


# ---- through signed Slack requests ---------------------------------------------------------------------------

async def test_slack_report_of_200_members_stays_within_block_kit_limits(bot: Bot) -> None:  # noqa: F811
    setup = await bot.reply("/cohort", "setup monday 9am")
    assert "You're its coordinator" in all_text(setup["blocks"])
    clock, deps = bot.clock, bot.deps
    names = {}
    for i in range(200):  # 200 members with long names and markup, a third of them quiet for weeks
        user = f"U2{i:04d}"
        names[user] = f"Member {i} " + "<&>*_~`" * 6
        clock.now = FRIDAY - timedelta(weeks=3 if i % 3 == 0 else 0)
        request = CommandRequest("interview", f"Firm{i} screener", Actor("slack", "T0001", user,
                                                                           display_name=names[user]),
                                 Where("C0001", "general"), clock.now, source="slack:command")
        assert dispatch(request, deps).ok
    clock.now = FRIDAY
    reply = await bot.reply("/cohort", "report all")
    assert reply["response_type"] == "ephemeral"
    assert_within_slack_limits(reply["blocks"])
    text = all_text(reply["blocks"])
    assert "Report: Cohort, all time" in text
    assert "and 160 more members: /cohort export Cohort has everyone's entries." in text
    assert "Totals: 200 members, 67 quiet; 200 entries: 200 interviews, 0 meetings, 0 offers." in text
    assert text.count("quiet 3 weeks") == 40 and "Fri 27 Nov" not in text  # the 67 quiet come first
    assert "&lt;&amp;&gt;" in text and "<&>" not in text  # names are escaped


async def test_slack_non_admin_report_and_a_pause_button_pressed_by_a_member_are_refused(
        bot: Bot) -> None:  # noqa: F811
    await bot.reply("/cohort", "setup monday 9am")  # alice coordinates
    await bot.reply("/interview", "Cravath screener", user_id="U0002", user_name="bob")
    refused = await bot.reply("/cohort", "report", user_id="U0002", user_name="bob")
    assert refused["response_type"] == "ephemeral" and refused["text"] == REFUSAL
    assert "Bob" not in json.dumps(refused)
    asked = await bot.reply("/cohort", "pause-all for finals")
    two = button(asked["blocks"], "2 weeks")
    payload = block_actions_payload(two["action_id"], two["value"], user_id="U0002", user_name="bob",
                                    block_id=asked["blocks"][-1]["block_id"],
                                    response_url=bot.fake.response_url("bob-pause"))
    assert (await bot.interact(payload)).status == 200
    await bot.fake.wait_for_calls("response_url")
    [answer] = bot.fake.response_url_posts("bob-pause")
    assert answer["text"] == ("Only a coordinator (a cohort admin) or a workspace admin can pause the whole cohort.")
    assert bot.count("cohort_pauses") == 0
    pressed = block_actions_payload(two["action_id"], two["value"], block_id=asked["blocks"][-1]["block_id"],
                                    response_url=bot.fake.response_url("alice-pause"))
    assert (await bot.interact(pressed)).status == 200
    await bot.fake.wait_for_calls("response_url", 2)
    [done] = bot.fake.response_url_posts("alice-pause")
    assert re.match(r"Cohort is paused until \w{3} 11 Dec", done["text"])
    assert bot.count("cohort_pauses") == 1


async def test_slack_empty_app_home_shows_getting_started(bot: Bot) -> None:  # noqa: F811
    await bot.event(app_home_opened_event("U0002"))
    [call] = await bot.fake.wait_for_calls("views.publish")
    blocks = view_arg(call)["blocks"]
    assert_within_slack_limits(blocks, max_blocks=100)
    text = all_text(blocks)
    assert text.startswith("Getting started") and "/cohort pause 2w" in text
    bot.fake.add_user("U0003", name="cy", display_name="Cy")
    first = await bot.reply("/network", '"Mara Ellis" coffee', user_id="U0003", user_name="cy")
    assert "Welcome to cohortbot" in all_text(first["blocks"])
    assert_within_slack_limits(first["blocks"])
    assert first["text"].startswith("Logged coffee with Mara Ellis")  # the notification says what was done


def test_progress_tells_a_coordinator_they_are_not_on_the_board(deps: Deps) -> None:
    run(deps, "cora", "/cohort setup <#C0JOBS|jobs> monday 9am")
    assert "You coordinate the cohort and aren't on its board" in text_of(run(deps, "cora", "/progress"))
    run(deps, "cora", "/interview Latham screener")  # now she takes part too
    assert "aren't on its board" not in text_of(run(deps, "cora", "/progress"))
