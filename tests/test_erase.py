"""/cohort erase-me and `cohortbot erase`: everything stored about a member goes, in one transaction, and nothing
of anyone else's.

Through dispatch (every table checked by SQL, the whole database dumped and searched for the member's name),
signed Slack requests (the confirm button, also pressed by someone else), Teams activities (its id pairs and chat
references) and the server's command line.
"""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlite_utils import Database

from bot.cli import main
from commands.dispatch import OUR_FAULT
from commands.model import Actions, Button, Deps
from storage import erase, ledger, open_db, scoring
from storage import teams as teams_store
from storage.db import transaction
from tests.conftest import FRIDAY, clock_of, text_of
from tests.slack_signing import block_actions_payload
from tests.test_export import run
from tests.test_slack import Bot, all_text, bot, button, fake  # noqa: F401
from tests.test_teams import teams  # noqa: F401 (the fixture)

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
ZELDA_AAD = "0a1b2c3d-0000-4000-8000-00000000ze1d"
CONFIRM = Button("Erase everything about me", "cohort", "erase-me confirm", style="danger")
CANCEL = Button("Cancel", "cohort", "erase-me cancel")
ZELDA = (
    "/cohort goal 5",
    "/cohort privacy anonymous",
    "/interview Latham callback yesterday -- zelda's own secret",
    '/network "Dana Lee" coffee tue',
    "/interview Cooley screener",
    "/cohort delete 3",
    "/cohort edit 1 notes nothing to see",
    "/cohort tip up offers-leverage",
    "/cohort pause 2w",
)
BOB = ("/interview Latham callback yesterday", "/network Sam coffee", "/cohort tip down offers-leverage",
       "/cohort pause 1w")


def member_id(db: Database, user: str) -> int:
    return int(db.execute("SELECT id FROM members WHERE user_id = ?", [user]).fetchone()[0])


def sent(db: Database, key: str, member: int | None, target: str) -> None:
    ledger.claim(db, key=key, kind="nudge" if member else "summary", workspace_key=1, target=target, now=FRIDAY,
                 lease_seconds=60, member_id=member, cohort_id=1)
    ledger.mark_sent(db, key, FRIDAY, "ts1")


def fill(deps: Deps) -> None:
    """Zelda and Bob in the shell workspace, Zelda again (and Sam) in a Teams tenant, with every kind of record."""
    for line in ZELDA:
        assert run(deps, "zelda", line).ok, line
    for line in BOB:
        assert run(deps, "bob", line).ok, line
    sent(deps.db, f"nudge:{member_id(deps.db, 'zelda')}:2026-W48", member_id(deps.db, "zelda"), "zelda")
    sent(deps.db, f"nudge:{member_id(deps.db, 'bob')}:2026-W48", member_id(deps.db, "bob"), "bob")
    sent(deps.db, "summary:1:2026-W48", None, "C1")
    for user in (ZELDA_AAD, "sam-aad"):
        assert run(deps, user, "/interview Kirkland screener yesterday", platform="teams", workspace=TENANT).ok
        teams_store.remember_user_id(deps.db, TENANT, f"29:{user}", user)
        teams_store.save_reference(deps.db, tenant_id=TENANT, target_kind="user", target_id=user,
                                   conversation_id=f"a:{user}", reference=json.dumps({"user": {"id": user}}),
                                   service_url="https://smba.example/", now=FRIDAY)
    teams_store.save_reference(deps.db, tenant_id=TENANT, target_kind="channel", target_id="19:general",
                               conversation_id="19:general", reference="{}", service_url="https://smba.example/",
                               now=FRIDAY)


@pytest.fixture
def filled(deps: Deps) -> Deps:
    fill(deps)
    return deps


def member_rows(db: Database, member: int) -> dict[str, int]:
    """Rows in every table with a member_id column that belong to `member` (the members row as "members")."""
    found = {"members": int(db.execute("SELECT COUNT(*) FROM members WHERE id = ?", [member]).fetchone()[0])}
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        columns = [c[1] for c in db.execute(f"PRAGMA table_info({table})").fetchall()]
        if "member_id" in columns:
            found[table] = int(db.execute(f"SELECT COUNT(*) FROM {table} WHERE member_id = ?", [member]).fetchone()[0])
    return found


def totals(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    return {table: [tuple(r) for r in db.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()]
            for table in ("member_days", "member_totals")}


def dump(db: Database) -> str:
    return "\n".join(db.conn.iterdump()).lower()


def snapshot(db: Database, member: int) -> dict[str, Any]:
    """Everything of one member's that an erasure of someone else must leave exactly as it was."""
    return {table: [tuple(r) for r in db.execute(f"SELECT * FROM {table} WHERE member_id = ? ORDER BY 1",
                                                  [member]).fetchall()]
            for table in ("activities", "applications", "journal", "pauses", "deliveries", "card_feedback",
                          "member_days", "member_totals")} | {
        "member": tuple(db.execute("SELECT * FROM members WHERE id = ?", [member]).fetchone())}


# ---- asking first ------------------------------------------------------------------------------------------

def test_erase_me_asks_privately_with_a_danger_button_and_erases_nothing(filled: Deps) -> None:
    before = dump(filled.db)
    reply = run(filled, "zelda", "/cohort erase-me")

    assert reply.private and reply.ok
    said = text_of(reply)
    assert said.startswith("Erase everything cohortbot keeps about you?\nThat is 3 entries, 2 applications, 5 undo "
                           "steps, 2 days on the board, 1 pause, 1 record of a reminder sent, 1 tip vote and the "
                           "profile (name, timezone, goal and settings).")
    assert "Nothing is erased until you press the button." in said
    assert [b for b in reply.blocks if isinstance(b, Actions)] == [Actions((CONFIRM, CANCEL))]
    assert dump(filled.db) == before

    cancelled = run(filled, "zelda", "/cohort erase-me cancel")
    assert text_of(cancelled) == "Nothing was erased." and dump(filled.db) == before


@pytest.mark.parametrize("text", ["bob", "<@U0002|bob>", "@bob", "confirm bob", "yes"])
def test_erase_me_takes_no_one_elses_name(filled: Deps, text: str) -> None:
    before = dump(filled.db)
    reply = run(filled, "zelda", f"/cohort erase-me {text}")
    assert not reply.ok
    assert text_of(reply).startswith("/cohort erase-me erases only you, so it takes no name.")
    assert dump(filled.db) == before


# ---- the erasure ---------------------------------------------------------------------------------------------

def test_confirm_erases_everything_about_the_member_and_nothing_of_anyone_elses(filled: Deps) -> None:
    db = filled.db
    zelda, bob, sam = member_id(db, "zelda"), member_id(db, "bob"), member_id(db, "sam-aad")
    others = {m: snapshot(db, m) for m in (bob, sam, member_id(db, ZELDA_AAD))}
    teams_before = sorted(db.execute("SELECT * FROM teams_user_ids").fetchall())
    assert "zelda" in dump(db) and all(member_rows(db, zelda).values())

    reply = run(filled, "zelda", "/cohort erase-me confirm")

    assert text_of(reply) == (
        "Erased everything cohortbot kept about you (Zelda): 3 entries, 2 applications, 5 undo steps, 2 days on the "
        "board, 1 pause, 1 record of a reminder sent, 1 tip vote and the profile (name, timezone, goal and "
        "settings).\nYour totals are off the leaderboard. If you use cohortbot again, you start as a new member.")
    assert set(member_rows(db, zelda).values()) == {0}  # every table with a member_id, and the members row
    assert "zelda" not in dump(db) and "secret" not in dump(db) and "dana lee" not in dump(db)
    assert {m: snapshot(db, m) for m in others} == others  # the Teams Zelda is another member: untouched
    assert sorted(db.execute("SELECT * FROM teams_user_ids").fetchall()) == teams_before
    assert db.execute("SELECT key FROM deliveries ORDER BY key").fetchall() == [
        (f"nudge:{bob}:2026-W48",), ("summary:1:2026-W48",)]
    stored = totals(db)
    with transaction(db):
        scoring.rebuild_totals(db)  # a recomputation from scratch agrees with what is stored
    assert totals(db) == stored and {r[0] for r in stored["member_days"]} == {bob, sam, member_id(db, ZELDA_AAD)}
    board = text_of(run(filled, "bob", "/leaderboard all"))
    assert "Zelda" not in board and "a member" not in board


def test_after_the_erasure_the_next_command_starts_a_new_member(filled: Deps) -> None:
    old = filled.db.execute("SELECT id, joined_at FROM members WHERE user_id = 'zelda'").fetchone()
    run(filled, "zelda", "/cohort erase-me confirm")
    clock_of(filled).advance(hours=1)

    progress = text_of(run(filled, "zelda", "/progress"))

    assert "#1" not in progress and "#2" not in progress  # no entries listed
    row = filled.db.execute("SELECT id, joined_at, weekly_goal, privacy, paused_until FROM members "
                            "WHERE user_id = 'zelda'").fetchone()
    assert row[1] == (FRIDAY + timedelta(hours=1)).isoformat(timespec="microseconds") != old[1]
    assert row[2:] == (3, "named", None)
    assert filled.db.execute("SELECT COUNT(*) FROM activities WHERE member_id = ?", [row[0]]).fetchone()[0] == 0


def test_a_teams_member_loses_their_id_pairs_and_personal_chat_but_not_the_channel(filled: Deps) -> None:
    db = filled.db
    reply = run(filled, ZELDA_AAD, "/cohort erase-me confirm", platform="teams", workspace=TENANT)

    assert "Teams ids and the reference to the personal chat" in text_of(reply)
    assert db.execute("SELECT aad_object_id FROM teams_user_ids").fetchall() == [("sam-aad",)]
    assert sorted(db.execute("SELECT target_id FROM teams_conversations").fetchall()) == [("19:general",),
                                                                                          ("sam-aad",)]
    assert ZELDA_AAD not in dump(db) and "zelda" in dump(db)  # the shell's Zelda is someone else


def test_someone_with_nothing_stored_is_told_so_and_nothing_is_kept(filled: Deps) -> None:
    before = filled.db.execute("SELECT COUNT(*) FROM members").fetchone()[0]
    for text in ("", " confirm"):
        reply = run(filled, "yuri", f"/cohort erase-me{text}")
        assert "cohortbot keeps nothing about you, so there is nothing to erase." in text_of(reply).splitlines()
        assert filled.db.execute("SELECT COUNT(*) FROM members").fetchone()[0] == before


def test_the_erasure_is_one_transaction(filled: Deps) -> None:
    zelda = member_id(filled.db, "zelda")
    filled.db.execute("CREATE TABLE later (member_id INTEGER REFERENCES members(id))")  # a table erase.py misses
    filled.db.execute("INSERT INTO later VALUES (?)", [zelda])
    filled.db.conn.commit()
    before = dump(filled.db)

    reply = run(filled, "zelda", "/cohort erase-me confirm")

    assert text_of(reply) == OUR_FAULT and dump(filled.db) == before


def test_erase_knows_every_table_that_refers_to_a_member(db: Database) -> None:
    referring = set()
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                               " AND name NOT LIKE '\\_%' ESCAPE '\\'").fetchall():
        keys = {row[2] for row in db.execute(f"PRAGMA foreign_key_list({table})").fetchall()}
        columns = {row[1] for row in db.execute(f"PRAGMA table_info({table})").fetchall()}
        if "members" in keys or "member_id" in columns or table.startswith("teams_"):
            referring.add(table)
    assert referring | {"members"} == erase.TABLES


# ---- Slack: the buttons are commands, run by whoever presses them ---------------------------------------------

async def press(bot: Bot, confirm: dict[str, Any], user_id: str, name: str) -> dict[str, Any]:  # noqa: F811
    await bot.interact(block_actions_payload(confirm["action_id"], confirm["value"], user_id=user_id, user_name=name,
                                             response_url=bot.fake.response_url(name)))
    await bot.fake.wait_for_calls("response_url", len(bot.fake.calls_to("response_url")) + 1)
    answered: dict[str, Any] = bot.fake.response_url_posts(name)[-1]
    return answered


async def test_slack_erase_me_confirm_erases_whoever_presses_it(bot: Bot) -> None:  # noqa: F811
    await bot.reply("/interview", "Latham callback yesterday -- alice's note")
    await bot.reply("/network", "Sam coffee", user_id="U0002", user_name="bob")
    asked = await bot.reply("/cohort", "erase-me")
    assert asked["response_type"] == "ephemeral"
    assert "Erase everything cohortbot keeps about you?" in all_text(asked["blocks"])
    confirm = button(asked["blocks"], "Erase everything about me")
    assert confirm["style"] == "danger"
    assert json.loads(confirm["value"]) == {"c": "cohort", "t": "erase-me confirm"}
    assert bot.count("members") == 2

    by_bob = await press(bot, confirm, "U0002", "bob")  # Alice's button, pressed by Bob: Bob is erased

    assert by_bob["response_type"] == "ephemeral"
    assert by_bob["text"].startswith("Erased everything cohortbot kept about you (Bob): 1 entry, 1 undo step, "
                                     "1 day on the board and the profile")
    assert [r["user_id"] for r in bot.query("SELECT user_id FROM members")] == ["U0001"]
    assert [r["org"] for r in bot.activities()] == ["Latham"]

    by_alice = await press(bot, confirm, "U0001", "alice")
    assert by_alice["text"].startswith("Erased everything cohortbot kept about you (Alice): 1 entry, 1 application")
    assert bot.counts()["members"] == bot.counts()["activities"] == 0
    assert bot.count("member_days") == bot.count("member_totals") == bot.count("journal") == 0

    bot.fake.add_user("U0003", name="cyd", display_name="Cyd")
    by_cyd = await press(bot, confirm, "U0003", "cyd")  # never used cohortbot: nothing to erase, nothing kept
    assert "cohortbot keeps nothing about you, so there is nothing to erase." in by_cyd["text"]
    assert bot.count("members") == 0

    fresh = await bot.reply("/progress")
    assert "#1" not in all_text(fresh["blocks"])
    assert [(r["user_id"], r["weekly_goal"]) for r in bot.query("SELECT * FROM members")] == [("U0001", 3)]


# ---- Teams: the same, through activities ------------------------------------------------------------------------

async def test_teams_erase_me_drops_the_members_ids_and_personal_chat(
        teams: tuple[TestClient[web.Request, web.Application], Deps]) -> None:  # noqa: F811 (the fixture)
    from tests.test_teams import ALEX, HAVE_SDK, SAM, buttons, card_press, cards, personal, post, texts, unescape

    if not HAVE_SDK:
        pytest.skip("Microsoft 365 Agents SDK not installed (cohortbot[teams])")
    client, deps = teams
    for sender in (ALEX, SAM):
        await post(client, personal("interview Latham callback yesterday", sender=sender,
                                    conversation=f"a:{sender['id']}"))
    [asked] = cards(await post(client, personal("cohort erase-me")))
    [confirm] = [b for b in buttons(asked) if b["title"] == "Erase everything about me"]

    [done] = cards(await post(client, card_press(confirm["data"])))

    assert unescape(texts(done)).startswith("Erased everything cohortbot kept about you (Alex Kim): 1 entry")
    db = deps.db
    assert [r[0] for r in db.execute("SELECT user_id FROM members").fetchall()] == [SAM["aadObjectId"]]
    assert [r[0] for r in db.execute("SELECT aad_object_id FROM teams_user_ids").fetchall()] == [SAM["aadObjectId"]]
    assert [r[0] for r in db.execute("SELECT target_id FROM teams_conversations").fetchall()] == [SAM["aadObjectId"]]
    assert "alex" not in dump(db)


# ---- the server: cohortbot erase ------------------------------------------------------------------------------

@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cohortbot.db"
    for name in list(os.environ):
        if name.startswith(("SLACK_", "TEAMS_", "COHORTBOT_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("COHORTBOT_DB", str(path))
    deps = Deps(db=open_db(path), clock=lambda: FRIDAY)
    fill(deps)
    run(deps, "W0SAME", "/network Sam coffee", platform="slack", workspace="W1")
    run(deps, "W0SAME", "/network Sam coffee", platform="teams", workspace="W1")
    deps.db.conn.close()
    return path


def file_dump(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return "\n".join(conn.iterdump()).lower()
    finally:
        conn.close()


def test_cli_erase_says_what_would_go_and_erases_only_with_yes(served: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    before = file_dump(served)
    assert main(["erase", "--workspace", "local", "--user", "Zelda"]) == 0
    assert capsys.readouterr().out == (
        "Would erase Zelda (zelda), shell workspace local: 3 entries, 2 applications, 5 undo steps, 2 days on the "
        "board, 1 pause, 1 record of a reminder sent, 1 tip vote and the profile (name, timezone, goal and "
        "settings).\nNothing was erased: run this again with --yes to erase it.\n")
    assert file_dump(served) == before

    assert main(["erase", "--workspace", "local", "--user", "zelda", "--platform", "shell", "--yes"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Erased Zelda (zelda), shell workspace local: 3 entries,")
    assert "Backups and replicas made before now still hold it" in out
    after = file_dump(served)
    assert "zelda" not in after and "'bob'" in after

    assert main(["erase", "--workspace", "local", "--user", "zelda", "--yes"]) == 2
    assert capsys.readouterr().err == "No member 'zelda' in workspace 'local': nothing to erase.\n"


def test_cli_erase_of_a_teams_member_and_a_workspace_id_on_two_platforms(
        served: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["erase", "--workspace", TENANT, "--user", ZELDA_AAD, "--yes"]) == 0
    assert "teams workspace" in capsys.readouterr().out and ZELDA_AAD not in file_dump(served)

    assert main(["erase", "--workspace", "W1", "--user", "W0SAME", "--yes"]) == 2
    assert capsys.readouterr().err == ("'W0SAME' is a member of workspace 'W1' on slack, teams: name one with "
                                       "--platform.\n")
    assert main(["erase", "--workspace", "W1", "--user", "W0SAME", "--platform", "teams", "--yes"]) == 0
    conn = sqlite3.connect(served)
    try:
        left = conn.execute("SELECT w.platform FROM members m JOIN workspaces w ON w.id = m.workspace_id "
                            "WHERE m.user_id = 'W0SAME'").fetchall()
    finally:
        conn.close()
    assert left == [("slack",)]
