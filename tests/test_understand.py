"""The reader's parts: days and times anywhere in a line, Slack's markup, quotes, and the canonical text of a draft.

The property at the end is what makes Save safe: for any name, subtype, day, time, notes and share flag, the text
a Save button carries is read back for sure, to exactly the same fields.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands.drafts import canonical, fits, when
from commands.lexicon import INTERVIEW, NETWORKING, Vocabulary
from commands.model import plain
from commands.parsing import UsageError, describe_time, describe_when
from commands.understand import Understood, understand
from commands.words import quote_name, split_words

FRI = date(2026, 11, 27)


def d(iso: str) -> date:
    return date.fromisoformat(iso)


def reasons(read: Understood) -> list[str]:
    return [plain(*reason) for reason in read.reasons]


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("", FRI), ("today", FRI), ("tonight", FRI), ("this morning", FRI), ("this afternoon", FRI),
        ("earlier today", FRI), ("yesterday", d("2026-11-26")), ("yday", d("2026-11-26")),
        ("last night", d("2026-11-26")), ("yesterday afternoon", d("2026-11-26")), ("tomorrow", d("2026-11-28")),
        ("tmrw", d("2026-11-28")), ("tomorrow morning", d("2026-11-28")), ("the day before yesterday",
                                                                              d("2026-11-25")),
        ("3 days ago", d("2026-11-24")), ("three days ago", d("2026-11-24")), ("a day ago", d("2026-11-26")),
        ("a week ago", d("2026-11-20")), ("2 weeks ago", d("2026-11-13")), ("in 3 days", d("2026-11-30")),
        ("2 days from now", d("2026-11-29")), ("fri", FRI), ("on Tuesday", d("2026-11-24")),
        ("last fri", d("2026-11-20")), ("this past Monday", d("2026-11-23")), ("next mon", d("2026-11-30")),
        ("this thu", d("2026-12-03")), ("this coming Thursday", d("2026-12-03")), ("tue last week", d("2026-11-17")),
        ("wed next week", d("2026-12-02")), ("Monday morning", d("2026-11-23")), ("Dec 3rd", d("2026-12-03")),
        ("Dec. 1", d("2026-12-01")), ("December 3", d("2026-12-03")), ("3 Dec", d("2026-12-03")),
        ("the 3rd of December", d("2026-12-03")), ("on Dec 3, 2026", d("2026-12-03")), ("Nov 20th", d("2026-11-20")),
        ("12/1", d("2026-12-01")), ("12/01/2026", d("2026-12-01")), ("12/1/26", d("2026-12-01")),
        ("2026-12-03", d("2026-12-03")), ("Jan 5", d("2027-01-05")), ("Thurs 12/3", d("2026-12-03")),
    ],
)
def test_days_anywhere(typed: str, day: date) -> None:
    for text in (f"Cravath callback {typed}", f"{typed} callback at Cravath"):
        read = understand(text.strip(), INTERVIEW, FRI)
        assert (read.name, read.day, read.reasons) == ("Cravath", day, ()), (text, reasons(read))


@pytest.mark.parametrize("typed", ["last week", "this week", "next week", "next month", "last month", "sometime",
                                   "soon", "recently", "the other day", "a few days ago", "a couple of days ago",
                                   "on the 1st", "the 12th", "in December", "early Dec", "mid-december",
                                   "over the weekend", "this weekend", "upcoming", "later", "December"])
def test_what_is_not_one_day_is_asked_about(typed: str) -> None:
    read = understand(f"Cravath callback {typed}", INTERVIEW, FRI)
    assert (read.name, read.day) == ("Cravath", None)
    assert any("is not one day" in reason for reason in reasons(read)), reasons(read)


@pytest.mark.parametrize(
    ("typed", "time"),
    [("2pm", "14:00"), ("at 10am", "10:00"), ("@ 4pm", "16:00"), ("14:30", "14:30"), ("09:30", "09:30"),
     ("noon", "12:00"), ("at noon", "12:00"), ("12:30pm", "12:30"), ("12am", "00:00"), ("10 a.m.", "10:00"),
     ("9:00AM", "09:00"), ("2:45 PM", "14:45"), ("2-3pm", "14:00"), ("11-1pm", "11:00"), ("around 3pm", "15:00"),
     ("12:15", "12:15"), ("20:00", "20:00")],
)
def test_times_are_read_and_never_part_of_a_name(typed: str, time: str) -> None:
    read = understand(f"Cravath callback tomorrow {typed}", INTERVIEW, FRI)
    assert (read.name, read.time, read.reasons) == ("Cravath", time, ()), reasons(read)


@pytest.mark.parametrize("typed", ["at 2", "2:30", "at 10:30", "25pm", "13pm", "9:99", "10ish", "2 o'clock",
                                   "around 3"])
def test_unclear_times_are_asked_about_and_left_out_of_the_name(typed: str) -> None:
    read = understand(f"Cravath callback tomorrow {typed}", INTERVIEW, FRI)
    assert (read.name, read.time) == ("Cravath", None)
    assert any("is not a time I can read for sure" in reason for reason in reasons(read)), reasons(read)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("coffee with <@U123|Jane Doe> from Kirkland", "Jane Doe (Kirkland)"),
        ("coffee with <@U123|Jane Doe>", "Jane Doe"),
        ("<#C123|nysba-events> reception", "nysba-events"),
        ("coffee with <mailto:jane@kirkland.com|Jane Park>", "Jane Park"),
        ("reception at <https://www.nycbar.org|NYC Bar>", "NYC Bar"),
        ("coffee with <@U123>", "<@U123>"),  # no name to read: kept as sent
        ('coffee with "Dana <@U9> Lee"', "Dana <@U9> Lee"),  # quoted: exactly as typed
    ],
)
def test_slack_markup_is_read_as_its_label(text: str, name: str) -> None:
    read = understand(text, NETWORKING, FRI)
    assert read.name == name, reasons(read)


@pytest.mark.parametrize("name", ['Dana "DJ" Lee', "O'Melveny", "\u201cThe\u201d Firm", 'a"b\u201dc\u201cd', '"',
                                  "Wachtell, Lipton", "  spaced  ".strip(), "x -- y", "\U0001f389"])
def test_a_quoted_name_reads_back_exactly(name: str) -> None:
    words, notes = split_words(f"{quote_name(name)} callback -- n")
    assert (words[0].text, words[0].quoted, notes) == (name, True, "n")


def test_wording() -> None:
    assert describe_time("14:00") == "2:00pm" and describe_time("09:30") == "9:30am"
    assert describe_time("12:00") == "noon" and describe_time("00:15") == "12:15am"
    assert describe_when(d("2026-12-03"), FRI, "14:00") == "Thu 3 Dec at 2:00pm (upcoming)"
    assert describe_when(FRI, FRI, "09:30") == "today at 9:30am"
    read = understand("callback at Cravath Dec 3 2pm", INTERVIEW, FRI)
    assert when(read, FRI) == "Thu 3 Dec, 2:00pm, upcoming"


def test_out_of_range_days_are_refused_as_before() -> None:
    for text, message in (("Cravath 11/20/2024", "11/20/2024 is more than two years ago."),
                          ("Cravath Dec 3 2028", "dec 3 2028 is more than a year ahead."),
                          ("Cravath 1000 weeks ago", "1000 weeks ago is more than two years ago.")):
        with pytest.raises(UsageError) as caught:
            understand(text, INTERVIEW, FRI)
        assert caught.value.message.startswith(message)


# ---- Save is safe: the canonical text reads back for sure, to the same fields ------------------------------

printable = st.characters(exclude_categories=("Cc", "Cf", "Cs", "Zl", "Zp"))
names = st.text(printable, min_size=1, max_size=60).map(str.strip).filter(bool)
notes = st.text(printable, max_size=80).map(str.strip)
times = st.one_of(st.none(), st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59)))


@settings(max_examples=300, deadline=None)
@given(vocabulary=st.sampled_from([INTERVIEW, NETWORKING]), name=names, notes=notes, time=times,
       offset=st.integers(-700, 360), share=st.booleans(), data=st.data())
def test_the_save_text_reads_back_exactly_and_surely(vocabulary: Vocabulary, name: str, notes: str,
                                                     time: str | None, offset: int, share: bool,
                                                     data: st.DataObject) -> None:
    subtype = data.draw(st.sampled_from(sorted(set(vocabulary.table.values()))))
    read = Understood(kind=vocabulary.kind, name=name, subtype=subtype, typed_kind=None,
                      day=FRI + timedelta(days=offset), time=time, notes=notes, share=share)
    text = canonical(read)
    assert fits(read.command, text) or len(text) > 900
    again = understand(text, vocabulary, FRI)
    assert again == read, (text, reasons(again))
