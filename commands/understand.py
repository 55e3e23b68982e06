"""Understanding a whole /interview or /network line, wherever its parts are typed.

`understand(text, vocabulary, today)` reads the stage or meeting type, the day and the time anywhere in the line
(`commands.when`, `commands.lexicon`), takes connectors (at, with, from, w/, for, @, by) as what separates a person
or an organisation from the rest, and keeps quotes, `--share` and `-- notes`. What is left is the name.

It returns what it understood and the `reasons` it is unsure (empty: sure). The caller stores only a sure
reading; an unsure one is shown back with Save, Change and Cancel, so nothing is stored on a guess. UsageError is
kept for what cannot even be shown back: no name at all, a date that does not exist or is out of range, an unclosed
quote, a name over 200 characters, or words after a quoted name that mean nothing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date

from commands.lexicon import (
    CONNECTORS,
    DATE_WORDS,
    DAY_NAMES,
    LEAD_FILLERS,
    LOWER_OK,
    MONTH_WORDS,
    OTHER,
    OUTCOMES,
    SENTENCE,
    STAGE_WORDS,
    START_FILLERS,
    TITLES,
    TRAIL_FILLERS,
    Vocabulary,
)
from commands.model import Inline
from commands.names import Run, name_of
from commands.parsing import WEEKDAYS, UsageError, closest, label, quoted
from commands.when import ORDINAL_NOUNS, DayMatch, TimeMatch, match_day, match_time
from commands.words import Word, clean, split_words, trim_name

MAX_NAME = 200
_I = {"i", "i'm", "i've", "i'll", "i'd"}
_SOFT_VAGUE = {"upcoming", "soon"}  # "upcoming callback on Dec 3": the day says which
Reason = tuple[Inline, ...]


@dataclass(frozen=True)
class Understood:
    kind: str  # "interview" or "networking" (may differ from the command typed: "/interview coffee with Jane")
    name: str  # what is stored as the organisation: the person "Jane (Kirkland)", or the organisation
    subtype: str
    typed_kind: str | None  # the words read as the subtype, when they are not its own name ("first round")
    day: date | None  # None: not known (the member typed "next month")
    time: str | None  # "14:00"
    notes: str
    share: bool
    reasons: tuple[Reason, ...] = ()

    @property
    def sure(self) -> bool:
        return not self.reasons

    @property
    def command(self) -> str:
        return "interview" if self.kind == "interview" else "network"


@dataclass
class _Reading:
    """What reading the words found, in order."""

    words: list[Word]
    roles: list[str | None]  # per word: None for a name word, else what it was read as ("day", "conn:with")
    days: list[tuple[DayMatch, str]] = field(default_factory=list)
    times: list[tuple[TimeMatch, str]] = field(default_factory=list)
    kinds: list[tuple[str, str, str]] = field(default_factory=list)  # (phrase, as typed, subtype)
    cross: list[tuple[str, str, str, int, int]] = field(default_factory=list)  # the same from the other command's
    # words, with where they are (first word, how many)
    reasons: list[Reason] = field(default_factory=list)
    typo_kind: tuple[str, str] | None = None  # (subtype, as typed) from a near miss ("callbak")
    typo_day: str | None = None  # a day word from a near miss ("yesterdy" -> "yesterday")
    dateish: bool = False  # a word left in the name looked like part of a date
    share: bool = False

    def unsure(self, *spans: Inline) -> None:
        if spans not in self.reasons:
            self.reasons.append(spans)


def understand(text: str, vocabulary: Vocabulary, today: date, *, today_by_default: bool = True) -> Understood:
    """Read `text` (an /interview or /network line) for `vocabulary`'s kind of entry, on the member's `today`.
    A line that names no day is for today, or has no day when `today_by_default` is False (a draft's text)."""
    words, notes = split_words(text)
    reading = _Reading(words, [None] * len(words))
    _read(reading, vocabulary, today)
    vocabulary = _kind_of(reading, vocabulary)
    runs, whole = _runs(reading, vocabulary)
    if not runs:
        raise _missing(words, vocabulary)
    subtype, typed = _subtype(reading, vocabulary)
    if vocabulary.kind == "interview" and subtype == "other":
        subtype, typed = None, None  # "Judge Alvarez interview": a clerkship (see names._implied)
    name, subtype, typed, about = name_of(runs, whole, vocabulary, subtype, typed, reading.unsure)
    if not name:
        raise UsageError(f"Tell me the {vocabulary.what} first.")
    if len(name) > MAX_NAME:
        raise UsageError(f"The {vocabulary.what} is {len(name)} characters; keep it under {MAX_NAME}. Put detail "
                         "in notes.")
    day, time = _day(reading, today, today if today_by_default else None), _time(reading)
    if about:
        notes = f"{about}; {notes}" if notes else about
    return Understood(kind=vocabulary.kind, name=name, subtype=subtype, typed_kind=typed, day=day, time=time,
                      notes=notes or "", share=reading.share, reasons=tuple(reading.reasons))


def _missing(words: list[Word], vocabulary: Vocabulary) -> UsageError:
    typed = " ".join(w.text for w in words if clean(w.text)).strip()
    if not typed:
        return UsageError(f"Tell me the {vocabulary.what} first.")
    return UsageError(*quoted(typed), f" looks like a {vocabulary.kind_word} or a date, but the {vocabulary.what} "
                      "is missing.")


# ---- reading the words -----------------------------------------------------------------------------------


def _read(r: _Reading, vocabulary: Vocabulary, today: date) -> None:
    norms = [w.norm for w in r.words]
    i = 0
    while i < len(r.words):
        word = r.words[i]
        if word.opaque or not word.norm:
            i += 1
        elif word.text.lower() == "--share":
            r.share, r.roles[i] = True, "flag"
            i += 1
        else:
            i += _read_at(r, norms, i, vocabulary, today)


def _typed(r: _Reading, i: int, length: int) -> str:
    return " ".join(clean(w.text) for w in r.words[i:i + length])


def _read_at(r: _Reading, norms: list[str], i: int, vocabulary: Vocabulary, today: date) -> int:
    """Read the longest thing that starts at word `i` (a stage or type wins a tie, then a day, a time)."""
    own = _phrase(r.words, norms, i, vocabulary)
    day = _day_at(r, norms, i, today)
    time = match_time(norms, i)
    cross = _phrase(r.words, norms, i, OTHER[vocabulary.kind])
    conn = CONNECTORS.get(norms[i]) if norms[i] != "w" or r.words[i].text == "w" else None
    options = [(own[0] if own else 0, 4), (day.length if day else 0, 3), (time.length if time else 0, 2),
               (cross[0] if cross else 0, 1), (1 if conn else 0, 0)]
    length, which = max(options)
    if length == 0:
        return 1
    typed = _typed(r, i, length)
    if which == 4 and own:
        r.kinds.append((own[1], typed, own[2]))
    elif which == 3 and day:
        r.days.append((day, typed))
    elif which == 2 and time:
        r.times.append((time, typed))
    elif which == 1 and cross:
        r.cross.append((cross[1], typed, cross[2], i, length))
    r.roles[i:i + length] = [f"conn:{norms[i]}" if which == 0 else "read"] * length
    return length


def _phrase(words: list[Word], norms: list[str], i: int, vocabulary: Vocabulary) -> tuple[int, str, str] | None:
    for length in vocabulary.starts.get(norms[i], ()):
        phrase = " ".join(norms[i:i + length])
        subtype = vocabulary.table.get(phrase)
        if subtype is None or any(w.opaque for w in words[i:i + length]):
            continue
        if length == 1 and _title_or_name(words, i):
            return None
        return length, phrase, subtype
    return None


def _title_or_name(words: list[Word], i: int) -> bool:
    """"Judge Chen" is a name (and a clerkship); a capitalised "Other" starts one."""
    word = words[i]
    if word.norm in TITLES and i + 1 < len(words):
        following = words[i + 1]
        return following.opaque or following.text[:1].isupper()
    return word.norm == "other" and word.text[:1].isupper()


def _day_at(r: _Reading, norms: list[str], i: int, today: date) -> DayMatch | None:
    found = match_day(norms, i, today)
    if found is None or found.length != 1 or norms[i] not in WEEKDAYS or len(norms[i]) > 4:
        return found
    word, before = r.words[i], r.words[i - 1] if i else None
    if word.text[:1].isupper() and before is not None and r.roles[i - 1] is None and before.text[:1].isupper():
        return None  # "Will Sun": a name, asked about below
    return found


# ---- which kind of entry, which stage or type --------------------------------------------------------------


def _kind_of(r: _Reading, vocabulary: Vocabulary) -> Vocabulary:
    """The command's own kind, unless only the other command's words were typed ("/interview coffee w/ Jane").

    Beside the command's own words, the other command's words are part of a name ("lunch with Judge Rakoff's
    clerk"), and the name is checked like any other; weak ones ("zoom call" in an interview) are just read."""
    other = OTHER[vocabulary.kind]
    strong = [c for c in r.cross if c[0] not in other.weak]
    if r.kinds or not strong:
        for _, _, _, start, length in strong:
            r.roles[start:start + length] = [None] * length
        if not r.kinds and r.cross:
            r.unsure(*quoted(r.cross[0][1]), f" is a word for /{other.command}.")
        return vocabulary
    r.kinds, r.cross = [c[:3] for c in r.cross], []
    what = "a networking meeting" if other.kind == "networking" else "an interview"
    r.unsure("I read ", *quoted(strong[0][1]), f" as {what}, so this is for /{other.command}.")
    return other


def _subtype(r: _Reading, vocabulary: Vocabulary) -> tuple[str | None, str | None]:
    strong = [k for k in r.kinds if k[0] not in vocabulary.weak]
    found = strong or [k for k in r.kinds if k[2] != "other"] or r.kinds
    subtypes = list(dict.fromkeys(k[2] for k in found))
    if len(subtypes) > 1 and len(set(subtypes) & OUTCOMES) == 1:
        subtypes = [s for s in subtypes if s in OUTCOMES]  # "offer after my callback": the outcome
    elif len(subtypes) > 1:
        r.unsure(f"I found more than one {vocabulary.kind_word}: ",
                 *_listed([t for _, t, _ in found]), ". Which was it?")
    if subtypes:
        typed = next(t for _, t, s in found if s == subtypes[0])
        return subtypes[0], _understood_from(typed, vocabulary.kind, subtypes[0])
    if r.typo_kind:
        return r.typo_kind
    return None, None


def _understood_from(typed: str, kind: str, subtype: str) -> str | None:
    low = typed.lower()
    return None if low in (subtype, label(kind, subtype)) else typed


def _listed(texts: list[str]) -> list[Inline]:
    out: list[Inline] = []
    for index, text in enumerate(dict.fromkeys(texts)):
        out += [", " if index else "", *quoted(text)]
    return out


# ---- the name: what is left --------------------------------------------------------------------------------


def _runs(r: _Reading, vocabulary: Vocabulary) -> tuple[list[Run], str]:
    """The runs of name words between the words that were read, each with the connector before it; and the
    name words and connectors from the first run to the last, as typed."""
    runs: list[Run] = []
    first = last = -1
    i, n = 0, len(r.words)
    while i < n:
        if r.roles[i] is not None:
            i += 1
            continue
        j = i
        while j < n and r.roles[j] is None:
            j += 1
        before = r.roles[i - 1] if i else None
        intro = before[5:] if before and before.startswith("conn:") else None
        kept = _checked(r, _trimmed(r.words[i:j], first=not runs), vocabulary)
        if kept:
            runs.append(Run(kept, intro))
            first, last = (i if first < 0 else first), j
        i = j
    whole = [w.text for w, role in zip(r.words[first:last], r.roles[first:last], strict=True)
             if role is None or role.startswith("conn:")]
    return runs, trim_name(" ".join(whole))


def _filler(word: Word, fillers: set[str], first: bool) -> bool:
    if word.opaque:
        return False
    if not word.norm:
        return True  # punctuation or emoji alone
    return (first and word.norm in START_FILLERS) or (word.text.islower() and word.norm in fillers)


def _trimmed(words: list[Word], *, first: bool) -> list[Word]:
    start, end = 0, len(words)
    while start < end and _filler(words[start], LEAD_FILLERS, first):
        start += 1
    while end > start and _filler(words[end - 1], TRAIL_FILLERS, False):
        end -= 1
    return words[start:end]


def _checked(r: _Reading, words: list[Word], vocabulary: Vocabulary) -> list[Word]:
    """The words that stay in the name; those that look like a date, a time, a stage or a typo of one are asked
    about and left out, and a name that reads like a sentence is asked about."""
    kept: list[Word] = []
    for k, word in enumerate(words):
        before = words[k - 1].norm if k else ""
        after = words[k + 1].norm if k + 1 < len(words) else ""
        if word.opaque or not word.norm or not _left_out(r, word, before, after, vocabulary):
            kept.append(word)
    if kept and not (len(kept) == 1 and kept[0].opaque):
        _sentence_check(r, kept, vocabulary.kind == "interview")
    return kept


def _left_out(r: _Reading, word: Word, before: str, after: str, vocabulary: Vocabulary) -> bool:
    n = word.norm
    if _dateish(n, before, after):
        kept = n in WEEKDAYS and word.text[:1].isupper()  # "Will Sun" stays a name, asked about
        r.dateish = r.dateish or not kept
        r.unsure(*quoted(clean(word.text)), " looks like part of a date or a time.")
        return not kept
    if n in STAGE_WORDS:
        r.unsure(*quoted(clean(word.text)), f" looks like part of a {vocabulary.kind_word}.")
        return True
    if word.text.startswith("--"):
        r.unsure(*quoted(word.text), " is not an option I know (--share is).")
        return True
    return _typo(r, word, vocabulary)


def _dateish(n: str, before: str, after: str) -> bool:
    if n.isascii() and n.isdigit():
        return True
    if n[:1].isdigit() and (n.endswith(("st", "nd", "rd", "th")) and n[:-2].isdigit() and after not in ORDINAL_NOUNS
                            or ":" in n or n.endswith("ish")):
        return True
    if n in MONTH_WORDS:
        return any(w[:1].isdigit() for w in (before, after))
    return n in DATE_WORDS


def _typo(r: _Reading, word: Word, vocabulary: Vocabulary) -> bool:
    n, other = word.norm, OTHER[vocabulary.kind]
    if (len(n) < 4 or not n.isalpha() or not word.text.islower() or n in vocabulary.table or n in other.table
            or n in SENTENCE or n in LOWER_OK):
        return False
    for candidates, which in ((vocabulary.single, "own"), (other.single, "other"), (DAY_NAMES, "day")):
        meant = closest(n, _near(n, candidates))
        if meant is None:
            continue
        r.unsure(*quoted(word.text), " looks like ", *quoted(meant), ".")
        if which == "own" and r.typo_kind is None:
            r.typo_kind = (vocabulary.table[meant], word.text)
        elif which == "day" and r.typo_day is None:
            r.typo_day = meant
        return True
    return False


@functools.lru_cache(maxsize=8192)
def _near(word: str, candidates: tuple[str, ...]) -> tuple[str, ...]:
    """The candidates a typo of `word` could be: the same first letter, a length within two. (difflib on every
    candidate cost 4 ms for a line of new words; a typo keeps its first letter: "callbak", "screner", "evnt".)"""
    return tuple(c for c in candidates if c[0] == word[0] and abs(len(c) - len(word)) <= 2)


def _sentence_check(r: _Reading, words: list[Word], organisation: bool) -> None:
    """A name with a verb, a pronoun or many words reads like a sentence. A lower-case verb is not part of a name
    ("Cravath waitlisted"), nor, beside an organisation's capitals, any lower-case word ("Davis Polk second look");
    a person may be described ("Bob, Latham partner")."""
    text = " ".join(w.text for w in words)
    plain = [w for w in words if not w.opaque and w.norm]
    # A capitalised "Will" or "Hope" is a name; "I" is always capitalised.
    said = [w for w in plain if w.norm in SENTENCE and (w.text.islower() or w.norm in _I) or "?" in w.text]
    if said:
        r.unsure(*quoted(text), " reads like a sentence, not a name. Put notes after --, or quote the name.")
    elif sum(1 for w in words if any(ch.isalnum() for ch in w.text)) > 6:
        r.unsure(*quoted(text), " is long for a name. Put notes after --, or quote the name.")
    else:
        odd = [w for w in plain if w.text.isalpha() and w.text.islower() and w.norm not in LOWER_OK
               and (organisation and any(x.opaque or x.text[:1].isupper() for x in words)
                    or len(w.norm) > 4 and w.norm.endswith(("ed", "ing")))]
        if odd:
            r.unsure(*quoted(odd[0].text), " doesn't look like part of the name ", *quoted(text), ".")


# ---- the day and the time ----------------------------------------------------------------------------------


def _day(r: _Reading, today: date, undated: date | None) -> date | None:
    days = list(dict.fromkeys(found.day for found, _ in r.days if found.day is not None))
    vague = [typed for found, typed in r.days if found.vague and not (days and typed.lower() in _SOFT_VAGUE)]
    if vague:
        r.unsure(*quoted(vague[0]), " is not one day. Which day?")
        return None
    if len(days) > 1:
        dated = list(dict.fromkeys(found.day for found, _ in r.days if found.day and found.weekday is None))
        if len(dated) == 1 and all(found.weekday in (None, dated[0].weekday()) for found, _ in r.days):
            return dated[0]  # "Thurs 12/3": the weekday agrees with the date
        r.unsure("I found more than one day: ", *_listed([typed for _, typed in r.days]), ". Which was it?")
        return None
    if days:
        return days[0]
    if r.typo_day is not None:
        found = match_day([r.typo_day], 0, today)
        return found.day if found else None
    return None if r.dateish else undated


def _time(r: _Reading) -> str | None:
    unclear = [typed for found, typed in r.times if found.time is None]
    times = list(dict.fromkeys(found.time for found, _ in r.times if found.time is not None))
    if unclear:
        r.unsure(*quoted(unclear[0]), " is not a time I can read for sure: say 2pm, 9:30am or 14:00.")
        return None
    if len(times) > 1:
        r.unsure("I found more than one time: ", *_listed([typed for _, typed in r.times]), ". Which was it?")
        return None
    return times[0] if times else None
