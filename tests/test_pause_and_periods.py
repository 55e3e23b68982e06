"""/cohort pause for finals (asks how long, with buttons, and stores nothing until one is pressed) and the
leaderboard's periods: weekly, monthly, this month, last week (the previous ISO week, with its dates), last month.
"""

from __future__ import annotations

from datetime import date

import pytest

from commands import leaderboard
from commands.cohort import reminders
from commands.model import Actions, Button, Deps, Reply, plain
from commands.parsing import UsageError
from storage import members
from tests.conftest import count, say, table_of, text_of

FRI = date(2026, 11, 27)  # the conftest clock's day; last week is Mon 16 Nov to Sun 22 Nov


def buttons(reply: Reply) -> list[Button]:
    return [b for block in reply.blocks if isinstance(block, Actions) for b in block.buttons]


def paused_until(deps: Deps, user: str) -> str | None:
    found = members.find_member_by_platform(deps.db, "shell", "local", user)
    assert found is not None
    return found.paused_until


# ---- /cohort pause for finals --------------------------------------------------------------------------

def test_pause_for_finals_suggests_two_weeks_and_stores_nothing_until_pressed(deps: Deps) -> None:
    say(deps, "ann", "/cohort join")
    reply = say(deps, "ann", "/cohort pause for finals")
    assert reply.ok and reply.private
    assert "How long a pause? Two weeks usually covers exams." in text_of(reply)
    assert [(b.label, b.command, b.text, b.style) for b in buttons(reply)] == [
        ("1 week", "cohort", "pause 1w", None),
        ("2 weeks", "cohort", "pause 2w", "primary"),
        ("3 weeks", "cohort", "pause 3w", None),
    ]
    assert count(deps.db, "pauses") == 0 and paused_until(deps, "ann") is None
    # Pressing the suggested button runs /cohort pause 2w as the one who pressed it.
    pressed = next(b for b in buttons(reply) if b.style == "primary")
    done = say(deps, "ann", f"/{pressed.command} {pressed.text}")
    assert "Paused until Fri 11 Dec" in text_of(done)
    assert count(deps.db, "pauses") == 1 and paused_until(deps, "ann") == "2026-12-11"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", reminders.PauseArgs(1)),
        ("2w", reminders.PauseArgs(2)),
        ("2 weeks", reminders.PauseArgs(2)),
        ("for 2 weeks", reminders.PauseArgs(2)),
        ("3w for finals", reminders.PauseArgs(3)),
        ("for finals", reminders.PauseArgs(0, "finals")),
        ("For  Finals", reminders.PauseArgs(0, "finals")),
        ("for a family visit", reminders.PauseArgs(0, "a family visit")),
    ],
)
def test_pause_parse(text: str, expected: reminders.PauseArgs) -> None:
    assert reminders.parse_pause(text, FRI) == expected


@pytest.mark.parametrize("text", ["13w", "0", "for 20 weeks", "99 weeks for finals"])
def test_pause_lengths_out_of_range_are_refused(text: str) -> None:
    with pytest.raises(UsageError, match="Pause for 1 to 12 weeks"):
        reminders.parse_pause(text, FRI)


def test_a_pause_for_another_reason_suggests_one_week(deps: Deps) -> None:
    say(deps, "ann", "/cohort join")
    reply = say(deps, "ann", "/cohort pause for a family visit")
    assert [b.text for b in buttons(reply) if b.style == "primary"] == ["pause 1w"]
    assert "exams" not in text_of(reply)
    assert count(deps.db, "pauses") == 0


def test_a_pause_with_a_length_and_a_reason_pauses_at_once(deps: Deps) -> None:
    say(deps, "ann", "/cohort join")
    assert "Paused until Fri 18 Dec" in text_of(say(deps, "ann", "/cohort pause 3w for finals"))
    assert paused_until(deps, "ann") == "2026-12-18"


# ---- /leaderboard periods ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "period"),
    [("weekly", "week"), ("this week", "week"), ("monthly", "month"), ("this month", "month"),
     ("Monthly", "month"), ("last week", "last_week"), ("Last  Week", "last_week"), ("previous week", "last_week"),
     ("last month", "last_month"), ("all time", "all"), ("lastweek", "last_week"), ("last-week", "last_week"),
     ("LastMonth", "last_month"), ("this_week", "week")],
)
def test_leaderboard_periods_parse(text: str, period: str) -> None:
    assert leaderboard.parse(text, FRI) == leaderboard.Args(period)


def test_last_week_is_the_previous_iso_week_and_shows_its_dates(deps: Deps) -> None:
    say(deps, "alice", "/interview Latham 11/18")  # last week
    say(deps, "bob", "/network Dana coffee 11/22")  # last week's Sunday
    say(deps, "bob", "/interview Weil 11/15")  # the week before: not in it
    say(deps, "alice", "/interview Cooley")  # this week: not in it
    say(deps, "carol", "/network Sam coffee 11/23")  # this week's Monday: not in it
    reply = say(deps, "alice", "/leaderboard last week")
    lines = text_of(reply).splitlines()
    assert lines[0] == "Leaderboard, last week (Mon 16 Nov to Sun 22 Nov)"
    cells = [tuple(plain(cell) for cell in row) for row in table_of(reply).rows]
    rows = {r[1].split(" (")[0]: r[3:] for r in cells}  # member -> (interviews, meetings)
    assert rows == {"alice": ("1", "0"), "bob": ("0", "1")}
    assert lines[-1].startswith("Cohort last week: 1 interview and 1 meeting from 2 members")


def test_a_past_period_with_nothing_says_so_without_asking_to_be_first(deps: Deps) -> None:
    say(deps, "alice", "/interview Cooley")
    text = text_of(say(deps, "alice", "/leaderboard last month"))
    assert text.splitlines()[0] == "Leaderboard, last month (Thu 1 Oct to Sat 31 Oct)"
    assert "Nobody logged anything in that period." in text and "Be the first" not in text


def test_period_titles_across_a_new_year() -> None:
    assert leaderboard.period_title("last_week", date(2027, 1, 6)) == "last week (Mon 28 Dec to Sun 3 Jan)"
    assert leaderboard.period_title("last_month", date(2027, 1, 6)) == "last month (Tue 1 Dec to Thu 31 Dec 2026)"
    assert leaderboard.period_span("last_week", date(2027, 1, 4)) == (date(2026, 12, 28), date(2027, 1, 3))
    assert leaderboard.period_span("week", FRI) == (date(2026, 11, 23), FRI)
