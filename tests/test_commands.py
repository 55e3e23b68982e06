"""Commands against a real migrated database with a frozen clock: what members see, and what is stored."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlite_utils import Database

from commands.model import Deps, Reply, plain
from storage import activities, board, members
from storage.members import ScoringRules
from tests.conftest import clock_of, say, table_of, text_of


def rows(db: Database) -> list[dict[str, Any]]:
    """Every activities row, oldest first."""
    return [dict(r) for r in db.query("SELECT * FROM activities ORDER BY id")]


def row(db: Database, seq: int) -> dict[str, Any]:
    found = [r for r in rows(db) if r["seq"] == seq]
    assert len(found) == 1
    return found[0]


def points(db: Database) -> list[int]:
    return [r["points"] for r in rows(db)]


def board_rows(reply: Reply) -> list[tuple[str, ...]]:
    """The leaderboard table as text: (rank, member, points, interviews, meetings) per row."""
    table = table_of(reply)
    assert table.columns == ("#", "Member", "Points", "Interviews", "Meetings")
    return [tuple(plain(cell) for cell in r) for r in table.rows]


def last_para(reply: Reply) -> str:
    return text_of(reply).splitlines()[-1]


# ---- points ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/interview Latham", 3),
        ("/interview Latham callback", 3),
        ("/interview Latham screener", 3),
        ("/interview Latham rejection", 0),  # an outcome, not one more interview
        ("/interview Latham offer", 8),
        ("/network Dana Lee", 3),  # informational is the default type
        ("/network Dana Lee informational", 3),
        ("/network Dana Lee coffee", 2),
        ("/network Dana Lee alumni call", 2),
        ("/network Dana Lee referral", 2),
        ("/network NYSBA event", 1),
    ],
)
def test_points_for_each_kind(deps: Deps, db: Database, line: str, expected: int) -> None:
    reply = say(deps, "alice", line)
    assert reply.ok
    if expected:
        assert f"+{expected} point{'' if expected == 1 else 's'}" in text_of(reply)
    else:
        assert "scores nothing and isn't one more interview" in text_of(reply)
    assert points(db) == [expected]


def test_offer_reply_celebrates(deps: Deps) -> None:
    text = text_of(say(deps, "alice", "/interview Latham offer"))
    assert text.startswith("Logged offer from Latham, today (#1).")
    assert "+8 points: the offer bonus and the interview it stands for" in text
    assert "An offer! Congratulations." in text


def test_rules_come_from_deps(make_deps: Any, db: Database) -> None:
    from storage.members import ScoringRules

    deps = make_deps(rules=ScoringRules(interview=5, offer_bonus=10, daily_cap=100))
    say(deps, "alice", "/interview Latham offer")
    assert points(db) == [15]


def test_daily_cap(deps: Deps, db: Database) -> None:
    say(deps, "alice", "/interview Latham offer")  # 8
    capped = say(deps, "alice", "/interview Cooley")  # 3, but only 2 left under the cap of 10
    assert "+2 points (the daily cap of 10 keeps the board fair)." in text_of(capped)
    nothing = say(deps, "alice", "/network Dana Lee coffee")
    assert "+0 points (the daily cap of 10 keeps the board fair)." in text_of(nothing)
    say(deps, "alice", "/interview Skadden yesterday")  # typed today: today's typing cap is used up too
    assert points(db) == [8, 2, 0, 0]
    clock_of(deps).advance(days=1)
    say(deps, "alice", "/interview Milbank screener")  # a new day, a new cap
    assert points(db)[-1] == 3
    # Another member's cap is their own.
    say(deps, "bob", "/interview Cooley")
    assert points(db)[-1] == 3


def test_same_kind_same_organisation_same_day_counts_once(deps: Deps, db: Database) -> None:
    say(deps, "alice", "/interview Ropes & Gray screener")
    again = say(deps, "alice", "/interview ropes gray callback")
    assert "You already logged this interview with them that day, so it scores once." in text_of(again)
    say(deps, "alice", "/network Ropes & Gray event")  # another kind at the same firm scores
    say(deps, "alice", "/interview Ropes & Gray yesterday")  # the same firm on another day scores
    assert points(db) == [3, 0, 1, 3]
    # Deleting the first lets the second one score.
    say(deps, "alice", "/cohort delete 1")
    assert points(db) == [0, 3, 1, 3]
    assert row(db, 1)["deleted_at"] is not None


# ---- upcoming entries --------------------------------------------------------------------------------


def test_future_entry_is_upcoming_and_scores_once_it_has_happened(deps: Deps, db: Database) -> None:
    reply = say(deps, "alice", "/interview Cooley callback next mon")
    text = text_of(reply)
    assert text.startswith("Logged callback interview at Cooley, Mon 30 Nov (upcoming) (#1).")
    assert "It's upcoming: it scores once it has happened." in text
    assert "This week: 0 of your goal of 3." in text
    assert (row(db, 1)["status"], row(db, 1)["happened_on"], row(db, 1)["points"]) == ("planned", "2026-11-30", 0)
    say(deps, "bob", "/network Dana Lee coffee")

    def alice_on_board(period: str = "") -> list[tuple[str, ...]]:
        return [r for r in board_rows(say(deps, "bob", f"/leaderboard {period}")) if r[1] == "alice"]

    assert alice_on_board() == []
    assert alice_on_board("all") == []
    progress = table_of(say(deps, "alice", "/progress"))
    assert [plain(c) for c in progress.rows[0]] == ["#1", "Mon 30 Nov (upcoming)", "callback", "Cooley", "\u2013"]
    early = say(deps, "alice", "/cohort happened 1 yes")
    assert not early.ok
    assert text_of(early).splitlines()[0] == "#1 is still upcoming (Mon 30 Nov (upcoming))."
    assert row(db, 1)["status"] == "planned"

    clock_of(deps).set("2026-11-29T20:00:00")  # Sunday in New York: still upcoming
    assert alice_on_board("all") == []
    clock_of(deps).set("2026-12-01T15:00:00")  # the day has passed; it counts once she says it happened
    assert alice_on_board("all") == []
    confirmed = say(deps, "alice", "/cohort happened 1 yes")
    assert text_of(confirmed) == "Great, #1 callback at Cooley counts now: +3 points."
    assert (row(db, 1)["status"], row(db, 1)["points"]) == ("done", 3)
    assert alice_on_board() == [("1", "alice", "3", "1", "0")]
    progress = table_of(say(deps, "alice", "/progress"))
    assert [plain(c) for c in progress.rows[0]] == ["#1", "yesterday", "callback", "Cooley", "3"]


# ---- leaderboard -------------------------------------------------------------------------------------


def test_leaderboard_ranks_ties_and_counts(deps: Deps) -> None:
    say(deps, "alice", "/interview Latham")  # 3
    say(deps, "bob", "/network Dana Lee")  # 3
    say(deps, "carol", "/network Sam coffee")  # 2
    say(deps, "carol", "/network NYSBA event yesterday")  # +1: carol has 3 too
    say(deps, "dave", "/network Pat coffee")  # 2
    say(deps, "erin", "/interview Cooley yesterday")  # 3
    say(deps, "erin", "/network Kim coffee")  # 2 -> 5
    reply = say(deps, "dave", "/leaderboard")
    assert reply.ok and reply.private
    assert board_rows(reply) == [
        ("1", "erin", "5", "1", "1"),
        ("2", "carol", "3", "0", "2"),  # equal points: more entries first, same rank
        ("2", "alice", "3", "1", "0"),
        ("2", "bob", "3", "0", "1"),
        ("5", "dave (you)", "2", "0", "1"),
    ]
    assert table_of(reply).highlight == 4
    assert text_of(reply).splitlines()[0] == "Leaderboard, this week"
    assert last_para(reply) == "Cohort this week: 2 interviews and 5 meetings from 5 members, 16 points."


def test_ties_share_a_rank_1_1_3(deps: Deps) -> None:
    say(deps, "alice", "/interview Latham")
    say(deps, "bob", "/interview Cooley")
    say(deps, "carol", "/network Sam coffee")
    ranks = [r[0] for r in board_rows(say(deps, "carol", "/leaderboard"))]
    assert ranks == ["1", "1", "3"]


def test_leaderboard_periods(deps: Deps) -> None:
    say(deps, "alice", "/interview Latham")  # this week
    say(deps, "alice", "/interview Cooley 11/2")  # this month, not this week
    say(deps, "alice", "/interview Skadden 10/30")  # last month (within 30 days, so it scores)
    assert board_rows(say(deps, "alice", "/leaderboard"))[0][2:] == ("3", "1", "0")
    assert board_rows(say(deps, "alice", "/leaderboard month"))[0][2:] == ("6", "2", "0")
    assert board_rows(say(deps, "alice", "/leaderboard all"))[0][2:] == ("9", "3", "0")
    assert text_of(say(deps, "alice", "/leaderboard all")).splitlines()[0] == "Leaderboard, all time"


def test_callers_row_is_always_shown(deps: Deps) -> None:
    for i in range(1, 12):
        say(deps, f"m{i:02}", f"/interview Firm{i}")  # eleven members with 3 points each
    say(deps, "zoe", "/network Sam coffee")  # 2 points: 12th of 12
    reply = say(deps, "zoe", "/leaderboard")
    table = table_of(reply)
    shown = board_rows(reply)
    assert len(shown) == 11
    assert shown[:10] == [("1", f"m{i:02}", "3", "1", "0") for i in range(1, 11)]
    assert shown[10] == ("12", "zoe (you)", "2", "0", "1")
    assert table.highlight == 10
    assert table.note == "Showing the top 10 of 12."
    # Someone who has logged nothing this week still sees their own row.
    nothing = board_rows(say(deps, "newbie", "/leaderboard"))
    assert nothing[-1] == ("–", "newbie (you)", "0", "0", "0")


def test_empty_leaderboard(deps: Deps) -> None:
    say(deps, "alice", "/progress")  # her first command (it carries the welcome)
    reply = say(deps, "alice", "/leaderboard")
    text = text_of(reply)
    assert "Nobody has logged anything yet in this period." in text
    assert board_rows(reply) == [("–", "alice (you)", "0", "0", "0")]
    assert last_para(reply) == "Cohort this week: 0 interviews and 0 meetings from 0 members, 0 points."


def test_privacy_named_anonymous_hidden(deps: Deps, db: Database) -> None:
    say(deps, "alice", "/interview Latham")  # 3
    say(deps, "bob", "/interview Cooley offer")  # 8
    say(deps, "carol", "/network Sam coffee")  # 2
    reply = say(deps, "bob", "/cohort privacy anonymous")
    assert text_of(reply).splitlines()[0] == ("Privacy set to anonymous: the leaderboard shows you as "
                                              "\u201ca member\u201d.")
    reply = say(deps, "carol", "/cohort privacy hidden")
    assert text_of(reply).splitlines()[0] == ("Privacy set to hidden: the leaderboard shows you nowhere (your "
                                              "entries still count in the cohort totals).")
    assert {r["user_id"]: r["privacy"] for r in db.query("SELECT user_id, privacy FROM members")} == {
        "alice": "named", "bob": "anonymous", "carol": "hidden"}

    seen_by_alice = say(deps, "alice", "/leaderboard")
    assert board_rows(seen_by_alice) == [("1", "a member", "8", "1", "0"), ("2", "alice (you)", "3", "1", "0")]
    assert "bob" not in text_of(seen_by_alice) and "carol" not in text_of(seen_by_alice)
    # Hidden members are left out of the rows but still counted in the totals.
    assert last_para(seen_by_alice) == ("Cohort this week: 2 interviews and 1 meeting from 3 members, "
                                        "13 points.")
    # Each still sees their own row.
    assert board_rows(say(deps, "bob", "/leaderboard"))[0] == ("1", "bob (you)", "8", "1", "0")
    assert board_rows(say(deps, "carol", "/leaderboard"))[-1] == ("–", "carol (you, hidden)", "2", "0", "1")
    # Back to named.
    say(deps, "bob", "/cohort privacy named")
    assert board_rows(say(deps, "alice", "/leaderboard"))[0] == ("1", "bob", "8", "1", "0")


def test_leave_and_join(deps: Deps, db: Database) -> None:
    say(deps, "alice", "/interview Latham")
    say(deps, "bob", "/interview Cooley")
    left = say(deps, "alice", "/cohort leave")
    assert text_of(left).startswith("You've left the cohort: you're off the leaderboard and get no reminders.")
    alice = db.execute("SELECT active, nudges_enabled FROM members WHERE user_id = 'alice'").fetchone()
    assert tuple(alice) == (0, 0)
    assert board_rows(say(deps, "bob", "/leaderboard")) == [("1", "bob (you)", "3", "1", "0")]
    assert board_rows(say(deps, "alice", "/leaderboard"))[-1] == ("–", "alice (you, not ranked)", "3", "1", "0")
    # Entries are kept, and logging while away says so.
    logged = say(deps, "alice", "/network Dana Lee coffee")
    assert "You left the cohort, so this is not on the leaderboard." in text_of(logged)
    assert "You have left the cohort" in text_of(say(deps, "alice", "/progress"))

    joined = say(deps, "alice", "/cohort join")
    assert text_of(joined).startswith("Welcome to the cohort!")
    alice = db.execute("SELECT active, nudges_enabled FROM members WHERE user_id = 'alice'").fetchone()
    assert tuple(alice) == (1, 1)  # back on the board, and reminders are back too
    assert board_rows(say(deps, "bob", "/leaderboard")) == [
        ("1", "alice", "5", "1", "1"), ("2", "bob (you)", "3", "1", "0")]
    again = say(deps, "alice", "/cohort join")
    assert text_of(again) == "You're already in the cohort. Log something with /interview or /network."


def test_first_command_joins(deps: Deps, db: Database) -> None:
    assert text_of(say(deps, "alice", "/cohort join")).startswith("Welcome to the cohort!")
    say(deps, "bob", "/leaderboard")
    assert [r["user_id"] for r in db.query("SELECT user_id FROM members ORDER BY id")] == ["alice", "bob"]
    assert db.execute("SELECT COUNT(*) FROM cohorts").fetchone()[0] == 1
    assert db.execute("SELECT COUNT(*) FROM workspaces").fetchone()[0] == 1


# ---- goal and progress -------------------------------------------------------------------------------


def test_goal_and_progress_week(deps: Deps, db: Database) -> None:
    first = text_of(say(deps, "alice", "/cohort goal 4")).splitlines()
    assert first[0] == "Your weekly goal is now 4 entries."
    assert "Welcome to cohortbot" in first  # her first command: the welcome follows the answer
    assert text_of(say(deps, "alice", "/cohort goal 4")) == "Your weekly goal is now 4 entries."  # once only
    assert db.execute("SELECT weekly_goal FROM members").fetchone()[0] == 4
    say(deps, "alice", "/interview Latham tue")
    say(deps, "alice", "/network Dana Lee coffee")
    say(deps, "alice", "/interview Cooley last fri")  # last week: not in this week's count
    text = text_of(say(deps, "alice", "/progress"))
    assert ("This week: 2 of 4 toward your goal  \u25cf\u25cf\u25cb\u25cb  (1 interview, 1 meeting, 5 points)"
            in text)
    assert "Goal met" not in text
    say(deps, "alice", "/network Sam event")
    say(deps, "alice", "/network Pat referral")
    text = text_of(say(deps, "alice", "/progress"))
    assert "This week: 4 of 4 toward your goal  \u25cf\u25cf\u25cf\u25cf  (1 interview, 3 meetings, 7 points)" in text
    assert "Goal met for this week." in text
    assert text_of(say(deps, "alice", "/cohort goal 1")) == "Your weekly goal is now 1 entry."


def test_streak_across_weeks(deps: Deps) -> None:
    say(deps, "alice", "/interview Skadden 10/21")  # week of 19 Oct; the week of 26 Oct is empty
    say(deps, "alice", "/interview Latham 11/4")  # week of 2 Nov
    say(deps, "alice", "/network Dana Lee 11/11")  # week of 9 Nov
    say(deps, "alice", "/network Sam coffee 11/16")  # week of 16 Nov (a Monday)
    say(deps, "alice", "/network Pat coffee 11/22")  # the same week (its Sunday)
    assert "Streak: 3 weeks; log one entry by Sunday to keep it." in text_of(say(deps, "alice", "/progress"))
    say(deps, "alice", "/interview Cooley")  # this week, 23 Nov
    assert "Streak: 4 weeks in a row. Keep it going!" in text_of(say(deps, "alice", "/progress"))
    clock_of(deps).set("2026-11-30T15:00:00")  # next Monday: the streak is alive until Sunday
    text = text_of(say(deps, "alice", "/progress"))
    assert "Streak: 4 weeks; log one entry by Sunday to keep it." in text
    assert "This week: 0 of 3" in text
    clock_of(deps).set("2026-12-07T15:00:00")  # a whole week missed: the streak ended, and /progress says so
    assert ("Your 4-week streak ended: nothing was logged last week. Log one entry this week to start a new one."
            in text_of(say(deps, "alice", "/progress")))
    clock_of(deps).set("2026-12-14T15:00:00")
    assert "No streak running: log one entry this week to start one." in text_of(say(deps, "alice", "/progress"))
    assert "No streak yet" in text_of(say(deps, "bob", "/progress"))


def test_progress_lists_recent_entries_with_ids(deps: Deps) -> None:
    say(deps, "bob", "/interview Elsewhere")  # #1, another member's
    say(deps, "alice", "/interview Latham callback tue")  # #2
    say(deps, "alice", "/network \"Dana Lee, Ropes & Gray\" coffee yesterday")  # #3
    say(deps, "alice", "/interview Cooley offer")  # #4
    say(deps, "alice", "/network Sam event last fri")  # #5
    say(deps, "alice", "/interview Skadden next mon")  # #6, upcoming
    say(deps, "alice", "/interview Deleted")  # #7
    say(deps, "alice", "/cohort undo")
    say(deps, "alice", "/interview Paul Weiss 11/2")  # #8, the sixth live entry: too old to list
    reply = say(deps, "alice", "/progress")
    assert reply.ok and reply.private
    table = table_of(reply)
    assert table.columns == ("Id", "When", "What", "With", "Points")
    assert [tuple(plain(c) for c in r) for r in table.rows] == [
        ("#6", "Mon 30 Nov (upcoming)", "interview", "Skadden", "–"),
        ("#4", "today", "offer", "Cooley", "5"),  # the Cooley interview (#3) is logged: the bonus alone
        ("#3", "yesterday", "coffee", "Dana Lee, Ropes & Gray", "2"),
        ("#2", "Tue 24 Nov", "callback", "Latham", "3"),
        ("#5", "Fri 20 Nov", "event", "Sam", "0"),  # typed today, after today's cap was reached
    ]
    assert "Change one: /cohort edit <id> <field> <value>, or /cohort delete <id>." in text_of(reply)
    assert "Nothing logged yet." in text_of(say(deps, "carol", "/progress"))


# ---- undo, delete, edit ------------------------------------------------------------------------------


def test_undo_removes_my_latest_entry(deps: Deps, db: Database) -> None:
    say(deps, "alice", "/interview Latham callback yesterday")  # #1
    say(deps, "alice", "/network Dana Lee coffee")  # #2
    say(deps, "bob", "/interview Cooley")  # #3: bob's latest is not alice's to undo
    reply = say(deps, "alice", "/cohort undo")
    assert reply.ok
    assert text_of(reply) == "Undone: removed #2 coffee · Dana Lee · today."
    assert [r["deleted_at"] is not None for r in rows(db)] == [False, True, False]
    assert text_of(say(deps, "alice", "/cohort undo")) == "Undone: removed #1 callback · Latham · yesterday."
    assert text_of(say(deps, "alice", "/cohort undo")) == "There's nothing to undo: you have no entries."
    assert [r["deleted_at"] is not None for r in rows(db)] == [True, True, False]
    assert board_rows(say(deps, "alice", "/leaderboard")) == [
        ("1", "bob", "3", "1", "0"), ("–", "alice (you)", "0", "0", "0")]


def test_delete(deps: Deps, db: Database) -> None:
    say(deps, "alice", "/interview Latham callback yesterday")
    reply = say(deps, "alice", "/cohort delete #1")
    assert reply.ok
    assert text_of(reply) == "Deleted #1 callback · Latham · yesterday."
    deleted = row(db, 1)
    assert deleted["deleted_at"] == "2026-11-27T15:00:00.000000+00:00"
    assert deleted["points"] == 0
    assert text_of(say(deps, "alice", "/cohort delete 1")) == "Entry #1 was already deleted."


def test_edit_org(deps: Deps, db: Database) -> None:
    say(deps, "alice", "/interview Latham")  # #1
    say(deps, "alice", "/interview Cooley")  # #2
    reply = say(deps, "alice", '/cohort edit 2 org "Wachtell, Lipton"')
    assert text_of(reply) == "Updated #2 interview · Wachtell, Lipton · today (3 points)."
    assert (row(db, 2)["org"], row(db, 2)["org_key"]) == ("Wachtell, Lipton", "wachtelllipton")
    # Renaming it to a firm already logged that day makes it the duplicate that scores nothing.
    assert text_of(say(deps, "alice", "/cohort edit 2 org latham")).endswith("(0 points).")
    assert points(db) == [3, 0]


def test_edit_stage_and_type(deps: Deps, db: Database) -> None:
    say(deps, "alice", "/interview Latham callback")  # #1
    say(deps, "alice", "/network Dana Lee coffee yesterday")  # #2
    assert text_of(say(deps, "alice", "/cohort edit 1 stage offer")) == "Updated #1 offer · Latham · today (8 points)."
    assert text_of(say(deps, "alice", "/cohort edit 2 type reception")) == (
        "Updated #2 event · Dana Lee · yesterday (1 points).")
    assert [(r["subtype"], r["points"]) for r in rows(db)] == [("offer", 8), ("event", 1)]


def test_edit_date_moves_the_points(deps: Deps, db: Database) -> None:
    say(deps, "alice", "/interview Latham offer")  # #1: 8
    say(deps, "alice", "/interview Cooley")  # #2: 2 (capped)
    say(deps, "alice", "/network Dana Lee coffee")  # #3: 0 (capped)
    assert points(db) == [8, 2, 0]
    reply = say(deps, "alice", "/cohort edit 2 date yesterday")
    # Both were typed today, so today's typing cap still holds them: backdating can't move the board.
    assert text_of(reply) == "Updated #2 interview · Cooley · yesterday (2 points)."
    assert row(db, 2)["happened_on"] == "2026-11-26"
    assert points(db) == [8, 2, 0]
    assert board_rows(say(deps, "alice", "/leaderboard"))[0][2:] == ("10", "2", "1")
    # Moving it into the future makes it upcoming (no points yet); moving it back makes it done again.
    upcoming = say(deps, "alice", "/cohort edit 2 date next mon")
    assert text_of(upcoming) == "Updated #2 interview · Cooley · Mon 30 Nov (upcoming) (0 points)."
    assert (row(db, 2)["happened_on"], row(db, 2)["status"]) == ("2026-11-30", "planned")
    assert board_rows(say(deps, "alice", "/leaderboard"))[0][2:] == ("10", "1", "1")
    say(deps, "alice", "/cohort edit 2 date 11/26")
    assert (row(db, 2)["happened_on"], row(db, 2)["status"], row(db, 2)["points"]) == ("2026-11-26", "done", 2)


def test_edit_notes(deps: Deps, db: Database) -> None:
    say(deps, "alice", "/interview Latham -- first notes")
    reply = say(deps, "alice", "/cohort edit 1 notes met two partners -- and an associate")
    assert reply.ok
    assert row(db, 1)["notes"] == "met two partners -- and an associate"
    assert row(db, 1)["org"] == "Latham"


def test_edit_refreshes_updated_at_only(deps: Deps, db: Database) -> None:
    say(deps, "alice", "/interview Latham")
    before = row(db, 1)
    clock_of(deps).advance(hours=1)
    say(deps, "alice", "/cohort edit 1 stage callback")
    after = row(db, 1)
    assert after["created_at"] == before["created_at"]
    assert after["updated_at"] == "2026-11-27T16:00:00.000000+00:00"


@pytest.mark.parametrize(
    "line",
    ["/cohort edit 1 org Cooley", "/cohort edit 1 stage offer", "/cohort edit 1 date yesterday",
     "/cohort edit 1 notes mine now", "/cohort delete 1", "/cohort share 1", "/cohort edit 1"],
)
def test_another_members_entry_is_not_mine(deps: Deps, db: Database, line: str) -> None:
    say(deps, "alice", "/interview Latham -- private notes")
    before = rows(db)
    reply = say(deps, "bob", line)
    assert not reply.ok and reply.private
    assert text_of(reply).splitlines()[0] == "You have no entry #1. /progress lists your entries and their ids."
    assert rows(db) == before


def test_editing_a_deleted_entry_is_refused(deps: Deps, db: Database) -> None:
    say(deps, "alice", "/interview Latham")
    say(deps, "alice", "/cohort delete 1")
    before = rows(db)
    for line in ("/cohort edit 1 org Cooley", "/cohort edit 1 date yesterday", "/cohort share 1"):
        reply = say(deps, "alice", line)
        assert not reply.ok and reply.private
        assert text_of(reply).splitlines()[0] == ("Entry #1 was deleted, so it can't be changed. Log it again "
                                                  "with /interview or /network.")
    assert rows(db) == before


def test_share_posts_publicly_without_notes(deps: Deps) -> None:
    private = say(deps, "alice", "/interview Latham callback -- secret notes")
    assert private.private
    shared = say(deps, "alice", "/cohort share 1")
    assert shared.private and text_of(shared) == "Shared with the channel."  # the member's own note
    assert text_of(Reply(blocks=shared.share)) == "\U0001f4bc alice had a callback interview at Latham, today."
    assert "secret" not in text_of(Reply(blocks=shared.share))
    at_once = say(deps, "alice", "/interview Cooley offer --share -- also secret")
    # The member gets the private confirmation (with Undo); the channel gets the share, without the notes.
    assert at_once.private and text_of(at_once).startswith("Logged offer from Cooley, today (#2).")
    assert deps.db.execute("SELECT org FROM activities WHERE seq = 2").fetchone() == ("Cooley",)
    assert text_of(Reply(blocks=at_once.share)) == "\U0001f389 alice got an offer from Cooley!"
    assert "also secret" not in text_of(Reply(blocks=at_once.share))


# ---- time zones --------------------------------------------------------------------------------------


@pytest.mark.parametrize("far_east", ["Pacific/Auckland", "Pacific/Kiritimati"])
def test_week_boundary_in_a_far_timezone(deps: Deps, db: Database, far_east: str) -> None:
    # 23:30 UTC on Sunday 29 Nov: already Monday 30 Nov (a new week) east of the date line's edge,
    # still Sunday afternoon in Honolulu.
    clock_of(deps).set("2026-11-29T23:30:00+00:00")
    east = say(deps, "ann", "/interview Latham", tz=far_east)
    west = say(deps, "hal", "/interview Cooley", tz="Pacific/Honolulu")
    assert "This week: 1 of your goal of 3." in text_of(east)
    assert "This week: 1 of your goal of 3." in text_of(west)
    assert [(r["org"], r["happened_on"]) for r in rows(db)] == [("Latham", "2026-11-30"), ("Cooley", "2026-11-29")]
    # Each member's leaderboard week is their own: Ann's started today, Hal's ends today.
    assert board_rows(say(deps, "ann", "/leaderboard")) == [("1", "ann (you)", "3", "1", "0")]
    assert board_rows(say(deps, "hal", "/leaderboard")) == [("1", "hal (you)", "3", "1", "0")]
    # The timezone is remembered: a later request without one (a shell, a button) uses the stored zone.
    assert db.execute("SELECT tz FROM members WHERE user_id = 'ann'").fetchone()[0] == far_east
    yesterday = say(deps, "ann", "/network Dana Lee yesterday")
    assert text_of(yesterday).startswith("Logged informational interview with Dana Lee, yesterday (#3).")
    assert row(db, 3)["happened_on"] == "2026-11-29"
    assert "This week: 1 of 3" in text_of(say(deps, "ann", "/progress"))
    # When Honolulu reaches Monday, Hal's week is the one Ann's Latham interview is in.
    clock_of(deps).set("2026-11-30T10:00:00+00:00")  # Monday 00:00 in Honolulu
    assert board_rows(say(deps, "hal", "/leaderboard")) == [
        ("1", "ann", "3", "1", "0"), ("–", "hal (you)", "0", "0", "0")]


def test_default_timezone_decides_today(make_deps: Any, db: Database) -> None:
    # 03:00 UTC Saturday is still Friday evening in New York (the default zone).
    deps = make_deps(now="2026-11-28T03:00:00")
    say(deps, "alice", "/interview Latham")
    assert row(db, 1)["happened_on"] == "2026-11-27"
    tokyo = make_deps(now="2026-11-28T03:00:00", default_tz="Asia/Tokyo")
    say(tokyo, "bob", "/interview Cooley")
    assert row(db, 2)["happened_on"] == "2026-11-28"


# ---- workspaces --------------------------------------------------------------------------------------

RULES = ScoringRules(3, 5, 3, 2, 1, 10)


def test_workspaces_are_isolated_in_storage(deps: Deps, db: Database) -> None:
    now = deps.clock()
    one = members.ensure_member(db, platform="slack", workspace="T1", user_id="U1", display_name="Ada", tz=None,
                                now=now, rules=RULES, weekly_goal=3)
    two = members.ensure_member(db, platform="slack", workspace="T2", user_id="U1", display_name="Ada", tz=None,
                                now=now, rules=RULES, weekly_goal=3)
    assert one.workspace_key != two.workspace_key
    assert one.cohort.id != two.cohort.id
    assert one.member.id != two.member.id
    first = activities.log_activity(db, workspace_key=one.workspace_key, cohort_id=one.cohort.id,
                                    member_id=one.member.id, kind="interview", subtype="offer", org="Latham",
                                    happened_on=date(2026, 11, 27), notes="", status="done", source="slack",
                                    now=now, rules=RULES)
    second = activities.log_activity(db, workspace_key=two.workspace_key, cohort_id=two.cohort.id,
                                     member_id=two.member.id, kind="networking", subtype="coffee", org="Dana",
                                     happened_on=date(2026, 11, 27), notes="", status="done", source="slack",
                                     now=now, rules=RULES)
    # Short ids are per workspace, and a lookup never crosses over.
    assert first.activity.seq == second.activity.seq == 1
    found_one = activities.find_by_seq(db, one.workspace_key, 1)
    found_two = activities.find_by_seq(db, two.workspace_key, 1)
    assert found_one is not None and found_one.org == "Latham"
    assert found_two is not None and found_two.org == "Dana"
    week = (date(2026, 11, 23), date(2026, 11, 27))
    assert [(r.member_id, r.points) for r in board.board(db, one.cohort.id, *week)] == [(one.member.id, 8)]
    assert [(r.member_id, r.points) for r in board.board(db, two.cohort.id, *week)] == [(two.member.id, 2)]
    assert members.find_member(db, one.workspace_key, "U1") == one.member
    assert members.find_member(db, two.workspace_key, "U1") == two.member


def test_workspaces_are_isolated_through_commands(deps: Deps, db: Database) -> None:
    say(deps, "U1", "/interview Latham -- T1 notes", platform="slack", workspace="T1")
    say(deps, "U2", "/interview Cooley", platform="slack", workspace="T1")
    say(deps, "U1", "/network Dana Lee coffee", platform="slack", workspace="T2")
    assert board_rows(say(deps, "U1", "/leaderboard", platform="slack", workspace="T2")) == [
        ("1", "U1 (you)", "2", "0", "1")]
    # The same user id in T2 cannot reach T1's entry #2 (which T2 does not have) ...
    reply = say(deps, "U1", "/cohort edit 2 org Mine", platform="slack", workspace="T2")
    assert text_of(reply).splitlines()[0] == "You have no entry #2. /progress lists your entries and their ids."
    # ... and #1 in T2 is their own T2 entry, not T1's.
    say(deps, "U1", "/cohort edit 1 notes edited in T2", platform="slack", workspace="T2")
    assert [(r["org"], r["notes"]) for r in rows(db)] == [
        ("Latham", "T1 notes"), ("Cooley", ""), ("Dana Lee", "edited in T2")]
    # The shell's "local" workspace is separate from both.
    assert board_rows(say(deps, "U1", "/leaderboard")) == [("–", "U1 (you)", "0", "0", "0")]


def test_progress_during_a_pause_says_the_streak_is_frozen(deps: Deps) -> None:
    say(deps, "alice", "/interview Latham 11/18")  # last week
    say(deps, "alice", "/interview Cooley")  # this week: a 2-week streak
    say(deps, "alice", "/cohort pause 2w")
    text = text_of(say(deps, "alice", "/progress"))
    assert "Streak: 2 weeks, frozen while you are paused" in text
    clock_of(deps).set("2026-12-07T15:00:00")  # a week with nothing logged, but paused: not broken
    assert "frozen while you are paused" in text_of(say(deps, "alice", "/progress"))
