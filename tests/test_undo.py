"""/cohort undo takes back the member's last change, whatever it was (a log, an edit, a delete, a thank-you, a
"happened" answer, a form's edit), says what it undid, and each undo goes one step further back. Undo is not a
change itself, and another member's changes are never undone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlite_utils import Database

from commands.forms import LogFields, submit_log
from commands.model import Actor, CommandRequest, Deps, Where
from storage import board
from tests.conftest import clock_of, say, text_of


def row(db: Database, seq: int) -> dict[str, Any]:
    found = list(db.query("SELECT * FROM activities WHERE seq = ?", [seq]))
    assert len(found) == 1
    return found[0]


def live(db: Database) -> list[int]:
    return [r[0] for r in db.execute("SELECT seq FROM activities WHERE deleted_at IS NULL ORDER BY seq")]


def undo(deps: Deps, user: str = "alice") -> str:
    reply = say(deps, user, "/cohort undo")
    assert reply.ok and reply.private
    return text_of(reply)


def consistent(db: Database) -> None:
    """The board's derived tables still equal a recomputation from the entries."""
    stored = sorted(db.execute("SELECT * FROM member_days").fetchall())
    board.rebuild_totals(db)
    assert sorted(db.execute("SELECT * FROM member_days").fetchall()) == stored


def test_undo_after_an_edit_restores_it_and_a_second_undo_goes_one_step_further(deps: Deps, db: Database) -> None:
    say(deps, "alice", "/interview Latham callback tue")  # #1, Tue 24 Nov
    say(deps, "alice", "/cohort edit 1 stage screener")
    say(deps, "alice", "/cohort edit 1 date yesterday")
    assert (row(db, 1)["subtype"], row(db, 1)["happened_on"]) == ("screener", "2026-11-26")
    assert undo(deps) == ("Undone: your edit of #1 (date back to Tue 24 Nov): #1 screener \u00b7 Latham \u00b7 "
                          "Tue 24 Nov (3 points).")
    assert (row(db, 1)["subtype"], row(db, 1)["happened_on"]) == ("screener", "2026-11-24")
    assert undo(deps) == ("Undone: your edit of #1 (stage back to callback): #1 callback \u00b7 Latham \u00b7 "
                          "Tue 24 Nov (3 points).")
    assert (row(db, 1)["subtype"], row(db, 1)["happened_on"], row(db, 1)["points"]) == ("callback", "2026-11-24", 3)
    assert undo(deps) == "Undone: removed #1 callback \u00b7 Latham \u00b7 Tue 24 Nov."
    assert live(db) == []
    assert undo(deps) == "There's nothing to undo: you have no entries."
    consistent(db)


def test_undo_after_a_delete_restores_the_entry_and_its_points(deps: Deps, db: Database) -> None:
    say(deps, "alice", "/interview Latham callback yesterday")
    say(deps, "alice", "/cohort delete 1")
    assert row(db, 1)["deleted_at"] is not None and row(db, 1)["points"] == 0
    assert undo(deps) == ("Undone: your delete of #1; it's back: #1 callback \u00b7 Latham \u00b7 yesterday "
                          "(3 points).")
    assert (row(db, 1)["deleted_at"], row(db, 1)["points"]) == (None, 3)
    sums = board.member_sums(db, row(db, 1)["member_id"], clock_of(deps).now.date() - timedelta(days=7),
                             clock_of(deps).now.date())
    assert sums is not None and (sums.points, sums.interviews) == (3, 1)
    consistent(db)


def test_undo_after_a_log_removes_it(deps: Deps, db: Database) -> None:
    say(deps, "alice", "/interview Latham callback yesterday")  # #1
    say(deps, "alice", "/network Dana Lee coffee")  # #2
    assert undo(deps) == "Undone: removed #2 coffee \u00b7 Dana Lee \u00b7 today."
    assert live(db) == [1]
    assert row(db, 2)["deleted_at"] is not None  # kept, marked deleted
    consistent(db)


def test_eleven_changes_then_ten_undos(deps: Deps, db: Database) -> None:
    say(deps, "alice", "/interview Latham screener mon")  # 1: log #1
    say(deps, "alice", "/network Dana Lee coffee")  # 2: log #2
    say(deps, "alice", "/cohort edit 1 stage callback")  # 3
    say(deps, "alice", "/cohort edit 2 notes met at the bar association")  # 4
    say(deps, "alice", "/interview Cooley screener")  # 5: log #3
    say(deps, "alice", "/cohort delete 2")  # 6
    say(deps, "alice", "/cohort thanks 1")  # 7
    say(deps, "alice", "/cohort edit 3 org Cravath")  # 8
    say(deps, "alice", "/interview Skadden callback next tue")  # 9: log #4, upcoming
    say(deps, "alice", "/cohort edit 1 date tue")  # 10
    say(deps, "alice", "/cohort edit 3 stage offer")  # 11
    said = [undo(deps) for _ in range(10)]
    assert said == [
        "Undone: your edit of #3 (stage back to screener): #3 screener \u00b7 Cravath \u00b7 today (3 points).",
        "Undone: your edit of #1 (date back to Mon 23 Nov): #1 callback \u00b7 Latham \u00b7 Mon 23 Nov (4 points).",
        "Undone: removed #4 callback \u00b7 Skadden \u00b7 Tue 1 Dec (upcoming).",
        "Undone: your edit of #3 (name back to Cooley): #3 screener \u00b7 Cooley \u00b7 today (3 points).",
        "Undone: your edit of #1 (thank-you note taken back): #1 callback \u00b7 Latham \u00b7 Mon 23 Nov (3 points).",
        "Undone: your delete of #2; it's back: #2 coffee \u00b7 Dana Lee \u00b7 today (2 points).",
        "Undone: removed #3 screener \u00b7 Cooley \u00b7 today.",
        "Undone: your edit of #2 (notes restored): #2 coffee \u00b7 Dana Lee \u00b7 today (2 points).",
        "Undone: your edit of #1 (stage back to screener): #1 screener \u00b7 Latham \u00b7 Mon 23 Nov (3 points).",
        "Undone: removed #2 coffee \u00b7 Dana Lee \u00b7 today.",
    ]
    # One change is left: the first log.
    assert live(db) == [1]
    assert (row(db, 1)["subtype"], row(db, 1)["thanked_at"], row(db, 1)["notes"]) == ("screener", None, "")
    assert row(db, 2)["notes"] == ""
    assert row(db, 3)["org"] == "Cooley"
    # A new change after undos is undone first; then the undos carry on where they were.
    say(deps, "alice", "/network Sam event")  # #5
    assert undo(deps) == "Undone: removed #5 event \u00b7 Sam \u00b7 today."
    assert undo(deps) == "Undone: removed #1 screener \u00b7 Latham \u00b7 Mon 23 Nov."
    assert undo(deps) == "There's nothing to undo: you have no entries."
    consistent(db)


def test_another_members_changes_are_never_undone(deps: Deps, db: Database) -> None:
    say(deps, "alice", "/interview Latham callback")  # #1
    say(deps, "bob", "/interview Cooley")  # #2
    say(deps, "bob", "/cohort edit 2 stage screener")
    assert undo(deps, "alice") == "Undone: removed #1 callback \u00b7 Latham \u00b7 today."
    assert undo(deps, "alice") == "There's nothing to undo: you have no entries."
    assert (row(db, 2)["deleted_at"], row(db, 2)["subtype"]) == (None, "screener")
    # In another workspace, the same user is another member.
    say(deps, "bob", "/interview Skadden", workspace="elsewhere")
    assert undo(deps, "bob") == ("Undone: your edit of #2 (stage back to interview): #2 interview \u00b7 Cooley "
                                 "\u00b7 today (3 points).")
    assert db.execute("SELECT w.external_id, a.seq, a.org FROM activities AS a JOIN workspaces AS w "
                      "ON w.id = a.workspace_id WHERE a.deleted_at IS NULL ORDER BY w.id").fetchall() == [
        ("local", 2, "Cooley"), ("elsewhere", 1, "Skadden")]  # bob's entry in the other workspace stays


def test_an_undone_entry_that_had_been_edited_in_a_form_is_restored_by_undo(deps: Deps, db: Database) -> None:
    """Forms call storage's update_activity, which journals the edit: the form needs no change for undo."""
    say(deps, "alice", "/interview Latham callback -- first notes")
    request = CommandRequest("interview", "", Actor("shell", "local", "alice", "alice"), Where("C1"),
                             clock_of(deps).now, source="shell:form")
    result = submit_log(request, LogFields("interview", "Cravath", "offer", "2026-11-26", "second notes", 1), deps)
    assert result.errors == {}
    assert (row(db, 1)["org"], row(db, 1)["subtype"], row(db, 1)["happened_on"]) == ("Cravath", "offer", "2026-11-26")
    text = undo(deps)
    assert text.startswith("Undone: your edit of #1 (name back to Latham, stage back to callback, date back to "
                           "today, notes restored")
    assert (row(db, 1)["org"], row(db, 1)["subtype"], row(db, 1)["happened_on"], row(db, 1)["notes"]) == (
        "Latham", "callback", "2026-11-27", "first notes")
    assert row(db, 1)["application_id"] == db.execute(
        "SELECT id FROM applications WHERE org = 'Latham'").fetchone()[0]
    consistent(db)


def test_undo_of_a_happened_answer_makes_the_entry_upcoming_again(deps: Deps, db: Database) -> None:
    say(deps, "alice", "/interview Cooley screener next mon")
    clock_of(deps).set("2026-12-01T15:00:00")
    say(deps, "alice", "/cohort happened 1 yes")
    assert (row(db, 1)["status"], row(db, 1)["points"]) == ("done", 3)
    assert undo(deps) == ("Undone: your edit of #1 (upcoming again): #1 screener \u00b7 Cooley \u00b7 yesterday "
                          "(0 points).")
    assert (row(db, 1)["status"], row(db, 1)["points"]) == ("planned", 0)
    consistent(db)


def test_an_edit_that_changes_nothing_is_not_a_change(deps: Deps, db: Database) -> None:
    say(deps, "alice", "/interview Latham callback")
    say(deps, "alice", "/network Dana Lee coffee")
    say(deps, "alice", "/cohort edit 1 stage callback")
    assert undo(deps) == "Undone: removed #2 coffee \u00b7 Dana Lee \u00b7 today."
