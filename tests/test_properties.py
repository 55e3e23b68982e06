"""Property-based tests: whatever a member types, dispatch answers, and no answer can ping or link anyone.

For every command, generated texts (any unicode including control characters and lone surrogates, Slack mrkdwn
and mentions, huge numbers, impossible dates, quotes, `--`) go through `commands.dispatch.dispatch` against a
fresh in-memory database that already holds a few entries (two workspaces, two members), with a frozen clock.

- dispatch never raises;
- a refused command (ok=False) says why and shows the usage line, and stores nothing;
- an accepted /interview or /network stores exactly the one row the reply names, or, when the reader is unsure, stores
  no entry and offers Save, Change and Cancel: pressing Save (the canonical text) stores exactly one row, at once,
  and Change and Cancel store nothing;
- the Block Kit rendering (`bot.transports.rendering.to_message`) validates with slack_sdk's models and carries no
  `<` or `>` at all (so no `<!channel>`, `<@U…>`, `<#C…>` or `<http…>` from user text survives: our own words use
  neither character), no bare `&`, and no live mrkdwn formatting from user text.

`pytest -m slow tests/test_properties.py` runs ten times as many examples.
"""

from __future__ import annotations

import functools
import json
import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block
from sqlite_utils import Database

from bot.transports.slack import rendering
from commands import REGISTRY
from commands.cohort import ACTIONS as EXTRA_ACTIONS
from commands.dispatch import dispatch
from commands.model import (
    Actions,
    Actor,
    Button,
    CommandRequest,
    Deps,
    Para,
    Reply,
    Strong,
    Table,
    UserText,
    Where,
    plain,
)
from storage import open_db

FRIDAY = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
MOMENTS = (FRIDAY, datetime(2026, 12, 31, 23, 30, tzinfo=UTC), datetime(2028, 2, 29, 12, 0, tzinfo=UTC),
           datetime(2027, 1, 1, 4, 59, tzinfo=UTC))
ZONES = (None, "", "America/New_York", "Pacific/Kiritimati", "Etc/GMT+12", "Not/A_Zone", "../../etc/passwd")
COMMANDS = tuple(REGISTRY)
COHORT_ACTIONS = ("help", "?", "join", "leave", "undo", "goal", "privacy", "delete", "remove", "share", "edit",
                  *EXTRA_ACTIONS)
DEFAULT_EXAMPLES = 200
SLOW_EXAMPLES = 2000

# ---- what members might type -----------------------------------------------------------------------------------

MARKUP = ["<!channel>", "<!here>", "<!everyone>", "<!subteam^S123|team>", "<!date^1392734382^{date}|x>", "<@U123>",
          "<@U123|dana>", "<@W0AB>", "<#C123>", "<#C123|general>", "<https://x|y>", "<http://evil.example>",
          "<mailto:a@b.c|mail>", "<tel:123>", "*b*", "_i_", "~s~", "`c`", "```code```", "> quote", ">>>", "&",
          "&amp;", "&lt;!channel&gt;", "&lt;", "&gt;", "&#60;", "&#x3C;", "<", ">", "<<>>", "<>", ":smile:",
          "@channel", "@here", "[x](https://y)", "https://example.com"]
NUMBERS = ["0", "-1", "1", "2", "12", "#1", "#2", "#3", "#0", "#999999999", "#1234567890", "9" * 30, "1e309", "NaN",
           "inf", "\u00bd", "\u00b2", "\u0663", "\uff11\uff12", "\u2167", "0x10", "+5", "4.5", "1_000"]
DATES = ["99/99/9999", "0/0", "00/00", "0/0/0", "2026-02-30", "2026-13-01", "2026-00-10", "31/31/2026", "1/1/0000",
         "12/31/99", "2/29", "2/29/2027", "2/29/2028", "9999-12-31", "0001-01-01", "feb 30", "30 feb", "nov 0",
         "nov 99999999999999999999", "99999999999999999999 nov", "nov \u00b2", "\u0663 nov", "today", "yesterday",
         "tomorrow", "last fri", "next tue", "this sun", "past mon", "mon", "11/20", "2026-11-20", "1.1.1",
         "2026/11/20", "11-20", "20.11.2026", "\u0661\u0661/\u0662\u0660"]
WORDS = ["--", "\u2014", "\u2013", "--share", "---", '"', "'", "\u201c", "\u201d", "\u2018", "\u2019",
         '"Wachtell, Lipton"', "'Ropes & Gray'", "\u201cDana Lee\u201d", "callback", "callbak", "screener",
         "offer", "rejection", "other", "coffee", "alumni call", "event", "informational interview", "week",
         "month", "all", "all-time", "help", "goal", "privacy", "named", "anonymous", "hidden", "org", "stage",
         "type", "date", "notes", "2w", "12w", "13w", "99 weeks", "off", "on", "#jobs", "#", "monday", "9am",
         "12pm", "25pm", "9:99", "up", "down", "general-tip", "yes", "no", "cancelled", "rescheduled"]
CONTROL = ["\x00", "\x1b[31m", "\r", "\r\n", "\n", "\t", "\x7f", "\x85", "\u200b", "\u200d", "\ufe0f", "\u202e",
           "\u2028", "\u2029", "\ufeff", "\u00ad", "\U000e0041", "\ud800", "\udfff", "\U0010ffff", "\ue000"]

any_char = st.characters(exclude_categories=())  # every code point, surrogates and controls included
piece = st.one_of(
    st.sampled_from(MARKUP + NUMBERS + DATES + WORDS + CONTROL + list(COHORT_ACTIONS)),
    st.text(max_size=12),
    st.text(any_char, max_size=4),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
)
numberish = st.one_of(  # digits of every script, superscripts, fractions, roman numerals; and huge numbers
    st.text(st.characters(categories=["Nd", "No", "Nl"]), min_size=1, max_size=3),
    st.integers(min_value=0, max_value=10**30).map(str),
)
texts = st.one_of(
    st.text(max_size=300),
    st.builds(lambda org, month, n, first: f"{org} {month} {n}" if first else f"{org} {n} {month}",
              st.sampled_from(["Latham", '"Ropes & Gray"', "<!here>"]), st.sampled_from(["nov", "Feb", "sept."]),
              numberish, st.booleans()),
    st.builds(lambda org, a, b, c: f"{org} {a}/{b}/{c}", st.sampled_from(["Latham", "Dana"]), numberish, numberish,
              numberish),
    st.text(any_char, max_size=60),
    st.lists(piece, max_size=10).map(" ".join),
    st.lists(piece, max_size=6).map("".join),
    st.builds(lambda head, tail: head + " -- " + tail, st.lists(piece, max_size=4).map(" ".join), st.text()),
    st.integers(min_value=1900, max_value=2500).map(lambda n: "x" * n),  # around the 2,000 character limit
)
cohort_texts = st.one_of(
    texts,
    st.builds(lambda action, rest: f"{action} {rest}", st.sampled_from(COHORT_ACTIONS), texts),
    st.builds(lambda action, n, rest: f"{action} {n} {rest}".strip(), st.sampled_from(COHORT_ACTIONS), numberish,
              st.sampled_from(["", "yes", "date nov 2", "org X", "w", "weeks", "pm", "\u00b2"])),
)


def text_for(name: str) -> st.SearchStrategy[str]:
    return cohort_texts if name == "cohort" else texts


# ---- a small, realistic database -------------------------------------------------------------------------------


def say(deps: Deps, name: str, text: str, *, workspace: str = "T1", user: str = "U1", tz: str | None = None,
        admin: bool = False) -> Reply:
    actor = Actor("slack", workspace, user, display_name=f"<@{user}> *{user}*", tz=tz, is_workspace_admin=admin)
    request = CommandRequest(name=name, text=text, actor=actor, where=Where("C1", "general"),
                             received_at=deps.clock(), source="slack:command")
    return dispatch(request, deps)


@functools.cache
def template() -> sqlite3.Connection:
    """Entries #1-#4 in workspace T1 (three of U1's: done, planned, an offer; one of U2's), #1 in T2 (U1's)."""
    db = open_db(":memory:")
    deps = Deps(db=db, clock=lambda: FRIDAY)
    for workspace, user, name, text in (
        ("T1", "U1", "interview", "Latham callback yesterday -- <!channel> notes"),
        ("T1", "U1", "network", '"Dana <@U9> Lee" coffee tomorrow'),
        ("T1", "U1", "interview", "*Cravath* offer"),
        ("T1", "U2", "interview", "<https://evil|Skadden> screener"),
        ("T2", "U1", "network", "Other workspace event"),
        ("T1", "U1", "cohort", "setup #jobs monday 9am"),
    ):
        reply = say(deps, name, text, workspace=workspace, user=user)
        assert reply.ok, plain(*reply.summary)
    return db.conn


def fresh_deps(now: datetime) -> Deps:
    """A private copy of the template database (fast: no migrations), and a clock frozen at `now`."""
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    template().backup(conn)
    conn.execute("PRAGMA foreign_keys = ON")
    return Deps(db=Database(conn, execute_plugins=False), clock=lambda: now)


def rows(deps: Deps) -> dict[str, list[tuple[Any, ...]]]:
    return {table: deps.db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in ("workspaces", "cohorts", "members", "activities", "pauses", "card_feedback", "deliveries")}


# ---- what a safe reply looks like ------------------------------------------------------------------------------

ENTITY = re.compile(r"&(?!(amp|lt|gt);)")
LIVE_MRKDWN = ("*b*", "_i_", "~s~", "`c`", "```code```")


def words_of(reply: Reply) -> str:
    out: list[str] = []
    for block in reply.blocks:
        if isinstance(block, Para):
            out.append(plain(*block.spans))
        elif isinstance(block, Table):
            out += [plain(*row) for row in block.rows]
    return "\n".join(out)


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


def without_button_values(node: Any) -> Any:
    """The message without its buttons' values: data our transport reads back, never shown or parsed by Slack
    (a draft's Save button carries the member's own words)."""
    if isinstance(node, dict):
        if node.get("type") == "button":
            value = json.loads(node["value"])
            assert set(value) == {"c", "t"} and value["c"] in REGISTRY, value
        return {k: without_button_values(v) for k, v in node.items() if not (k == "value" and "action_id" in node)}
    if isinstance(node, list):
        return [without_button_values(v) for v in node]
    return node


def assert_renders_safely(reply: Reply) -> None:
    message = without_button_values(rendering.to_message(reply))
    dumped = json.dumps(message, ensure_ascii=False)
    assert "<" not in dumped and ">" not in dumped, dumped
    assert not ENTITY.search(message["text"]), message["text"]  # the notification fallback: escaped, no markup
    for text in strings(message["blocks"]):
        assert not ENTITY.search(text), text
        if len(text) >= 6 and text.startswith("```") and text.endswith("```"):
            assert "```" not in text[3:-3], text  # a table: user text can't close the code block early
        else:
            for marker in LIVE_MRKDWN:
                assert marker not in text, text
    assert 0 < len(message["blocks"]) <= rendering.MAX_BLOCKS
    for block in message["blocks"]:
        parsed = Block.parse(block)
        assert parsed is not None, block
        parsed.validate_json()
    if reply.form is not None:  # the modal it opens is valid Block Kit too
        rendering.log_modal(reply.form, channel_id="C1")


def check_dispatch(name: str, text: str, now: datetime, tz: str | None, admin: bool) -> None:
    deps = fresh_deps(now)
    before = rows(deps)

    reply = say(deps, name, text, tz=tz, admin=admin)  # must not raise

    words = words_of(reply)
    assert "Something went wrong" not in words, words
    if not reply.ok:
        assert "Usage:" in words, words
        assert rows(deps) == before, "a refused command stored something"
    elif name in ("interview", "network"):
        after = rows(deps)["activities"]
        new = [row for row in after if row not in before["activities"]]
        if stores_nothing_on_purpose(reply):
            assert new == [], words  # a draft, the Change form or Cancel: no entry
            check_draft_buttons(deps, reply, tz)
        else:
            assert len(new) == 1, words  # exactly the one entry the reply confirms
    assert_renders_safely(reply)


def buttons_of(reply: Reply) -> dict[str, Button]:
    return {b.label: b for block in reply.blocks if isinstance(block, Actions) for b in block.buttons}


def stores_nothing_on_purpose(reply: Reply) -> bool:
    """A draft (it has Cancel), the Change form, or Cancel's answer."""
    return "Cancel" in buttons_of(reply) or reply.form is not None or words_of(reply).startswith("Cancelled")


def check_draft_buttons(deps: Deps, reply: Reply, tz: str | None) -> None:
    """Change and Cancel store nothing; Save stores exactly one entry, without asking again."""
    pressed = buttons_of(reply)
    for label in ("Change", "Cancel"):
        if label in pressed:
            before = rows(deps)
            answer = say(deps, pressed[label].command, pressed[label].text, tz=tz)
            assert answer.ok and rows(deps) == before, words_of(answer)
            assert (answer.form is not None) == (label == "Change")
            assert_renders_safely(answer)
    if "Save" in pressed:
        entries = rows(deps)["activities"]
        saved = say(deps, pressed["Save"].command, pressed["Save"].text, tz=tz)
        new = [row for row in rows(deps)["activities"] if row not in entries]
        assert len(new) == 1, (pressed["Save"].text, words_of(saved))
        assert_renders_safely(saved)


# ---- the properties --------------------------------------------------------------------------------------------


@st.composite
def situations(draw: st.DrawFn, name: str) -> tuple[str, datetime, str | None, bool]:
    return (draw(text_for(name)), draw(st.sampled_from(MOMENTS)), draw(st.sampled_from(ZONES)),
            draw(st.booleans()))


@pytest.mark.parametrize("name", COMMANDS)
def test_dispatch_answers_any_text_safely(name: str) -> None:
    @settings(max_examples=DEFAULT_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(situations(name))
    def run(case: tuple[str, datetime, str | None, bool]) -> None:
        check_dispatch(name, *case)

    run()


# Cases the properties found (or could find only rarely): each once, every run.
FOUND = [
    pytest.param("cohort", "goal \u00b2", id="superscript-goal"),
    pytest.param("cohort", "goal \u1369", id="ethiopic-digit-goal"),
    pytest.param("cohort", "goal \u0664", id="arabic-indic-goal"),
    pytest.param("cohort", "edit 1 date nov \u00b2", id="superscript-day-in-edit"),
    pytest.param("interview", "0 \u1369 NOV", id="ethiopic-day-before-month"),
    pytest.param("interview", "Latham nov \u00b2", id="superscript-day"),
    pytest.param("network", "Dana nov 2200000000", id="day-beyond-a-C-int"),
    pytest.param("network", "Dana 99999999999999999999999 nov", id="huge-day-first"),
    pytest.param("interview", "Latham \ud800 screener", id="lone-surrogate"),
    pytest.param("interview", "Latham -- \udfff", id="lone-surrogate-in-notes"),
    pytest.param("interview", "*b* <!channel>", id="mrkdwn-organisation"),
    pytest.param("cohort", "setup <#C123|<!channel>> monday 9am", id="channel-name-with-a-mention"),
    pytest.param("cohort", "admin <@U2|<!here>>", id="admin-mention-with-a-mention"),
    pytest.param("leaderboard", "<https://x|y>", id="link-as-period"),
    pytest.param("cohort", "happened \u0661 yes", id="arabic-indic-id"),
]


@pytest.mark.parametrize(("name", "text"), FOUND)
@pytest.mark.parametrize("now", [MOMENTS[0], MOMENTS[1]], ids=["friday", "new-years-eve"])
def test_dispatch_answers_texts_that_once_broke_it(name: str, text: str, now: datetime) -> None:
    check_dispatch(name, text, now, None, False)


@pytest.mark.slow
@pytest.mark.parametrize("name", COMMANDS)
def test_dispatch_answers_any_text_safely_many_examples(name: str) -> None:
    @settings(max_examples=SLOW_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(situations(name))
    def run(case: tuple[str, datetime, str | None, bool]) -> None:
        check_dispatch(name, *case)

    run()


@settings(max_examples=DEFAULT_EXAMPLES, deadline=None)
@given(name=st.one_of(st.text(max_size=20), st.sampled_from([f"/{n}" for n in COMMANDS] + ["INTERVIEW", "/foo",
                                                                                             "", "/", "cohort "])),
       text=texts)
def test_any_command_name_gets_an_answer(name: str, text: str) -> None:
    deps = fresh_deps(FRIDAY)
    reply = say(deps, name, text)
    assert "Something went wrong" not in words_of(reply)
    assert_renders_safely(reply)


@settings(max_examples=DEFAULT_EXAMPLES, deadline=None)
@given(spans=st.lists(st.one_of(st.builds(UserText, texts), st.builds(UserText, st.sampled_from(MARKUP))),
                      min_size=1, max_size=8),
       style=st.sampled_from(["normal", "muted"]))
def test_user_text_is_inert_in_any_reply(spans: list[UserText], style: str) -> None:
    """Any user text, however long or odd, in a paragraph or a table, renders to valid, inert Block Kit."""
    reply = Reply(blocks=(
        Para(("Logged ", Strong("callback"), " at ", *spans, "."), style=style),  # type: ignore[arg-type]
        Table(columns=("#", "Member"), rows=tuple((str(i), span) for i, span in enumerate(spans))),
        Para(("Notes: ", *spans), style="muted"),
    ))
    assert_renders_safely(reply)
