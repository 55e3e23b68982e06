"""Bad input: a private reply that says what was wrong and shows an example, and nothing stored.

And text members type (names, notes) is stored exactly as typed and reaches replies only as `UserText`, the
span every renderer escapes, so it can never ping anyone or break formatting.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlite_utils import Database

from commands.model import Actions, Deps, Inline, Para, Reply, Table, UserText
from tests.conftest import count, say, text_of


def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row a command could write."""
    return {table: [tuple(r) for r in db.execute(f"SELECT * FROM {table} ORDER BY rowid")]
            for table in ("workspaces", "cohorts", "members", "activities")}


@pytest.fixture
def seeded(deps: Deps, db: Database) -> Deps:
    """alice owns #1 and #3 (deleted); bob owns #2."""
    assert say(deps, "alice", "/interview Latham callback -- first").ok
    assert say(deps, "bob", "/network Dana Lee coffee").ok
    assert say(deps, "alice", "/interview Cooley").ok
    assert say(deps, "alice", "/cohort delete 3").ok
    return deps


LONG = "x" * 1990  # with "Latham -- " in front: 2,000 characters
BAD = [
    # (what the member typed, the first line of the reply)
    ('/interview "Latham" xyzzy', "I don't understand 'xyzzy' after the organisation. Put notes after --."),
    ('/interview "Latham" callback blue', "I don't understand 'blue' after the organisation. Put notes after --."),
    ("/interview callback tomorrow", "'callback tomorrow' looks like a stage or a date, but the organisation is "
                                     "missing."),
    ("/network coffee with", "'coffee with' looks like a meeting type or a date, but the person or organisation is "
                             "missing."),
    ("/interview Latham callback 2/30/2027", "There is no date 2/30/2027. Dates are month/day, like 11/20. Try "
                                             "today, yesterday, a weekday (tue), last fri, 11/20 or 2026-11-20."),
    ("/interview Cravath callback 900 days ago", "900 days ago is more than two years ago. Try today, yesterday, a "
                                                 "weekday (tue), last fri, 11/20 or 2026-11-20."),
    ("/cohort edit 1 stage xyzzy", "'xyzzy' is not a stage. Stages: screener (OCI, first round), callback "
                                   "(second round, office visit), clerkship, offer, rejection, other."),
    ("/cohort edit 2 type xyzzy", "You have no entry #2. /progress lists your entries and their ids."),
    ("/interview Latham 31/31/2026", "There is no date 31/31/2026. Dates are month/day, like 11/20. Try today, "
                                     "yesterday, a weekday (tue), last fri, 11/20 or 2026-11-20."),
    ("/network Dana Lee 2/30", "There is no date 2/30. Dates are month/day, like 11/20. Try today, yesterday, "
                               "a weekday (tue), last fri, 11/20 or 2026-11-20."),
    ("/cohort edit 1 date 31/31/2026", "There is no date 31/31/2026. Dates are month/day, like 11/20. Try today, "
                                       "yesterday, a weekday (tue), last fri, 11/20 or 2026-11-20."),
    ("/cohort edit 1 date someday", "I can't read 'someday' as a date. Try yesterday, tue, 11/20 or 2026-11-20."),
    ('/interview ""', "Tell me the organisation first."),
    ("/interview -- notes only", "Tell me the organisation first."),
    ('/network "  " coffee', "Tell me the person or organisation first."),
    ('/cohort edit 1 org ""', "The new name is empty. Type it after the field, like /cohort edit 12 org Latham."),
    ("/interview Latham -- " + LONG + "x", "That is 2,001 characters; the limit is 2,000. Keep notes short, or "
                                          "split them over two entries."),
    ("/interview Latham -- " + "y" * 10_240, "That is 10,250 characters; the limit is 2,000. Keep notes short, or "
                                             "split them over two entries."),
    ("/cohort edit 1 notes " + "z" * 2000, "That is 2,013 characters; the limit is 2,000. Keep notes short, or "
                                           "split them over two entries."),
    ("/interview Latham\x00", "The text contains an invisible control character (U+0000). Retype it without "
                              "pasting from a terminal or a document."),
    ("/interview Latham -- \x1b[31mred\x1b[0m", "The text contains an invisible control character (U+001B). "
                                                "Retype it without pasting from a terminal or a document."),
    ("/cohort edit 1 notes bell\x07", "The text contains an invisible control character (U+0007). Retype it "
                                      "without pasting from a terminal or a document."),
    ("/cohort edit 2 org Mine", "You have no entry #2. /progress lists your entries and their ids."),
    ("/cohort delete 2", "You have no entry #2. /progress lists your entries and their ids."),
    ("/cohort share 2", "You have no entry #2. /progress lists your entries and their ids."),
    ("/cohort delete 99", "You have no entry #99. /progress lists your entries and their ids."),
    ("/cohort edit 99 org Cooley", "You have no entry #99. /progress lists your entries and their ids."),
    ("/cohort edit 3 org Skadden", "Entry #3 was deleted, so it can't be changed. Log it again with /interview "
                                   "or /network."),
    ("/cohort edit 3 date yesterday", "Entry #3 was deleted, so it can't be changed. Log it again with "
                                      "/interview or /network."),
    ("/cohort delete twelve", "'twelve' is not an entry id. Ids look like #12; /progress lists yours."),
    ("/cohort goal 0", "A weekly goal is a whole number of entries from 1 to 50, like /cohort goal 4."),
    ("/cohort privacy loud", "Privacy is named, anonymous or hidden, like /cohort privacy anonymous."),
    ("/cohort frob", "/cohort has no 'frob' option."),
    ("/leaderboard year", "I don't know the period 'year'. Choose week, month, all, last week or last month."),
    ("/progress month", "/progress takes no options; it shows your own week."),
    ("/frob Latham", "I don't know the command /frob. Try one of /interview, /network, /leaderboard, /progress, "
                     "/cohort, or /cohort help."),
]


@pytest.mark.parametrize(("line", "first_line"), BAD, ids=[line[:40] for line, _ in BAD])
def test_bad_input_is_private_explained_and_stores_nothing(seeded: Deps, db: Database, line: str,
                                                            first_line: str) -> None:
    before = snapshot(db)
    reply = say(seeded, "alice", line)
    assert reply.private
    assert not reply.ok
    text = text_of(reply)
    assert text.splitlines()[0] == first_line
    assert "Example" in text
    assert snapshot(db) == before


@pytest.mark.parametrize(("line", "first_line"), BAD, ids=[line[:40] for line, _ in BAD])
def test_rejected_first_command_does_not_make_a_member(seeded: Deps, db: Database, line: str,
                                                       first_line: str) -> None:
    before = snapshot(db)
    reply = say(seeded, "newcomer", line)
    assert not reply.ok and reply.private
    assert snapshot(db) == before  # no member, no workspace, no entry
    # In a brand-new workspace, not even the workspace and its cohort are created.
    reply = say(seeded, "U1", line, platform="slack", workspace="TNEW")
    assert not reply.ok
    assert snapshot(db) == before


def test_text_at_the_limit_is_accepted(deps: Deps, db: Database) -> None:
    line = "/interview Latham -- " + LONG
    assert len(line.split(" ", 1)[1]) == 2000
    reply = say(deps, "alice", line)
    assert reply.ok
    assert db.execute("SELECT notes FROM activities").fetchone()[0] == LONG


def test_no_text_shows_usage_and_two_examples(deps: Deps, db: Database) -> None:
    for line, example in (("/interview", "/interview Latham callback yesterday -- met two partners"),
                          ("/network  ", '/network "Dana Lee, Ropes & Gray" informational tuesday')):
        reply = say(deps, "alice", line)
        assert reply.private and not reply.ok
        assert reply.form is not None  # a transport with forms may open one instead
        text = text_of(reply)
        assert "Usage: " in text and example in text
    assert count(db, "activities") == 0


def test_an_internal_error_is_private_and_stores_nothing(deps: Deps, db: Database, monkeypatch: Any) -> None:
    from storage import activities

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk on fire")

    say(deps, "alice", "/progress")
    monkeypatch.setattr(activities, "rescore_day", broken)
    reply = say(deps, "alice", "/interview Latham")
    assert reply.private and not reply.ok
    assert text_of(reply) == "Something went wrong on our side and nothing was saved. Please try again in a moment."
    assert count(db, "activities") == 0


# ---- user text is stored as typed and only ever shown as UserText --------------------------------------


def spans(reply: Reply) -> Iterator[Inline]:
    """Every piece of text a reply would show."""
    for block in reply.blocks:
        if isinstance(block, Para):
            yield from block.spans
        elif isinstance(block, Table):
            yield from block.columns
            for row in block.rows:
                yield from row
            yield block.note
        elif isinstance(block, Actions):
            for button in block.buttons:
                yield button.label
                yield button.text


def assert_only_as_user_text(reply: Reply, *raw: str) -> None:
    """No plain span contains the raw text; some UserText span does (so the check is not vacuous)."""
    everything = list(spans(reply))
    for piece in raw:
        assert not [s for s in everything if isinstance(s, str) and piece in s], (piece, everything)
        assert [s for s in everything if isinstance(s, UserText) and piece in s.value], (piece, everything)


ORG = "<!channel> *Latham* _&_ \U0001f389"
NOTES = "ping <@U123> and <!here|here> ~struck~ `code` > quote \U0001f468\u200d\u2696\ufe0f"


def test_names_and_notes_are_stored_exactly_and_shown_only_as_user_text(deps: Deps, db: Database) -> None:
    logged = say(deps, "alice", f'/interview "{ORG}" callback -- {NOTES}')
    assert logged.ok
    assert tuple(db.execute("SELECT org, notes FROM activities").fetchone()) == (ORG, NOTES)
    assert_only_as_user_text(logged, "<!channel>", "*Latham*", "<@U123>", "<!here|here>", "~struck~")
    assert_only_as_user_text(say(deps, "alice", "/progress"), "<!channel>", "*Latham*")
    shared = Reply(blocks=say(deps, "alice", "/cohort share 1").share)  # the post for the channel
    assert shared.blocks
    assert_only_as_user_text(shared, "<!channel>", "*Latham*")
    assert "<@U123>" not in text_of(shared)  # notes stay private
    edited = say(deps, "alice", "/cohort edit 1 org <@U123> *Cooley*")
    assert tuple(db.execute("SELECT org FROM activities").fetchone()) == ("<@U123> *Cooley*",)
    assert_only_as_user_text(edited, "<@U123>", "*Cooley*")
    say(deps, "alice", "/cohort edit 1 notes <!everyone> `rm -rf` *x*")
    assert db.execute("SELECT notes FROM activities").fetchone()[0] == "<!everyone> `rm -rf` *x*"
    assert_only_as_user_text(say(deps, "alice", "/cohort delete 1"), "<@U123>", "*Cooley*")


def test_display_names_reach_the_leaderboard_only_as_user_text(deps: Deps, db: Database) -> None:
    name = "<!channel>*boss*"
    say(deps, name, "/network Dana Lee \U0001f600 coffee")
    assert db.execute("SELECT display_name FROM members").fetchone()[0] == name
    # An emoji at the end of a name is decoration, like "!" ("got an offer from Wachtell! \U0001f389"); a quoted
    # name keeps it (test_names_and_notes_are_stored_exactly_and_shown_only_as_user_text).
    assert db.execute("SELECT org FROM activities").fetchone()[0] == "Dana Lee"
    assert_only_as_user_text(say(deps, "bob", "/leaderboard"), "<!channel>", "*boss*")
    assert_only_as_user_text(say(deps, name, "/leaderboard"), "<!channel>", "*boss*")
    shared = say(deps, name, "/interview Latham offer --share").share  # the post names them; the reply doesn't
    assert_only_as_user_text(Reply(blocks=shared), "<!channel>", "*boss*")


@pytest.mark.parametrize(
    ("line", "raw"),
    [
        ('/interview "Latham" <!channel>', "<!channel>"),
        ('/network "Dana" <@U123>', "<@U123>"),
        ("/leaderboard <!channel>", "<!channel>"),
        ("/cohort <!here>", "<!here>"),
        ("/cohort delete <@U123>", "<@U123>"),
        ("/cohort edit 1 <!channel> x", "<!channel>"),
        ("/cohort edit 1 stage *offer*", "*offer*"),
        ("/cohort edit 1 date <!channel>", "<!channel>"),
        ("/<!channel> hello", "<!channel>"),
        ("/cohort setup <!channel>", "<!channel>"),
        ("/cohort setup #jobs monday <@U123>", "<@U123>"),
    ],
)
def test_errors_echo_user_text_only_as_user_text(seeded: Deps, line: str, raw: str) -> None:
    reply = say(seeded, "alice", line)
    assert not reply.ok and reply.private
    assert "Example" in text_of(reply)
    assert_only_as_user_text(reply, raw)


# ---- a line the reader is unsure of: shown back, nothing stored ------------------------------------------------

UNSURE = [
    ("/interview Latham callbak", "'callbak' looks like 'callback'."),
    ("/interview Latham screner tue", "'screner' looks like 'screener'."),
    ("/network Dana evnt", "'evnt' looks like 'event'."),
    ('/network "Dana Lee" cofee', "'cofee' looks like 'coffee'."),
    ("/interview Cravath callback next month", "'next month' is not one day. Which day?"),
    ("/interview Cravath went well", "'Cravath went well' reads like a sentence, not a name. Put notes after --, or "
                                     "quote the name."),
]


@pytest.mark.parametrize(("line", "reason"), UNSURE, ids=[line[:40] for line, _ in UNSURE])
def test_an_unsure_line_is_shown_back_privately_and_stores_no_entry(seeded: Deps, db: Database, line: str,
                                                                     reason: str) -> None:
    before = snapshot(db)
    for user in ("alice", "newcomer"):
        reply = say(seeded, user, line)
        assert reply.private
        text = text_of(reply)
        assert text.splitlines()[0] == "Not saved yet: is this right?"
        assert reason in text
        labels = [b.label for block in reply.blocks if isinstance(block, Actions) for b in block.buttons]
        assert labels[-2:] == ["Change", "Cancel"]
        assert snapshot(db)["activities"] == before["activities"]


@pytest.mark.parametrize(
    ("line", "raw"),
    [
        ("/interview Latham *callbak*", "*callbak*"),
        ("/interview <!channel> went well", "<!channel>"),
        ("/network coffee with <@U123> next week", "<@U123>"),
    ],
)
def test_an_unsure_line_echoes_user_text_only_as_user_text(seeded: Deps, line: str, raw: str) -> None:
    reply = say(seeded, "alice", line)
    assert text_of(reply).startswith("Not saved yet")
    everything = list(spans(reply))
    assert not [s for s in everything if isinstance(s, str) and raw in s and s not in button_texts(reply)]
    assert [s for s in everything if isinstance(s, UserText) and raw in s.value]


def button_texts(reply: Reply) -> set[str]:
    """The commands buttons run (our own data, never shown as text)."""
    return {b.text for block in reply.blocks if isinstance(block, Actions) for b in block.buttons}
