"""Shared parsing: quote-aware tokens, dates as people type them, stage and meeting-type synonyms.

Every parser raises `UsageError` with a message that says what was wrong and how to fix it; dispatch turns it
into a private reply with the command's usage and examples.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from commands.model import Inline, UserText, plain


class UsageError(Exception):
    """The text could not be understood; the message tells the member what to change.

    The message is given as spans: words the member typed go in as `UserText` (see `quoted`), so every
    renderer escapes them. `message` is the same text, plain, for logs, tests and form fields. `usage` and
    `examples`, when set, are those of the part of a command that was meant (a /cohort subcommand), shown instead
    of the whole command's.
    """

    def __init__(self, *spans: Inline, usage: str = "", examples: tuple[str, ...] = ()) -> None:
        self.spans: tuple[Inline, ...] = spans
        self.message = plain(*spans)
        self.usage = usage
        self.examples = examples
        super().__init__(self.message)

    def about(self, usage: str, examples: tuple[str, ...]) -> UsageError:
        """This error, shown with `usage` and `examples` unless it already names its own."""
        if not self.usage:
            self.usage, self.examples = usage, examples
        return self


def quoted(text: str) -> tuple[Inline, ...]:
    """Words the member typed, in quotes, for use inside one of our messages."""
    return ("'", UserText(text), "'")


@dataclass(frozen=True)
class Token:
    text: str
    quoted: bool
    start: int  # offset in the original text
    end: int


# Smart quotes arrive from phones and macOS autocorrect; treat them as plain quotes.
_QUOTES = {'"': '"', "\u201c": "\u201d", "\u201d": "\u201d", "'": "'", "\u2018": "\u2019"}
_CLOSERS = {'"': {'"', "\u201d", "\u201c"}, "\u201d": {'"', "\u201d", "\u201c"}, "'": {"'"},
            "\u2019": {"'", "\u2019", "\u2018"}}
NOTE_MARKERS = ("--", "\u2014", "\u2013")  # "--", and the em/en dash autocorrect turns it into


def tokenize(text: str) -> tuple[list[Token], str | None]:
    """Split `text` into tokens, honouring quotes; everything after a lone `--` is returned as notes."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        ch = text[i]
        if ch in ('"', "\u201c", "\u201d") or (ch in ("'", "\u2018") and (i == 0 or text[i - 1].isspace())):
            closers = _CLOSERS.get(_QUOTES.get(ch, ch), {ch})
            j = i + 1
            while j < n and text[j] not in closers:
                j += 1
            if j >= n:
                raise UsageError("A quote is opened but never closed. Close it, like \"Wachtell, Lipton\".")
            tokens.append(Token(text[i + 1 : j].strip(), True, i, j + 1))
            i = j + 1
            continue
        j = i
        while j < n and not text[j].isspace():
            j += 1
        word = text[i:j]
        if word in NOTE_MARKERS:
            notes = text[j:].strip()
            return tokens, notes
        tokens.append(Token(word, False, i, j))
        i = j
    return tokens, None


_CONTROL_OK = {"\n", "\t"}


def check_text(text: str, limit: int) -> str:
    """Reject text that is too long or carries control characters; return it with tabs as spaces."""
    if len(text) > limit:
        raise UsageError(
            f"That is {len(text):,} characters; the limit is {limit:,}. Keep notes short, or split them "
            "over two entries."
        )
    for ch in text:
        # Cs: a lone surrogate (from a JSON escape) is not text at all, and can't be stored
        if ch not in _CONTROL_OK and unicodedata.category(ch) in ("Cc", "Cf", "Cs") and ch not in "\u200d\ufe0f":
            raise UsageError(
                f"The text contains an invisible control character (U+{ord(ch):04X}). Retype it without "
                "pasting from a terminal or a document."
            )
    return text.replace("\t", " ")


# ---- dates -------------------------------------------------------------------------------------------

WEEKDAYS = {
    "mon": 0, "monday": 0,
    "tue": 1, "tues": 1, "tuesday": 1,
    "wed": 2, "weds": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3,
    "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5,
    "sun": 6, "sunday": 6,
}
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")  # by weekday()
MONTHS = {name: i + 1 for i, names in enumerate([
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
    ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
    ("dec", "december"),
]) for name in names}
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_SLASH = re.compile(r"^(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?$")
_DATEISH = re.compile(r"^[\d]+[/\-.][\d/\-.]+$")
MAX_PAST = timedelta(days=730)
MAX_FUTURE = timedelta(days=366)
HALF_YEAR = timedelta(days=183)
DATE_HELP = "Try today, yesterday, a weekday (tue), last fri, 11/20 or 2026-11-20."


def checked(day: date, today: date, typed: str) -> date:
    """`day`, when it is within two years back and one year ahead of `today`; else a UsageError naming `typed`."""
    if day < today - MAX_PAST:
        raise UsageError(UserText(typed), f" is more than two years ago. {DATE_HELP}")
    if day > today + MAX_FUTURE:
        raise UsageError(UserText(typed), f" is more than a year ahead. {DATE_HELP}")
    return day


def make_date(year: int, month: int, day: int, typed: str) -> date:
    """The date, or a UsageError saying there is no such date as `typed`."""
    try:
        return date(year, month, day)
    except (ValueError, OverflowError):  # OverflowError: a number too big for C, like nov 2200000000
        raise UsageError("There is no date ", UserText(typed), f". Dates are month/day, like 11/20. {DATE_HELP}") \
            from None


def nearest_date(month: int, day: int, today: date, typed: str) -> date:
    """A month and day without a year: the nearest such date.

    "12/20" typed in January means last December, and "1/5" typed in late December the coming January.
    """
    candidate = make_date(today.year, month, day, typed)
    if candidate - today > HALF_YEAR:
        return make_date(today.year - 1, month, day, typed)
    if today - candidate > HALF_YEAR:
        return make_date(today.year + 1, month, day, typed)
    return candidate


def parse_date_words(words: list[str], today: date) -> date | None:
    """Parse one or two words as a date; None when they are not a date at all.

    Raises UsageError when they look like a date that does not exist (31/31/2026).
    """
    low = [w.lower().rstrip(".,") for w in words]
    typed = " ".join(words)
    if len(low) == 1:
        return _one_word_date(low[0], today, typed)
    if len(low) == 2:
        return _two_word_date(low[0], low[1], today, typed)
    return None


_RELATIVE_DAYS = {"today": 0, "tonight": 0, "now": 0, "yesterday": -1, "tomorrow": 1}


def _one_word_date(w: str, today: date, typed: str) -> date | None:
    if w in _RELATIVE_DAYS:
        return today + timedelta(days=_RELATIVE_DAYS[w])
    if w in WEEKDAYS:
        return today - timedelta(days=(today.weekday() - WEEKDAYS[w]) % 7)
    m = _ISO.match(w)
    if m:
        return checked(make_date(int(m[1]), int(m[2]), int(m[3]), typed), today, typed)
    m = _SLASH.match(w)
    if m:
        month, day_ = int(m[1]), int(m[2])
        if m[3]:
            year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
            return checked(make_date(year, month, day_, typed), today, typed)
        return checked(nearest_date(month, day_, today, typed), today, typed)
    if _DATEISH.match(w):
        raise UsageError("I can't read ", UserText(typed), f" as a date. {DATE_HELP}")
    return None


def _two_word_date(first: str, second: str, today: date, typed: str) -> date | None:
    if first in ("last", "past") and second in WEEKDAYS:
        back = (today.weekday() - WEEKDAYS[second]) % 7 or 7
        return today - timedelta(days=back)
    if first in ("next", "this") and second in WEEKDAYS:
        ahead = (WEEKDAYS[second] - today.weekday()) % 7
        if first == "next" and ahead == 0:
            ahead = 7
        return today + timedelta(days=ahead)
    # isdecimal, not isdigit: int() can't read digits like "²" or "፩", which isdigit accepts
    month_first = first in MONTHS and second.isdecimal()
    day_first = second in MONTHS and first.isdecimal()
    if month_first or day_first:
        month = MONTHS[first] if month_first else MONTHS[second]
        day_ = int(second if month_first else first)
        return checked(nearest_date(month, day_, today, typed), today, typed)
    return None


def describe_day(day: date, today: date) -> str:
    """How a date reads back to the member: "today", "yesterday", "Tue 24 Nov", "Thu 3 Dec (upcoming)"."""
    if day == today:
        return "today"
    if day == today - timedelta(days=1):
        return "yesterday"
    text = f"{day:%a} {day.day} {day:%b}"
    if day.year != today.year:
        text += f" {day.year}"
    if day > today:
        text += " (upcoming)"
    return text


def describe_time(time: str) -> str:
    """"14:00" -> "2:00pm", "09:30" -> "9:30am", "12:00" -> "noon"."""
    hour, minute = int(time[:2]), time[3:]
    if (hour, minute) == (12, "00"):
        return "noon"
    return f"{hour % 12 or 12}:{minute}{'pm' if hour >= 12 else 'am'}"


def describe_when(day: date, today: date, time: str | None = None) -> str:
    """A day and maybe a time: "yesterday at 2:00pm", "Thu 3 Dec at 9:30am (upcoming)"."""
    text = describe_day(day, today)
    if time is None:
        return text
    at = f" at {describe_time(time)}"
    return text[:-len(" (upcoming)")] + at + " (upcoming)" if text.endswith(" (upcoming)") else text + at


# ---- kinds -------------------------------------------------------------------------------------------

STAGE_SYNONYMS: dict[str, str] = {
    "screener": "screener", "screening": "screener", "screen": "screener", "oci": "screener",
    "on-campus": "screener", "on campus": "screener", "campus": "screener", "first-round": "screener",
    "first round": "screener", "1st round": "screener", "phone screen": "screener", "initial": "screener",
    "callback": "callback", "call-back": "callback", "call back": "callback", "second round": "callback",
    "second-round": "callback", "2nd round": "callback", "office visit": "callback", "flyback": "callback",
    "fly-back": "callback", "final round": "callback", "final": "callback", "superday": "callback",
    "clerkship": "clerkship", "clerk": "clerkship", "clerking": "clerkship", "chambers": "clerkship",
    "judge": "clerkship",
    "offer": "offer", "offered": "offer", "got offer": "offer",
    "rejection": "rejection", "rejected": "rejection", "reject": "rejection", "ding": "rejection",
    "dinged": "rejection", "no offer": "rejection", "declined": "rejection",
    "other": "other", "interview": "other", "interviewed": "other", "interviewing": "other",
    "screening interview": "screener", "screening call": "screener", "screener call": "screener",
    "1st-round": "screener", "2nd-round": "callback", "final-round": "callback",
    "phone interview": "other", "video interview": "other", "zoom interview": "other", "virtual interview": "other",
    "in-person interview": "other",
    "offer call": "offer", "verbal offer": "offer", "job offer": "offer", "return offer": "offer",
    "offer letter": "offer", "rejection email": "rejection", "rejection letter": "rejection",
    "turned down": "rejection", "no-offer": "rejection",
}
TYPE_SYNONYMS: dict[str, str] = {
    "informational": "informational", "info": "informational", "informational interview": "informational",
    "info interview": "informational", "informational-interview": "informational",
    "coffee": "coffee", "coffee chat": "coffee", "lunch": "coffee", "breakfast": "coffee", "drinks": "coffee",
    "alumni": "alumni", "alum": "alumni", "alumni call": "alumni", "alum call": "alumni", "call": "alumni",
    "phone call": "alumni", "zoom": "alumni",
    "event": "event", "networking event": "event", "reception": "event", "panel": "event", "mixer": "event",
    "conference": "event", "cle": "event", "bar event": "event",
    "referral": "referral", "referred": "referral", "intro": "referral", "introduction": "referral",
    "other": "other", "meeting": "other",
    "dinner": "coffee", "brunch": "coffee", "coffee meeting": "coffee", "virtual coffee": "coffee",
    "info call": "informational", "informational call": "informational", "info chat": "informational",
    "informational chat": "informational", "informational meeting": "informational",
    "zoom call": "alumni", "video call": "alumni",
    "happy hour": "event", "career fair": "event", "job fair": "event", "info session": "event",
    "information session": "event", "webinar": "event", "networking reception": "event",
    "alumni reception": "event", "alumni event": "event", "alumni mixer": "event", "alumni panel": "event",
    "alumni dinner": "event", "bar association event": "event", "networking night": "event",
}
STAGE_LABELS = {"screener": "screener", "callback": "callback", "clerkship": "clerkship", "offer": "offer",
                "rejection": "rejection", "other": "interview"}
TYPE_LABELS = {"informational": "informational interview", "coffee": "coffee", "alumni": "alumni call",
               "event": "event", "referral": "referral", "other": "meeting"}


# What /interview and /network accept, in a sentence each, for help and for "that is not a stage" errors.
STAGES_HELP = "Stages: screener (OCI, first round), callback (second round, office visit), clerkship, offer, " \
    "rejection, other."
TYPES_HELP = "Types: informational (the default), coffee, alumni call, event, referral, other."


def label(kind: str, subtype: str) -> str:
    return (STAGE_LABELS if kind == "interview" else TYPE_LABELS).get(subtype, subtype)


def match_phrase(words: list[str], table: dict[str, str]) -> str | None:
    return table.get(" ".join(w.lower().rstrip(".,") for w in words))


def near_miss(word: str, table: dict[str, str]) -> str | None:
    """A synonym the word was probably meant to be ("callbak" -> "callback"), if any."""
    w = word.lower()
    if len(w) < 4 or w in table:
        return None
    return closest(w, tuple(k for k in table if " " not in k))


@functools.lru_cache(maxsize=4096)
def closest(word: str, candidates: tuple[str, ...]) -> str | None:
    """The candidate `word` is most probably a typo of (difflib ratio 0.8 or more), if any."""
    # Every log with a multi-word organisation asks this about its last word; difflib took a sixth of the
    # command's time, and members type the same firms over and over.
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.8)
    return close[0] if close else None


_ID = re.compile(r"^#?(\d{1,9})$")


def parse_id(word: str) -> int:
    m = _ID.match(word.strip())
    if not m:
        raise UsageError(*quoted(word), " is not an entry id. Ids look like #12; /progress lists yours.")
    return int(m[1])
