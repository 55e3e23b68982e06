"""Days and times as members type them, anywhere in a line, for `commands.understand`.

`match_day` and `match_time` look at normalised words (see `commands.words`) from one position and say how many
words they read and what they mean. A day is exactly one day ("yesterday", "3 days ago", "last fri", "Dec 3rd",
"12/1", "2026-12-03") or, when it is not one day ("next month", "sometime", "on the 1st"), `vague`, so the
caller asks instead of guessing. A time is "14:00"-style, or None when the hour is unclear ("at 2", "2:30"
without am or pm), so it is asked about and never read as part of a name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from commands.parsing import MONTHS, WEEKDAYS, UsageError, checked, make_date, nearest_date, parse_date_words


@dataclass(frozen=True)
class DayMatch:
    length: int
    day: date | None  # None: the words name no single day
    vague: bool = False
    weekday: int | None = None  # read from a weekday's name (0 = Monday), to check it against a date beside it


@dataclass(frozen=True)
class TimeMatch:
    length: int
    time: str | None  # "14:00"; None when the hour is unclear


RELATIVE = {"today": 0, "tonight": 0, "tdy": 0, "now": 0, "yesterday": -1, "yday": -1, "yest": -1, "ystrdy": -1,
            "tomorrow": 1, "tmrw": 1, "tmr": 1, "tmw": 1, "tmrow": 1, "tomo": 1, "tommorow": 1, "tomorow": 1,
            "tommorrow": 1, "2morrow": 1, "2moro": 1}
PARTS = {"morning", "afternoon", "evening", "night"}
_PREFIX = {"last": "last", "past": "last", "this": "this", "next": "next", "coming": "next"}
_WEEK_OFFSET = {"last": -7, "this": 0, "next": 7}
_COUNT = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
          "nine": 9, "ten": 10}
_VAGUE_COUNT = {"few", "couple", "several", "some", "many"}
_UNITS: dict[str, int | None] = {"day": 1, "days": 1, "week": 7, "weeks": 7, "wk": 7, "wks": 7, "month": None,
                                 "months": None}
_VAGUE_MONTH_PREFIX = {"in", "early", "mid", "late", "during", "beginning", "end"}
_NAME_MONTHS = {"may", "june", "april", "august", "jan", "mar", "jun"}  # also first names: a date only beside a day
ORDINAL_NOUNS = {"circuit", "cir", "district", "dist", "floor", "fl", "ave", "avenue", "street", "st", "amendment",
                 "department", "dept", "division", "div", "year", "grade", "place", "precinct", "ward"}
_PERIODS = [p.split() for p in (
    "last week", "this week", "next week", "last month", "this month", "next month", "this weekend",
    "last weekend", "next weekend", "the weekend", "over the weekend", "this past weekend", "on the weekend",
    "sometime", "some time", "soon", "later", "recently", "earlier", "the other day", "a while ago", "a while back",
    "in a bit", "next few days", "the next few days", "this semester", "last semester", "next semester",
    "over break", "tbd", "tba", "end of the week", "end of the month", "end of next week", "end of the year",
    "early next week", "later this week", "later this month", "early next month", "next year", "last year",
    "this year", "someday", "one day", "eventually", "asap", "in the morning", "in the afternoon",
    "in the evening", "this fall", "this spring", "this summer", "last fall", "last spring", "last summer",
    "next fall", "next spring", "next summer", "over the summer", "winter break", "spring break", "fall break",
    "upcoming")]
_PERIOD_STARTS: dict[str, list[list[str]]] = {}
for _words in sorted(_PERIODS, key=len, reverse=True):
    _PERIOD_STARTS.setdefault(_words[0], []).append(_words)

_DAY_NUMBER = re.compile(r"^([0-9]{1,2})(?:st|nd|rd|th)?$")
_ORDINAL = re.compile(r"^[0-9]{1,2}(?:st|nd|rd|th)$")
_YEAR = re.compile(r"^([0-9]{4})$")
_NUMERIC = re.compile(r"^[0-9]+[/\-.][0-9/\-.]+$")
_MID_MONTH = re.compile(r"^(?:early|mid|late)-([a-z]+)$")
_STARTS = (set(RELATIVE) | set(WEEKDAYS) | set(MONTHS) | set(_PREFIX) | set(_COUNT) | _VAGUE_COUNT
           | _VAGUE_MONTH_PREFIX | set(_PERIOD_STARTS) | {"on", "the", "day", "earlier", "later"})


def _at(words: Sequence[str], i: int) -> str:
    return words[i] if 0 <= i < len(words) else ""


def match_day(words: Sequence[str], i: int, today: date) -> DayMatch | None:
    """The day the words from `i` name, if they name one (or name a time that is not one day)."""
    first = _at(words, i)
    if not first or (first not in _STARTS and not first[0].isdigit() and not _MID_MONTH.match(first)):
        return None
    if first == "on":
        found = match_day(words, i + 1, today)
        return DayMatch(found.length + 1, found.day, found.vague, found.weekday) if found else None
    best: DayMatch | None = None
    for matcher in (_relative, _count_ago, _weekday, _month_day, _numeric, _ordinal, _period, _vague_month):
        found = matcher(words, i, today)
        if found is not None and (best is None or found.length > best.length):
            best = found
    return best


def _relative(words: Sequence[str], i: int, today: date) -> DayMatch | None:
    j = i + 1 if _at(words, i) in ("earlier", "later") else i
    w = _at(words, j)
    k = j + (w == "the")
    if w in RELATIVE:
        offset, j = RELATIVE[w], j + 1
    elif w == "this" and _at(words, j + 1) in ("morning", "afternoon", "evening"):
        offset, j = 0, j + 2
    elif w == "last" and _at(words, j + 1) == "night":
        offset, j = -1, j + 2
    elif _at(words, k) == "day" and (_at(words, k + 1), _at(words, k + 2)) in (("before", "yesterday"),
                                                                              ("after", "tomorrow")):
        offset, j = (-2 if _at(words, k + 1) == "before" else 2), k + 3
    else:
        return None
    if _at(words, j) in PARTS:
        j += 1
    return DayMatch(j - i, today + timedelta(days=offset))


def _count(words: Sequence[str], i: int) -> tuple[int | None, int] | None:
    """A number of days or weeks: (the number or None when vague, how many words)."""
    w = _at(words, i)
    if w == "a" and _at(words, i + 1) in _VAGUE_COUNT:
        return None, 2 + (_at(words, i + 2) == "of")
    if w in _VAGUE_COUNT:
        return None, 1 + (_at(words, i + 1) == "of")
    if w in _COUNT:
        return _COUNT[w], 1
    if w.isascii() and w.isdigit() and len(w) <= 4:
        return int(w), 1
    return None


def _count_ago(words: Sequence[str], i: int, today: date) -> DayMatch | None:
    ahead = _at(words, i) == "in"
    start = i + ahead
    counted = _count(words, start)
    if counted is None or _at(words, start + counted[1]) not in _UNITS:
        return None
    number, j = counted[0], start + counted[1]
    unit = _UNITS[_at(words, j)]
    j += 1
    if not ahead and _at(words, j) in ("ago", "back", "earlier"):
        sign, j = -1, j + 1
    elif not ahead and (_at(words, j), _at(words, j + 1)) == ("from", "now"):
        sign, j = 1, j + 2
    elif ahead:
        sign = 1
    else:
        return None
    if number is None or unit is None:
        return DayMatch(j - i, None, vague=True)
    typed = " ".join(words[i:j])
    if number * unit > 1000:
        checked(today + timedelta(days=sign * 1000), today, typed)
    return DayMatch(j - i, checked(today + timedelta(days=sign * number * unit), today, typed))


def _weekday(words: Sequence[str], i: int, today: date) -> DayMatch | None:
    j, kind = i, "bare"
    if _at(words, j) == "this" and _at(words, j + 1) in ("past", "coming"):
        kind, j = ("last" if _at(words, j + 1) == "past" else "next"), j + 2
    elif _at(words, j) in _PREFIX:
        kind, j = _PREFIX[_at(words, j)], j + 1
    weekday = WEEKDAYS.get(_at(words, j))
    if weekday is None:
        return None
    j += 1
    if kind == "bare" and _at(words, j) in _WEEK_OFFSET and _at(words, j + 1) == "week":  # "tue last week"
        monday = today - timedelta(days=today.weekday()) + timedelta(days=_WEEK_OFFSET[_at(words, j)])
        day, j = monday + timedelta(days=weekday), j + 2
    elif kind in ("bare", "last"):
        back = (today.weekday() - weekday) % 7
        day = today - timedelta(days=back or (7 if kind == "last" else 0))
    else:
        ahead = (weekday - today.weekday()) % 7
        day = today + timedelta(days=ahead or (7 if kind == "next" else 0))
    if _at(words, j) in PARTS:
        j += 1
    return DayMatch(j - i, day, weekday=weekday)


def _month_day(words: Sequence[str], i: int, today: date) -> DayMatch | None:
    j = i
    month = MONTHS.get(_at(words, j))
    if month is not None:
        j += 1 + (_at(words, j + 1) == "the")
        number = _DAY_NUMBER.match(_at(words, j))
        if number is None:
            return None
    else:
        j += _at(words, j) == "the"
        number = _DAY_NUMBER.match(_at(words, j))
        if number is None:
            return None
        j += _at(words, j + 1) == "of"
        month = MONTHS.get(_at(words, j + 1))
        if month is None:
            return None
        j += 1
    j += 1
    year = _YEAR.match(_at(words, j))
    typed = " ".join(words[i:j + (year is not None)])
    if year is not None:
        return DayMatch(j + 1 - i, checked(make_date(int(year[1]), month, int(number[1]), typed), today, typed))
    return DayMatch(j - i, checked(nearest_date(month, int(number[1]), today, typed), today, typed))


def _numeric(words: Sequence[str], i: int, today: date) -> DayMatch | None:
    w = _at(words, i)
    if not _NUMERIC.match(w):
        return None
    day = parse_date_words([w], today)
    if day is None:  # not reached: every such word is a date or an error
        raise UsageError("I can't read ", w, " as a date.")
    return DayMatch(1, day)


def _ordinal(words: Sequence[str], i: int, today: date) -> DayMatch | None:
    """"the 1st", "3rd": a day of some month, not said which."""
    j = i + (_at(words, i) == "the")
    if not _ORDINAL.match(_at(words, j)) or _at(words, j + 1) in ORDINAL_NOUNS:
        return None
    return DayMatch(j + 1 - i, None, vague=True)


def _period(words: Sequence[str], i: int, today: date) -> DayMatch | None:
    for phrase in _PERIOD_STARTS.get(_at(words, i), ()):
        if all(_at(words, i + k) == w for k, w in enumerate(phrase)):
            return DayMatch(len(phrase), None, vague=True)
    return None


def _vague_month(words: Sequence[str], i: int, today: date) -> DayMatch | None:
    """"in December", "early Dec", "mid-december", or a month alone: not one day."""
    w = _at(words, i)
    if _MID_MONTH.match(w) and _MID_MONTH.match(w)[1] in MONTHS:  # type: ignore[index]
        return DayMatch(1, None, vague=True)
    if w in _VAGUE_MONTH_PREFIX:
        j = i + 1 + (_at(words, i + 1) == "of")
        if _at(words, j) in MONTHS:
            return DayMatch(j + 1 - i, None, vague=True)
        return None
    if w in MONTHS and w not in _NAME_MONTHS:
        return DayMatch(1, None, vague=True)
    return None


# ---- times -----------------------------------------------------------------------------------------------

_CLOCK = re.compile(r"^([0-9]{1,2})(?::([0-9]{2}))?(am|pm|a\.m|p\.m|a|p)?$")
_RANGE = re.compile(r"^([0-9]{1,2})(?::([0-9]{2}))?(am|pm)?[-\u2013]([0-9]{1,2})(?::([0-9]{2}))?(am|pm|a\.m|p\.m)$")
_ISH = re.compile(r"^[0-9]{1,2}(?::[0-9]{2})?(?:am|pm)?-?ish$")
_BARE_HOUR = re.compile(r"^[0-9]{1,2}$")
MERIDIEM = {"am": "am", "a.m": "am", "pm": "pm", "p.m": "pm", "a": "am", "p": "pm"}
_TIME_PREFIX = {"at", "@", "around", "about", "approx", "approximately", "by"}
_NAMED_TIMES = {"noon": "12:00", "midday": "12:00", "12noon": "12:00", "midnight": "00:00"}


def match_time(words: Sequence[str], i: int) -> TimeMatch | None:
    """A time of day from `i`: "2pm", "at 10am", "14:30", "noon", "2-3pm"; unclear ones ("at 2") as None."""
    j = i + (_at(words, i) in _TIME_PREFIX)
    found = _clock(words, j)
    if found is None:
        if j > i and (_BARE_HOUR.match(_at(words, j)) or _ISH.match(_at(words, j))):
            return TimeMatch(j + 1 - i, None)  # "at 2", "around 10ish"
        return None
    return TimeMatch(j - i + found.length, found.time)


def _hhmm(hour: int, minute: int, meridiem: str | None) -> str | None:
    if meridiem is not None:
        if not 1 <= hour <= 12 or minute > 59:
            return None
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    elif hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


def _clock(words: Sequence[str], j: int) -> TimeMatch | None:
    w = _at(words, j)
    if not w or not (w[0].isdigit() or w in _NAMED_TIMES):
        return None
    if w in _NAMED_TIMES:
        return TimeMatch(1, _NAMED_TIMES[w])
    if _ISH.match(w):
        return TimeMatch(1, None)
    ranged = _RANGE.match(w)
    if ranged:
        end = MERIDIEM[ranged[6]]
        start = MERIDIEM[ranged[3]] if ranged[3] else end
        if not ranged[3] and end == "pm" and int(ranged[1]) > int(ranged[4]) and int(ranged[1]) != 12:
            start = "am"  # "11-1pm" starts before noon
        return TimeMatch(1, _hhmm(int(ranged[1]), int(ranged[2] or 0), start))
    clock = _CLOCK.match(w)
    if clock is None:
        return None
    meridiem, length = clock[3], 1
    if meridiem is None and _at(words, j + 1) in ("am", "pm", "a.m", "p.m"):
        meridiem, length = _at(words, j + 1), 2
    if meridiem is not None:
        return TimeMatch(length, _hhmm(int(clock[1]), int(clock[2] or 0), MERIDIEM[meridiem]))
    if clock[2] is None:
        if _at(words, j + 1) in ("o'clock", "oclock"):
            return TimeMatch(2, None)
        return None  # a bare number is not a time
    hour = clock[1]
    if len(hour) == 2 and hour[0] == "0" or int(hour) == 0 or 12 <= int(hour):  # 24-hour: 09:30, 14:30, 12:15
        return TimeMatch(1, _hhmm(int(hour), int(clock[2]), None))
    return TimeMatch(1, None)  # 2:30: morning or afternoon?
