"""Parser tables: the text a member types -> the parsed arguments, or the exact usage error they are shown."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from commands import cohort, interview, leaderboard, network, progress
from commands.logs import Draft, LogArgs
from commands.parsing import UsageError, check_text, parse_date_words, tokenize

FRI = date(2026, 11, 27)  # a Friday
DATE_HELP = "Try today, yesterday, a weekday (tue), last fri, 11/20 or 2026-11-20."


def d(iso: str) -> date:
    return date.fromisoformat(iso)


# ---- dates -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "today", "expected"),
    [
        ("today", FRI, FRI),
        ("Today", FRI, FRI),
        ("yesterday", FRI, d("2026-11-26")),
        ("tomorrow", FRI, d("2026-11-28")),
        # A weekday name is the most recent one, today included.
        ("fri", FRI, FRI),
        ("tue", FRI, d("2026-11-24")),
        ("Tuesday", FRI, d("2026-11-24")),
        ("sat", FRI, d("2026-11-21")),
        ("mon", FRI, d("2026-11-23")),
        ("last fri", FRI, d("2026-11-20")),
        ("last mon", FRI, d("2026-11-23")),
        ("Last Thursday", FRI, d("2026-11-26")),
        ("next mon", FRI, d("2026-11-30")),
        ("next fri", FRI, d("2026-12-04")),
        ("next mon", d("2026-11-30"), d("2026-12-07")),  # on a Monday, "next mon" is a week ahead
        ("2026-11-20", FRI, d("2026-11-20")),
        ("2026-12-03", FRI, d("2026-12-03")),
        ("11/20", FRI, d("2026-11-20")),
        ("11/20/2026", FRI, d("2026-11-20")),
        ("11/20/26", FRI, d("2026-11-20")),
        ("nov 20", FRI, d("2026-11-20")),
        ("20 Nov", FRI, d("2026-11-20")),
        # Month/day without a year is the nearest such date: December typed in January is last December...
        ("12/20", d("2027-01-10"), d("2026-12-20")),
        ("dec 20", d("2027-01-10"), d("2026-12-20")),
        # ...and January typed in late December is the coming January (an upcoming interview).
        ("1/5", d("2026-12-20"), d("2027-01-05")),
        ("jan 5", d("2026-12-20"), d("2027-01-05")),
        ("12/20", FRI, d("2026-12-20")),
    ],
)
def test_dates(typed: str, today: date, expected: date) -> None:
    assert parse_date_words(typed.split(), today) == expected


@pytest.mark.parametrize("typed", ["Latham", "second round", "callback", "Dana Lee", "may", "3"])
def test_words_that_are_not_dates(typed: str) -> None:
    assert parse_date_words(typed.split(), FRI) is None


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("31/31/2026", f"There is no date 31/31/2026. Dates are month/day, like 11/20. {DATE_HELP}"),
        ("13/45", f"There is no date 13/45. Dates are month/day, like 11/20. {DATE_HELP}"),
        ("2/30", f"There is no date 2/30. Dates are month/day, like 11/20. {DATE_HELP}"),
        ("2026-02-30", f"There is no date 2026-02-30. Dates are month/day, like 11/20. {DATE_HELP}"),
        ("feb 30", f"There is no date feb 30. Dates are month/day, like 11/20. {DATE_HELP}"),
        ("11-20-2026", f"I can't read 11-20-2026 as a date. {DATE_HELP}"),
        ("11/20/2024", f"11/20/2024 is more than two years ago. {DATE_HELP}"),
        ("2024-11-01", f"2024-11-01 is more than two years ago. {DATE_HELP}"),
        ("2028-01-01", f"2028-01-01 is more than a year ahead. {DATE_HELP}"),
    ],
)
def test_date_errors(typed: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_date_words(typed.split(), FRI)
    assert caught.value.message == message


# ---- tokens and text checks --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words", "notes"),
    [
        ('"Wachtell, Lipton" screener', ["Wachtell, Lipton", "screener"], None),
        ("\u201cWachtell, Lipton\u201d screener", ["Wachtell, Lipton", "screener"], None),  # smart double quotes
        ("\u201cWachtell, Lipton\" OCI", ["Wachtell, Lipton", "OCI"], None),  # mixed smart and plain
        ("\u2018Davis Polk\u2019 coffee", ["Davis Polk", "coffee"], None),  # smart single quotes
        ("O'Melveny callback", ["O'Melveny", "callback"], None),  # an apostrophe inside a word is not a quote
        ("Latham -- met two partners", ["Latham"], "met two partners"),
        ("Latham \u2014 met two partners", ["Latham"], "met two partners"),  # em dash (autocorrected --)
        ("Latham \u2013 met two partners", ["Latham"], "met two partners"),  # en dash
        ("Latham -- notes -- with -- dashes", ["Latham"], "notes -- with -- dashes"),
        ("Latham--not-a-marker", ["Latham--not-a-marker"], None),
        ("-- only notes", [], "only notes"),
    ],
)
def test_tokenize(text: str, words: list[str], notes: str | None) -> None:
    tokens, found_notes = tokenize(text)
    assert [t.text for t in tokens] == words
    assert found_notes == notes


def test_unclosed_quote() -> None:
    with pytest.raises(UsageError) as caught:
        tokenize('"Wachtell, Lipton screener')
    assert caught.value.message == 'A quote is opened but never closed. Close it, like "Wachtell, Lipton".'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x" * 2001, "That is 2,001 characters; the limit is 2,000. Keep notes short, or split them over two entries."),
        ("Latham\x00", "The text contains an invisible control character (U+0000). Retype it without pasting from "
                       "a terminal or a document."),
        ("Latham \x1b[31m", "The text contains an invisible control character (U+001B). Retype it without pasting "
                            "from a terminal or a document."),
        ("Latham\u202e", "The text contains an invisible control character (U+202E). Retype it without pasting "
                         "from a terminal or a document."),
    ],
)
def test_check_text_rejects(text: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        check_text(text, 2000)
    assert caught.value.message == message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x" * 2000, "x" * 2000),
        ("Latham\tcallback", "Latham callback"),
        ("line one\nline two", "line one\nline two"),
        ("\U0001f468\u200d\U0001f4bc lawyer \u2764\ufe0f", "\U0001f468\u200d\U0001f4bc lawyer \u2764\ufe0f"),
    ],
)
def test_check_text_accepts(text: str, expected: str) -> None:
    assert check_text(text, 2000) == expected


# ---- /interview and /network -------------------------------------------------------------------------


def log(kind: str, org: str, subtype: str, day: date = FRI, notes: str = "", understood: str | None = None,
        share: bool = False) -> LogArgs:
    return LogArgs(kind=kind, org=org, subtype=subtype, understood_from=understood, day=day, notes=notes,
                   share=share)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Latham callback yesterday -- met two partners",
         log("interview", "Latham", "callback", d("2026-11-26"), "met two partners")),
        ('"Wachtell, Lipton" screener', log("interview", "Wachtell, Lipton", "screener")),
        ("\u201cWachtell, Lipton\u201d screener", log("interview", "Wachtell, Lipton", "screener")),
        ("Wachtell, Lipton screener", log("interview", "Wachtell, Lipton", "screener")),
        ("Latham", log("interview", "Latham", "other")),
        ("Latham & Watkins", log("interview", "Latham & Watkins", "other")),
        ("Skadden offer", log("interview", "Skadden", "offer")),
        # Synonyms, and which words were understood as what.
        ("Latham OCI", log("interview", "Latham", "screener", understood="OCI")),
        ("Latham on campus", log("interview", "Latham", "screener", understood="on campus")),
        ("Latham second round", log("interview", "Latham", "callback", understood="second round")),
        ("Latham office visit tue", log("interview", "Latham", "callback", d("2026-11-24"),
                                        understood="office visit")),
        ("Judge Chen chambers", log("interview", "Judge Chen", "clerkship", understood="chambers")),
        ("Cravath dinged", log("interview", "Cravath", "rejection", understood="dinged")),
        # The date and the stage in either order; two-word dates.
        ("Latham callback tue", log("interview", "Latham", "callback", d("2026-11-24"))),
        ("Latham tue callback", log("interview", "Latham", "callback", d("2026-11-24"))),
        ("Latham last fri callback", log("interview", "Latham", "callback", d("2026-11-20"))),
        ("Latham callback next mon", log("interview", "Latham", "callback", d("2026-11-30"))),
        ("Latham 11/20", log("interview", "Latham", "other", d("2026-11-20"))),
        ("Latham 2026-11-20", log("interview", "Latham", "other", d("2026-11-20"))),
        # Notes: after --, after an em dash; notes may hold anything, the quotes and words are kept.
        ("Latham \u2014 met two partners", log("interview", "Latham", "other", notes="met two partners")),
        ('Latham -- "great" callback tue', log("interview", "Latham", "other", notes='"great" callback tue')),
        # --share anywhere before the notes.
        ("Latham callback --share", log("interview", "Latham", "callback", share=True)),
        ("--share Latham callback -- nice", log("interview", "Latham", "callback", notes="nice", share=True)),
        ("Latham callback -- --share", log("interview", "Latham", "callback", notes="--share")),
        # A quoted name is kept whole, even when it looks like a stage or a date.
        ('"Callback Partners LLP" screener', log("interview", "Callback Partners LLP", "screener")),
        ('"Offer" callback', log("interview", "Offer", "callback")),
    ],
)
def test_interview_parse(text: str, expected: LogArgs) -> None:
    assert interview.parse(text, FRI) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"Dana Lee, Ropes & Gray" informational tuesday',
         log("networking", "Dana Lee, Ropes & Gray", "informational", d("2026-11-24"))),
        ("Dana Lee", log("networking", "Dana Lee", "informational")),
        # "alumni call" is the type's own name: nothing to explain ("I read 'alumni call' as alumni call").
        ("Cooley alumni call last fri", log("networking", "Cooley", "alumni", d("2026-11-20"))),
        ("Dana coffee", log("networking", "Dana", "coffee")),
        ("Dana coffee chat yesterday", log("networking", "Dana", "coffee", d("2026-11-26"),
                                           understood="coffee chat")),
        ("Dana info interview", log("networking", "Dana", "informational", understood="info interview")),
        ("NYSBA event -- met three litigators", log("networking", "NYSBA", "event", notes="met three litigators")),
        ("Sam referral", log("networking", "Sam", "referral")),
        ("Sam lunch", log("networking", "Sam", "coffee", understood="lunch")),
        ("\u2018Pat Kim\u2019 coffee \u2014 ask about clerkships",
         log("networking", "Pat Kim", "coffee", notes="ask about clerkships")),
    ],
)
def test_network_parse(text: str, expected: LogArgs) -> None:
    assert network.parse(text, FRI) == expected


NO_DATE = f"Dates are month/day, like 11/20. {DATE_HELP}"


@pytest.mark.parametrize(
    ("parse", "text", "message"),
    [
        (interview.parse, '"Latham" xyzzy',
         "I don't understand 'xyzzy' after the organisation. Put notes after --."),
        # "callback" is read wherever it is; what is left after the quoted name is refused.
        (interview.parse, '"Latham" callback blue',
         "I don't understand 'blue' after the organisation. Put notes after --."),
        (interview.parse, '""', "Tell me the organisation first."),
        (interview.parse, '"   "', "Tell me the organisation first."),
        (interview.parse, "-- notes only", "Tell me the organisation first."),
        (interview.parse, "callback", "'callback' looks like a stage or a date, but the organisation is missing."),
        (interview.parse, "yesterday", "'yesterday' looks like a stage or a date, but the organisation is missing."),
        (interview.parse, "Latham 31/31/2026", f"There is no date 31/31/2026. {NO_DATE}"),
        (interview.parse, "Latham callback 2/30", f"There is no date 2/30. {NO_DATE}"),
        (interview.parse, "Latham 11/20/2024", f"11/20/2024 is more than two years ago. {DATE_HELP}"),
        (interview.parse, "Latham \u201ccallback", 'A quote is opened but never closed. Close it, like '
                                                     '"Wachtell, Lipton".'),
        (interview.parse, "L" * 201, "The organisation is 201 characters; keep it under 200. Put detail in notes."),
        (network.parse, "", "Tell me the person or organisation first."),
        (network.parse, "coffee", "'coffee' looks like a meeting type or a date, but the person or organisation "
                                  "is missing."),
    ],
)
def test_log_parse_errors(parse: Any, text: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse(text, FRI)
    assert caught.value.message == message


# A typo near a stage or type used to be refused ("Unknown stage 'callbak'. Did you mean 'callback'?"); now the line
# is shown back with the word it looks like, to save with one press.
@pytest.mark.parametrize(
    ("parse", "text", "subtype", "day"),
    [
        (interview.parse, "Latham callbak", "callback", FRI),
        (interview.parse, '"Latham" callbak', "callback", FRI),
        (interview.parse, "Latham screner tue", "screener", d("2026-11-24")),
        (network.parse, "Dana evnt", "event", FRI),
        (network.parse, '"Dana Lee" cofee', "coffee", FRI),
    ],
)
def test_typos_are_asked_about(parse: Any, text: str, subtype: str, day: date) -> None:
    parsed = parse(text, FRI)
    assert isinstance(parsed, Draft)
    assert (parsed.understood.subtype, parsed.understood.day) == (subtype, day)
    assert parsed.understood.reasons


# ---- /leaderboard, /progress, /cohort ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "period"),
    [("", "week"), ("week", "week"), ("  Week ", "week"), ("this week", "week"), ("month", "month"),
     ("m", "month"), ("all", "all"), ("all-time", "all"), ("ever", "all")],
)
def test_leaderboard_parse(text: str, period: str) -> None:
    assert leaderboard.parse(text, FRI) == leaderboard.Args(period)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("year", "I don't know the period 'year'. Choose week, month, all, last week or last month."),
        # "last week" is a period now (the leaderboard's own change); "next week" never is.
        ("next week", "I don't know the period 'next week'. Choose week, month, all, last week or last month."),
    ],
)
def test_leaderboard_parse_errors(text: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        leaderboard.parse(text, FRI)
    assert caught.value.message == message


def test_progress_parse() -> None:
    assert progress.parse("  ", FRI) == progress.Args()
    with pytest.raises(UsageError) as caught:
        progress.parse("month", FRI)
    assert caught.value.message == "/progress takes no options; it shows your own week."


A = cohort.Args


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", A("help")),
        ("help", A("help")),
        ("JOIN", A("join")),
        ("leave", A("leave")),
        ("undo", A("undo")),
        ("goal 4", A("goal", number=4)),
        ("goal 50", A("goal", number=50)),
        ("privacy anonymous", A("privacy", choice="anonymous")),
        ("privacy Hidden", A("privacy", choice="hidden")),
        ("delete 12", A("delete", number=12)),
        ("delete #12", A("delete", number=12)),
        ("remove 12", A("delete", number=12)),
        ("share 3", A("share", number=3)),
        ("edit 12 stage callback", A("edit", number=12, field="subtype", value="callback")),
        ("edit #12 type coffee", A("edit", number=12, field="subtype", value="coffee")),
        ("edit 12 date last fri", A("edit", number=12, field="happened_on", value="last fri")),
        ("edit 12 org Wachtell, Lipton", A("edit", number=12, field="org", value="Wachtell, Lipton")),
        ("edit 12 notes met two partners", A("edit", number=12, field="notes", value="met two partners")),
        ("edit #12", A("edit", number=12)),  # no field: the transport opens the entry in a form
    ],
)
def test_cohort_parse(text: str, expected: cohort.Args) -> None:
    assert cohort.parse(text, FRI) == expected


EDIT_HELP = "Fields: org, stage (or type), date, notes."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("frob", "/cohort has no 'frob' option."),
        ("leave now", "/cohort leave takes nothing after it."),
        ("goal 0", "A weekly goal is a whole number of entries from 1 to 50, like /cohort goal 4."),
        ("goal 51", "A weekly goal is a whole number of entries from 1 to 50, like /cohort goal 4."),
        ("goal lots", "A weekly goal is a whole number of entries from 1 to 50, like /cohort goal 4."),
        ("privacy loud", "Privacy is named, anonymous or hidden, like /cohort privacy anonymous."),
        ("delete", "Which entry? Give its id, like /cohort delete 12. /progress lists your ids."),
        ("delete twelve", "'twelve' is not an entry id. Ids look like #12; /progress lists yours."),
        ("edit", f"Edit needs an id, a field and a new value, like /cohort edit 12 stage callback. {EDIT_HELP}"),
        ("edit 12 stage", f"Edit needs an id, a field and a new value, like /cohort edit 12 stage callback. "
                          f"{EDIT_HELP}"),
        ("edit 12 colour red", f"I can't edit 'colour'. {EDIT_HELP}"),
        ("edit x stage callback", "'x' is not an entry id. Ids look like #12; /progress lists yours."),
    ],
)
def test_cohort_parse_errors(text: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        cohort.parse(text, FRI)
    assert caught.value.message == message
