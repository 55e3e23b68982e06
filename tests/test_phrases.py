"""The phrase table (`tests/phrases.py`) through `commands.dispatch.dispatch`, each line on a fresh database.

- Nothing is ever stored wrong: a line is stored with exactly the fields given, or asked about.
- At least 90% of the clearly meant lines (`Stored`) are stored without asking.
- A line asked about stores nothing and offers Save (when the day is known), Change and Cancel; Save stores exactly
  what the draft showed, Change opens the form prefilled with it, Cancel stores nothing and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlite_utils import Database

from commands import REGISTRY
from commands.logs import Draft, LogArgs
from commands.model import Actions, Button, Deps, Reply
from commands.parsing import describe_time
from tests.conftest import count, say, text_of
from tests.phrases import TABLE, TODAY, Asked, Phrase, Stored


def row(db: Database) -> dict[str, Any] | None:
    found = list(db.query("SELECT kind, subtype, org, happened_on, notes, deleted_at FROM activities"))
    assert len(found) <= 1, found
    return found[0] if found else None


def buttons(reply: Reply) -> dict[str, Button]:
    return {b.label: b for block in reply.blocks if isinstance(block, Actions) for b in block.buttons}


def kind_of(phrase: Phrase) -> str:
    return phrase.kind or ("interview" if phrase.command == "interview" else "networking")


def fields(kind: str, org: str, subtype: str, day: date, notes: str) -> dict[str, Any]:
    return {"kind": kind, "subtype": subtype, "org": org, "happened_on": day.isoformat(), "notes": notes,
            "deleted_at": None}


@dataclass
class Outcome:
    reply: Reply
    stored: dict[str, Any] | None
    parsed: Any  # what the command's parse returned (LogArgs or Draft)


def run(deps: Deps, phrase: Phrase) -> Outcome:
    reply = say(deps, "alice", f"/{phrase.command} {phrase.text}")
    assert reply.ok, text_of(reply)
    parsed = REGISTRY[phrase.command].parse(phrase.text, TODAY)
    return Outcome(reply, row(deps.db), parsed)


def press(deps: Deps, button: Button) -> Reply:
    return say(deps, "alice", f"/{button.command} {button.text}")


def check_draft(deps: Deps, outcome: Outcome) -> None:
    """Nothing stored; Change, Cancel and Save do what they say; Save stores exactly the draft."""
    assert outcome.stored is None, outcome.stored
    assert isinstance(outcome.parsed, Draft), outcome.parsed
    read = outcome.parsed.understood
    offered = buttons(outcome.reply)
    assert list(offered) == (["Save"] if read.day is not None else []) + ["Change", "Cancel"], list(offered)
    assert text_of(outcome.reply).startswith("Not saved yet: is this right?")

    changed = press(deps, offered["Change"])
    assert changed.form is not None and count(deps.db, "activities") == 0
    assert changed.form.initial == {"org": read.name, "subtype": read.subtype, "notes": read.notes,
                                    "day": read.day.isoformat() if read.day else ""}
    cancelled = press(deps, offered["Cancel"])
    assert text_of(cancelled) == "Cancelled: nothing was saved." and count(deps.db, "activities") == 0
    if read.day is not None:
        saved = press(deps, offered["Save"])
        assert text_of(saved).startswith("Logged") or not saved.private, text_of(saved)
        assert row(deps.db) == fields(read.kind, read.name, read.subtype, read.day, read.notes)
        assert read.time is None or f"at {describe_time(read.time)}" in text_of(saved)


CLEAR = [p for p in TABLE if isinstance(p, Stored)]
UNSURE = [p for p in TABLE if isinstance(p, Asked)]


@pytest.mark.parametrize("phrase", CLEAR, ids=[p.text[:50] for p in CLEAR])
def test_a_clear_line_is_stored_as_meant_or_asked_about(deps: Deps, phrase: Stored) -> None:
    outcome = run(deps, phrase)
    expected = fields(kind_of(phrase), phrase.org, phrase.subtype, phrase.day, phrase.notes)
    if outcome.stored is None:  # asked: its draft must hold exactly the meant fields
        read = outcome.parsed.understood
        assert fields(read.kind, read.name, read.subtype, read.day or TODAY, read.notes) == expected
        check_draft(deps, outcome)
        return
    assert outcome.stored == expected, text_of(outcome.reply)
    assert isinstance(outcome.parsed, LogArgs) and outcome.parsed.time == phrase.time
    assert outcome.reply.private and bool(outcome.reply.share) == phrase.share  # a share is a separate post
    if phrase.time is not None:
        assert f"at {describe_time(phrase.time)}" in text_of(outcome.reply).splitlines()[0]


@pytest.mark.parametrize("phrase", UNSURE, ids=[p.text[:50] for p in UNSURE])
def test_an_unsure_line_is_asked_about_and_stores_nothing(deps: Deps, phrase: Asked) -> None:
    outcome = run(deps, phrase)
    assert outcome.stored is None, f"stored without asking: {outcome.stored}"
    read = outcome.parsed.understood
    if phrase.org is not None:
        assert read.name == phrase.org
    if phrase.subtype is not None:
        assert read.subtype == phrase.subtype
    if phrase.day != "any":
        assert read.day == phrase.day
    if phrase.kind:
        assert read.kind == phrase.kind
    assert read.time == phrase.time or phrase.time is None and read.time is None
    check_draft(deps, outcome)


def test_the_table_is_large_enough_and_mostly_stored_without_asking() -> None:
    """The numbers the report quotes: the table, how many clear lines are stored at once, how many asked."""
    counts = measure()
    assert counts["total"] >= 150
    assert counts["stored wrong"] == 0, counts
    assert counts["clear stored without asking"] >= 0.9 * counts["clear"], counts


def measure() -> dict[str, int]:
    """Parse every line (no database: `parse` decides whether a line is stored) and count the outcomes."""
    counts = {"total": len(TABLE), "clear": len(CLEAR), "clear stored without asking": 0, "stored without asking": 0,
              "asked": 0, "stored wrong": 0}
    for phrase in TABLE:
        parsed = REGISTRY[phrase.command].parse(phrase.text, TODAY)
        if not isinstance(parsed, LogArgs):
            counts["asked"] += 1
            continue
        counts["stored without asking"] += 1
        right = isinstance(phrase, Stored) and (parsed.kind, parsed.org, parsed.subtype, parsed.day, parsed.time,
                                                parsed.notes, parsed.share) == (
            kind_of(phrase), phrase.org, phrase.subtype, phrase.day, phrase.time, phrase.notes, phrase.share)
        counts["clear stored without asking"] += right
        counts["stored wrong"] += not right
    return counts
