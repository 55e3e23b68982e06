"""/cohort as one table of subcommands: help, "did you mean", case, the fresh admin check, and setup's channel rule
all come from the rows in commands/cohort/.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from commands import REGISTRY, needs_fresh_admin_check
from commands.cohort import ACTIONS, ROWS, TABLE, Args, parse, records
from commands.cohort.entries import EditArgs
from commands.cohort.subcommand import Subcommand
from commands.dispatch import dispatch
from commands.model import Actor, CommandRequest, Deps, Reply, Where
from commands.parsing import STAGES_HELP, TYPES_HELP, UsageError
from storage import members
from tests.conftest import FRIDAY, count, say, text_of

ROOT = Path(__file__).resolve().parents[1]
GUID = "8f2c1a9e-4b7d-4e21-9c3a-5d6e7f801234"


def run(deps: Deps, line: str, *, user: str = "alice", where: Where | None = None, platform: str = "shell",
        workspace: str = "local", workspace_admin: bool = False) -> Reply:
    name, _, text = line.strip().lstrip("/").partition(" ")
    request = CommandRequest(
        name=name, text=text,
        actor=Actor(platform, workspace, user, display_name=user, is_workspace_admin=workspace_admin),
        where=where or Where(channel_id="C1", channel_name="cohort"), received_at=deps.clock(), source=platform)
    return dispatch(request, deps)


def summary_channel(deps: Deps) -> str | None:
    row = deps.db.execute("SELECT summary_channel FROM cohorts").fetchone()
    return row[0] if row else None


# ---- the table -----------------------------------------------------------------------------------------

RECORDS = {name for row in records.ROWS for name in row.names}  # export and erasure (their own tests)
COORDINATORS = {"setup", "admin", "create", "rename", "pause-all", "resume-all", "report"}


def test_every_name_and_alias_is_listed_once() -> None:
    names = [name for row in TABLE for name in row.names]
    assert len(names) == len(set(names)) == len(ACTIONS)
    assert {"help", "?", "join", "leave", "goal", "privacy", "list", "cohorts", "undo", "delete", "remove", "edit",
            "share", "pause", "resume", "nudges", "tip", "thanks", "happened", *COORDINATORS} == set(ACTIONS) - RECORDS
    assert ROWS["remove"] is ROWS["delete"] and ROWS["?"] is ROWS["help"]


@pytest.mark.parametrize("row", TABLE, ids=lambda row: row.name)
def test_each_row_is_complete_and_its_example_parses_to_it(row: Subcommand[Any]) -> None:
    assert row.summary.endswith(".") and row.usage.startswith(f"/cohort {row.name}")
    assert row.admin == bool(row.refusal)
    parsed = parse(row.example.removeprefix("/cohort "), FRIDAY.date())
    assert parsed.action == row.name and isinstance(parsed.params, row.args)


def test_args_can_be_built_from_an_alias_and_fields() -> None:
    assert Args("remove", number=3) == parse("delete 3", FRIDAY.date())
    assert Args("edit", EditArgs(12, "org", "Cooley")) == parse("EDIT 12 org Cooley", FRIDAY.date())


def test_the_coordinators_rows_need_an_admin_asked_afresh() -> None:
    admin = {row.name for row in TABLE if row.admin} - RECORDS
    assert admin == {row.name for row in TABLE if row.fresh_admin_check} - RECORDS == COORDINATORS
    assert {row.name for row in TABLE if row.first_admin_may} == {"setup", "create"}


@pytest.mark.parametrize(("name", "text", "fresh"), [
    ("cohort", "setup #jobs monday 9am", True),
    ("cohort", "Setup", True),
    ("/cohort", "ADMIN <@U2|bob>", True),
    ("COHORT", "  admin dana", True),
    ("/cohort", "goal 4", False),
    ("cohort", "", False),
    ("cohort", "setupx", False),
    ("cohort", "help setup", False),
    ("interview", "setup", False),
    ("/network", "admin", False),
    ("nosuch", "setup", False),
])
def test_needs_fresh_admin_check(name: str, text: str, fresh: bool) -> None:
    assert needs_fresh_admin_check(name, text) is fresh


def test_nothing_in_the_cohort_package_imports_upward() -> None:
    forbidden = {"commands", "commands.dispatch", "commands.forms"}
    for path in sorted((ROOT / "commands" / "cohort").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                targets = {node.module} | ({f"commands.{a.name}" for a in node.names} if node.module == "commands"
                                           else set())
            elif isinstance(node, ast.Import):
                targets = {alias.name for alias in node.names}
            else:
                continue
            assert not targets & forbidden, (path.name, targets)


# ---- help ----------------------------------------------------------------------------------------------

def test_help_is_made_from_the_table_and_lists_every_command(deps: Deps) -> None:
    say(deps, "alice", "/progress")  # alice has used the bot before (her first reply has a welcome too)
    reply = say(deps, "alice", "/cohort help")
    text = text_of(reply)
    assert reply.ok and reply.private
    for row in TABLE:
        assert row.usage in text and row.summary in text, row.name
    for spec in REGISTRY.values():
        if spec.name != "cohort":
            assert spec.usage in text and spec.examples[0] in text
    assert STAGES_HELP in text and TYPES_HELP in text
    assert text_of(say(deps, "alice", "/cohort")) == text_of(say(deps, "alice", "/cohort ?")) == text


def test_help_on_edit_shows_its_usage_example_and_fields(deps: Deps) -> None:
    say(deps, "alice", "/progress")
    reply = say(deps, "alice", "/cohort help edit")
    text = text_of(reply)
    assert reply.ok and reply.private
    edit = ROWS["edit"]
    assert text.splitlines()[0] == edit.usage
    assert edit.summary in text and edit.example in text
    assert "Fields: org, stage (or type), date, notes." in text
    assert "/cohort setup" not in text  # one topic, not the whole list
    assert text_of(say(deps, "alice", "/cohort HELP Edit")) == text


@pytest.mark.parametrize(("topic", "words"), [("interview", STAGES_HELP), ("/interview", STAGES_HELP),
                                              ("stages", STAGES_HELP), ("network", TYPES_HELP),
                                              ("types", TYPES_HELP)])
def test_help_on_interview_and_network_words_shows_their_vocabulary(deps: Deps, topic: str, words: str) -> None:
    reply = say(deps, "alice", f"/cohort help {topic}")
    assert reply.ok and words in text_of(reply)


def test_help_on_an_admin_subcommand_and_an_alias(deps: Deps) -> None:
    assert "For cohort admins and workspace admins." in text_of(say(deps, "alice", "/cohort help setup"))
    assert text_of(say(deps, "alice", "/cohort help remove")).startswith("/cohort delete <id>")


def test_help_on_something_unknown_suggests_the_nearest_topic(deps: Deps) -> None:
    reply = say(deps, "alice", "/cohort help edti")
    assert not reply.ok
    assert text_of(reply).splitlines()[0] == "There is no help on 'edti'. Did you mean /cohort help edit?"
    far = say(deps, "alice", "/cohort help zzzzzz")
    assert text_of(far).splitlines()[0] == "There is no help on 'zzzzzz'. /cohort help lists every subcommand."


# ---- unknown subcommands and case ------------------------------------------------------------------------

def test_an_unknown_subcommand_suggests_the_nearest_with_its_own_usage(deps: Deps) -> None:
    reply = say(deps, "alice", "/cohort undoo")
    text = text_of(reply)
    assert not reply.ok and reply.private
    assert text.splitlines() == ["/cohort has no 'undoo' option. Did you mean undo?", "Usage: /cohort undo",
                                 "Examples: /cohort undo"]
    goal = text_of(say(deps, "alice", "/cohort gaol 4")).splitlines()
    assert goal == ["/cohort has no 'gaol' option. Did you mean goal?", "Usage: /cohort goal <n>",
                    "Examples: /cohort goal 4"]


def test_a_subcommand_s_own_mistake_shows_its_own_usage(deps: Deps) -> None:
    assert text_of(say(deps, "alice", "/cohort goal abc")).splitlines()[1:] == ["Usage: /cohort goal <n>",
                                                                               "Examples: /cohort goal 4"]
    assert text_of(say(deps, "alice", "/cohort delete 99")).splitlines()[1] == "Usage: /cohort delete <id>"


def test_an_unknown_subcommand_with_nothing_near_points_to_help(deps: Deps) -> None:
    with pytest.raises(UsageError) as caught:
        parse("frob", FRIDAY.date())
    assert caught.value.message == "/cohort has no 'frob' option."
    assert "/cohort help" in text_of(say(deps, "alice", "/cohort frob"))


def test_subcommand_names_are_case_insensitive(deps: Deps) -> None:
    say(deps, "alice", "/progress")
    assert text_of(say(deps, "alice", "/cohort GOAL 4")) == "Your weekly goal is now 4 entries."
    reply = run(deps, "/cohort Setup #x Monday 9AM")
    assert reply.ok, text_of(reply)
    assert summary_channel(deps) == "x"


# ---- setup's channel -------------------------------------------------------------------------------------

def test_setup_without_a_channel_in_a_channel_uses_that_channel(deps: Deps) -> None:
    reply = run(deps, "/cohort setup thursday 2pm", where=Where(channel_id="C42", channel_name="job-search"),
                platform="slack", workspace="T1")
    assert reply.ok, text_of(reply)
    assert "#job-search" in text_of(reply) and "Thursday" in text_of(reply)
    row = deps.db.execute("SELECT summary_channel, nudge_weekday, nudge_hour FROM cohorts").fetchone()
    assert tuple(row) == ("C42", 3, 14)
    assert run(deps, "/cohort setup", where=Where(channel_id="C43", channel_name="jobs"), platform="slack",
               workspace="T1").ok
    assert summary_channel(deps) == "C43"


@pytest.mark.parametrize("text", ["setup", "setup monday 9am", "setup #general friday"])
def test_setup_in_a_direct_chat_without_a_picked_channel_stores_nothing(deps: Deps, text: str) -> None:
    where = Where(channel_id="a:1direct", is_direct=True, typed_channels=False)
    reply = run(deps, f"/cohort {text}", where=where, platform="teams", workspace="tenant")
    assert not reply.ok and reply.private
    assert text_of(reply).startswith("Run cohort setup in the channel where the weekly summary should go: "
                                     "@mention me there")
    assert count(deps.db, "members") == 0 and count(deps.db, "cohorts") == 0


def test_setup_in_a_slack_direct_message_may_still_name_a_channel(deps: Deps) -> None:
    dm = Where(channel_id="D1", channel_name="directmessage", is_direct=True)
    refused = run(deps, "/cohort setup", where=dm, platform="slack", workspace="T1")
    assert not refused.ok and text_of(refused).startswith("Run cohort setup in the channel")
    assert run(deps, "/cohort setup #jobs", where=dm, platform="slack", workspace="T1").ok
    assert summary_channel(deps) == "jobs"
    assert run(deps, "/cohort setup <#C9|search>", where=dm, platform="slack", workspace="T1").ok
    assert summary_channel(deps) == "C9"


def test_a_typed_channel_name_where_the_platform_has_none_means_this_channel(deps: Deps) -> None:
    where = Where(channel_id="19:abc@thread.tacv2", channel_name="General", typed_channels=False)
    reply = run(deps, "/cohort setup #whatever friday 9am", where=where, platform="teams", workspace="tenant")
    assert reply.ok, text_of(reply)
    assert summary_channel(deps) == "19:abc@thread.tacv2" and "#General" in text_of(reply)


def test_setup_still_refuses_a_word_that_is_not_a_channel_day_or_hour(deps: Deps) -> None:
    reply = run(deps, "/cohort setup jobs monday")
    assert not reply.ok
    assert text_of(reply).splitlines()[0] == ("'jobs' is not a channel. Type # and pick it, like /cohort setup "
                                              "#job-search.")


# ---- admin mentions --------------------------------------------------------------------------------------

@pytest.mark.parametrize("mention", [f"<@{GUID}|Dana>", f"<@{GUID}>"])
def test_admin_accepts_a_neutral_mention_with_any_id(deps: Deps, mention: str) -> None:
    assert run(deps, "/progress", user=GUID, platform="teams", workspace="tenant").ok  # Dana has used the bot
    assert run(deps, "/cohort setup", user="alex", where=Where("19:general", "General"), platform="teams",
               workspace="tenant").ok
    reply = run(deps, f"/cohort admin {mention}", user="alex", platform="teams", workspace="tenant")
    assert reply.ok, text_of(reply)
    assert text_of(reply) == f"{GUID} is now a cohort admin."  # Dana's display name here is her id
    dana = members.find_member_by_platform(deps.db, "teams", "tenant", GUID)
    assert dana is not None and dana.is_admin


def test_only_admins_run_admin_rows(deps: Deps) -> None:
    assert run(deps, "/cohort setup #jobs", user="alex").ok  # the first to set up becomes the admin
    refused = run(deps, "/cohort setup #other", user="bob")
    assert refused.ok and text_of(refused).startswith("Only a cohort admin can change the setup")
    assert text_of(run(deps, "/cohort admin bob", user="bob")) == "Only a cohort admin can add admins."
    assert run(deps, "/cohort setup #other", user="bob", workspace_admin=True).ok
    assert summary_channel(deps) == "other"
