"""/cohort export and `cohortbot export`: a coordinator's CSV work-search log, one row per live entry.

Through dispatch and the shell (the file saved, its path printed), Teams (no file: how to export on the server),
Slack (the command's reply and its file; the upload itself through the fake Web API's files API, the way the
handler will run it), and the server's command line. Every file is read back as a table with csv.DictReader.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.cli import main
from bot.transports.shell import Shell
from commands.dispatch import dispatch
from commands.model import Actor, CommandRequest, Deps, Reply, Where
from storage import open_db
from storage.export import COLUMNS, Row, safe_cell, to_csv
from tests.conftest import FRIDAY, text_of
from tests.slack_signing import block_actions_payload
from tests.test_slack import TOKEN, Bot, all_text, bot, fake  # noqa: F401
from tests.test_teams import teams  # noqa: F401 (the fixture)

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = (
    ("alice", "/cohort setup #jobs"),  # alice becomes the cohort's admin
    ("alice", "/interview Latham callback yesterday -- met two partners"),
    ("alice", '/network "Dana Lee, Ropes & Gray" coffee tue 2pm -- secret plans'),
    ("alice", "/interview Cooley screener"),
    ("alice", "/cohort delete 3"),  # deleted: left out
    ("bob", "/interview -Cravath screener next tue 3pm"),  # planned, with a time, and a formula-like name
    ("bob", '/network "@Ropes" coffee yesterday'),
    ("bob", "/interview Weil screener yesterday"),
    ("bob", "/cohort happened 6 cancelled"),
)


def run(deps: Deps, user: str, line: str, *, platform: str = "shell", workspace: str = "local",
        workspace_admin: bool = False, source: str = "shell") -> Reply:
    name, _, text = line.strip().lstrip("/").partition(" ")
    request = CommandRequest(
        name=name, text=text,
        actor=Actor(platform, workspace, user, display_name=user.title(), is_workspace_admin=workspace_admin),
        where=Where(channel_id="C1", channel_name="cohort"), received_at=deps.clock(), source=source)
    return dispatch(request, deps)


def table(content: bytes) -> list[dict[str, str]]:
    """The CSV read back as a table: one dict per row, keyed by the header."""
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"), newline="")))


def entry(day: str, time: str, cohort: str, member: str, kind: str, subtype: str, org: str, status: str,
          points: int) -> dict[str, str]:
    return {"date": day, "time": time, "cohort": cohort, "member_id": member, "member": member.title(), "kind": kind,
            "stage_or_type": subtype, "organisation": org, "status": status, "points": str(points),
            "created_at": "2026-11-27T15:00:00Z"}


EXPECTED = [
    entry("2026-11-24", "14:00", "Cohort", "alice", "networking", "coffee", "Dana Lee, Ropes & Gray", "done", 2),
    entry("2026-11-26", "", "Cohort", "alice", "interview", "callback", "Latham", "done", 3),
    entry("2026-11-26", "", "Cohort", "bob", "networking", "coffee", "'@Ropes", "done", 2),
    entry("2026-11-26", "", "Cohort", "bob", "interview", "screener", "Weil", "cancelled", 0),
    entry("2026-12-01", "15:00", "Cohort", "bob", "interview", "screener", "'-Cravath", "planned", 0),
]


@pytest.fixture
def cohort(deps: Deps) -> Deps:
    """Alice (the admin) and Bob, with the entries of SCRIPT."""
    for user, line in SCRIPT:
        assert run(deps, user, line).ok, line
    return deps


def second_cohort(deps: Deps) -> None:
    """A second cohort in the same workspace, "Fall 2026", where Carol logs an offer."""
    run(deps, "carol", "/progress")
    deps.db.execute("INSERT INTO cohorts (workspace_id, name, points_interview, points_offer_bonus, "
                    "points_informational, points_meeting, points_event, daily_cap, created_at) "
                    "SELECT workspace_id, 'Fall 2026', 3, 5, 3, 2, 1, 10, created_at FROM cohorts WHERE id = 1")
    deps.db.execute("UPDATE members SET cohort_id = 2 WHERE user_id = 'carol'")
    deps.db.conn.commit()
    assert run(deps, "carol", "/interview Skadden offer yesterday").ok


# ---- the chat command ------------------------------------------------------------------------------------

def test_a_member_who_is_not_an_admin_is_refused_privately_typed_or_pressed(cohort: Deps) -> None:
    for source in ("shell", "slack:button", "teams:card"):
        reply = run(cohort, "bob", "/cohort export", source=source)
        assert text_of(reply) == "Only a cohort admin can export the cohort's entries."
        assert reply.private and reply.attachment is None


def test_the_export_reads_back_as_a_table_of_the_live_entries_without_notes(cohort: Deps) -> None:
    reply = run(cohort, "alice", "/cohort export")

    assert reply.private and reply.ok
    assert text_of(reply).splitlines()[0] == "Export of every cohort: 5 entries by 2 members, dated 2026-11-24 to " \
                                             "2026-12-01."
    file = reply.attachment
    assert file is not None and file.mimetype == "text/csv"
    assert file.filename == "cohortbot-all-cohorts-2026-11-27.csv"
    assert file.title == "cohortbot export: all cohorts, 2026-11-27"
    assert file.content.decode("utf-8").splitlines()[0] == ",".join(COLUMNS)
    assert table(file.content) == EXPECTED
    assert b"secret" not in file.content and b"partners" not in file.content and b"Cooley" not in file.content


def test_a_workspace_admin_may_export_and_never_sees_another_workspaces_entries(cohort: Deps) -> None:
    run(cohort, "U0SLACK", "/interview Latham callback", platform="slack", workspace="T0001")
    reply = run(cohort, "dana", "/cohort export", workspace_admin=True)
    assert reply.attachment is not None and table(reply.attachment.content) == EXPECTED
    elsewhere = run(cohort, "U0ADMIN", "/cohort export", platform="slack", workspace="T0001", workspace_admin=True)
    assert elsewhere.attachment is not None
    assert [r["member_id"] for r in table(elsewhere.attachment.content)] == ["U0SLACK"]


def test_one_cohort_by_name_in_any_case_or_every_cohort_told_apart_by_the_cohort_column(cohort: Deps) -> None:
    second_cohort(cohort)

    one = run(cohort, "alice", '/cohort export "fall 2026"')
    assert one.attachment is not None and one.attachment.filename == "cohortbot-fall-2026-2026-11-27.csv"
    [carol] = table(one.attachment.content)
    assert (carol["cohort"], carol["member_id"], carol["stage_or_type"], carol["organisation"]) == (
        "Fall 2026", "carol", "offer", "Skadden")
    assert text_of(one).startswith("Export of the cohort Fall 2026: 1 entry by 1 member")

    every = run(cohort, "alice", "/cohort export")
    assert every.attachment is not None
    assert sorted({(r["cohort"], r["member_id"]) for r in table(every.attachment.content)}) == [
        ("Cohort", "alice"), ("Cohort", "bob"), ("Fall 2026", "carol")]


def test_a_cohort_that_does_not_exist_or_has_no_entries_gets_a_clear_reply_and_no_file(cohort: Deps) -> None:
    missing = run(cohort, "alice", "/cohort export Spring 2027")
    assert not missing.ok and missing.attachment is None
    assert text_of(missing).startswith("There's no cohort called Spring 2027 here. The cohorts are: Cohort.")

    empty = run(cohort, "erin", "/cohort export", workspace="elsewhere", workspace_admin=True)
    assert empty.attachment is None
    assert "Nothing to export: every cohort has no entries yet." in text_of(empty).splitlines()


def test_cells_a_spreadsheet_would_run_as_formulas_get_an_apostrophe() -> None:
    assert [safe_cell(v) for v in ("=1+2", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "Ropes & Gray", "a=b", 3)] == [
        "'=1+2", "'+1", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "Ropes & Gray", "a=b", "3"]
    row = Row("2026-11-26", "", "Cohort", "=cmd|' /C calc'!A0", "@Dana", "interview", "callback",
              'Ropes, "&" Gray\nNY', "done", 3, "2026-11-27T15:00:00Z", "-- note")
    [read] = table(to_csv([row], notes=True))
    assert (read["member_id"], read["member"], read["organisation"], read["notes"]) == (
        "'=cmd|' /C calc'!A0", "'@Dana", 'Ropes, "&" Gray\nNY', "'-- note")
    assert list(read) == [*COLUMNS, "notes"]


# ---- the shell: the file is saved and its path printed ------------------------------------------------------

def test_the_shell_saves_the_file_in_the_export_folder_and_prints_where(cohort: Deps, tmp_path: Path) -> None:
    out = io.StringIO()
    shell = Shell(cohort, io.StringIO(":as alice\n/cohort export\n/cohort export\n:as bob\n/cohort export\n"), out,
                  export_dir=tmp_path)
    shell.run()

    first, second = (tmp_path / f"cohortbot-all-cohorts-2026-11-27{n}.csv" for n in ("", "-2"))
    assert set(tmp_path.iterdir()) == {first, second}  # the second export does not overwrite the first
    assert table(first.read_bytes()) == table(second.read_bytes())
    assert [{**r, "member": r["member_id"].title()} for r in table(first.read_bytes())] == EXPECTED
    transcript = out.getvalue()
    assert f"[cohortbot export: all cohorts, 2026-11-27: saved to {first}]" in transcript
    assert f"saved to {second}]" in transcript
    assert transcript.rstrip().endswith("bob> /cohort export\nOnly a cohort admin can export the cohort's entries.")


def test_the_shell_says_so_when_the_folder_cannot_be_written(cohort: Deps, tmp_path: Path) -> None:
    out = io.StringIO()
    Shell(cohort, io.StringIO(":as alice\n/cohort export\n"), out, export_dir=tmp_path / "missing").run()
    assert "[cohortbot export: all cohorts, 2026-11-27: could not be saved in " in out.getvalue()


def test_cohortbot_shell_saves_into_cohortbot_export_dir(tmp_path: Path) -> None:
    db_path, folder = tmp_path / "cohortbot.db", tmp_path / "exports"
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_", "COHORTBOT_"))}
    env.update(COHORTBOT_DB=str(db_path), COHORTBOT_EXPORT_DIR=str(folder))
    script = ":as alice\n/cohort setup #jobs\n/interview Latham callback yesterday\n/cohort export\n"
    done = subprocess.run([sys.executable, "-m", "bot", "shell", "--now", "2026-11-27T15:00"], input=script,
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    [saved] = folder.iterdir()
    assert f"saved to {saved}]" in done.stdout
    assert [(r["member_id"], r["organisation"]) for r in table(saved.read_bytes())] == [("alice", "Latham")]


# ---- Teams: no file, but how to make it on the server ---------------------------------------------------------

async def test_in_teams_the_reply_says_how_to_export_on_the_server(
        teams: tuple[TestClient[web.Request, web.Application], Deps]) -> None:  # noqa: F811 (the fixture)
    from tests.test_teams import ALEX, HAVE_SDK, cards, personal, post, texts, unescape

    if not HAVE_SDK:
        pytest.skip("Microsoft 365 Agents SDK not installed (cohortbot[teams])")
    client, deps = teams
    await post(client, personal("interview Latham callback yesterday"))
    [refused] = cards(await post(client, personal("cohort export")))
    assert unescape(texts(refused)) == "Only a cohort admin can export the cohort's entries."
    deps.db.execute("UPDATE members SET is_admin = 1 WHERE user_id = ?", [ALEX["aadObjectId"]])
    deps.db.conn.commit()

    [card] = cards(await post(client, personal("cohort export")))

    said = unescape(texts(card))
    assert "Export of every cohort: 1 entry by 1 member" in said
    assert "Teams doesn't let a bot send files" in said
    assert "cohortbot export --out cohortbot-all-cohorts-2026-11-27.csv" in said


# ---- Slack: the command's reply and file; the upload through the fake's files API ---------------------------------

async def test_slack_a_non_admin_pressing_an_export_button_is_refused_and_nothing_is_uploaded(
        bot: Bot) -> None:  # noqa: F811
    await bot.reply("/interview", "Latham callback yesterday", user_id="U0002", user_name="bob")
    value = json.dumps({"c": "cohort", "t": "export"})
    await bot.interact(block_actions_payload("cmd-0-0", value, user_id="U0002", user_name="bob",
                                             response_url=bot.fake.response_url("bob")))

    await bot.fake.wait_for_calls("response_url")
    [posted] = bot.fake.response_url_posts("bob")
    assert posted["response_type"] == "ephemeral" and posted["text"] == (
        "Only a cohort admin can export the cohort's entries.")
    assert not [c for c in bot.fake.calls if c.method.startswith("files.") or c.method == "upload"]


async def test_slack_an_admins_export_replies_privately_and_its_file_lands_in_their_dm(bot: Bot) -> None:  # noqa: F811
    await bot.reply("/cohort", "setup")  # alice, in #general: the cohort's first admin
    await bot.reply("/interview", "Latham callback yesterday -- met two partners")
    await bot.reply("/network", '"=Dana Lee" coffee yesterday', user_id="U0002", user_name="bob")

    acked = await bot.reply("/cohort", "export")
    assert acked["response_type"] == "ephemeral"
    assert "Export of *every cohort*: 2 entries by 2 members" in all_text(acked["blocks"])
    assert "on its way to your direct messages" in all_text(acked["blocks"])

    # The handler uploads the file into alice's DM with files.uploadV2, after the acknowledgement.
    [done] = await bot.fake.wait_for_calls("files.completeUploadExternal")
    [shared] = bot.fake.files_in("U0001")
    dm = bot.fake.calls_to("conversations.open")[-1].response["channel"]["id"]
    assert shared.channels == [dm] and shared.filename.endswith(".csv") and done.response["ok"]
    assert shared.content is not None
    assert [(r["member"], r["organisation"]) for r in table(shared.content)] == [
        ("Alice", "Latham"), ("Bob", "'=Dana Lee")]
    assert b"partners" not in shared.content


# ---- the server: cohortbot export ----------------------------------------------------------------------------

@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Deps:
    """The fixture's cohort (and Fall 2026) in a database file that `cohortbot export` reads."""
    path = tmp_path / "cohortbot.db"
    for name in list(os.environ):
        if name.startswith(("SLACK_", "TEAMS_", "COHORTBOT_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("COHORTBOT_DB", str(path))
    deps = Deps(db=open_db(path), clock=lambda: FRIDAY)
    for user, line in SCRIPT:
        run(deps, user, line)
    second_cohort(deps)
    return deps


def test_cli_export_writes_every_cohort_or_one_with_notes_only_when_asked(
        served: Deps, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "all.csv"
    assert main(["export", "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"Wrote 6 entries by 3 members (every cohort, workspace local) to {out}."
    rows = table(out.read_bytes())
    assert [r for r in rows if r["cohort"] == "Cohort"] == EXPECTED
    assert [(r["cohort"], r["member_id"]) for r in rows if r["cohort"] != "Cohort"] == [("Fall 2026", "carol")]

    one = tmp_path / "cohort.csv"
    assert main(["export", "--out", str(one), "--cohort", "COHORT", "--since", "2026-11-26", "--notes",
                 "--workspace", "local"]) == 0
    assert "(cohort Cohort, workspace local, private notes included)" in capsys.readouterr().out
    noted = table(one.read_bytes())
    assert [(r["date"], r["organisation"], r["notes"]) for r in noted] == [
        ("2026-11-26", "Latham", "met two partners"), ("2026-11-26", "'@Ropes", ""), ("2026-11-26", "Weil", ""),
        ("2026-12-01", "'-Cravath", "")]
    assert [{k: v for k, v in r.items() if k != "notes"} for r in noted] == EXPECTED[1:]


def test_cli_export_into_a_folder_uses_the_default_name(served: Deps, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    assert main(["export", "--out", str(folder), "--cohort", "Fall 2026"]) == 0
    [written] = folder.iterdir()
    assert written.name == f"cohortbot-fall-2026-{date.today().isoformat()}.csv"
    assert [r["member_id"] for r in table(written.read_bytes())] == ["carol"]


@pytest.mark.parametrize(("args", "said"), [
    (["--cohort", "Spring"], "No cohort called 'Spring' in workspace local; its cohorts: Cohort, Fall 2026."),
    (["--since", "2027-01-01"], "Nothing to export: every cohort of workspace local has no entries from 2027-01-01. "
                                "No file was written."),
    (["--since", "last week"], "--since must be a date like 2026-09-01, not 'last week'."),
    (["--workspace", "T0NONE"], "No workspace 'T0NONE' in the database."),
])
def test_cli_export_refusals_are_one_line_exit_2_and_write_nothing(
        served: Deps, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], said: str) -> None:
    out = tmp_path / "out.csv"
    assert main(["export", "--out", str(out), *args]) == 2
    assert capsys.readouterr().err == said + "\n"
    assert not out.exists()


def test_cli_export_asks_which_workspace_when_there_are_several(
        served: Deps, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(served, "U0001", "/interview Latham callback", platform="slack", workspace="T0001")
    out = tmp_path / "out.csv"
    assert main(["export", "--out", str(out)]) == 2
    assert capsys.readouterr().err == ("Name one workspace with --workspace (and --platform): the database has "
                                       "local (shell), T0001 (slack).\n")
    assert not out.exists()
    assert main(["export", "--out", str(out), "--workspace", "T0001", "--platform", "slack"]) == 0
    assert [r["member_id"] for r in table(out.read_bytes())] == ["U0001"]
