"""Which name an entry is stored under, from the runs of name words `commands.understand` found.

One run is the name. Two runs joined by connectors make a person and an organisation: a networking meeting is
stored under the person, with the organisation kept ("coffee w/ Jane from Kirkland" -> "Jane (Kirkland)"); an
interview under the organisation, the person going into the notes ("callback at Cravath with Jane Doe" ->
"Cravath", notes "with Jane Doe"), except a judge ("clerkship interview with Judge Chen at SDNY" ->
"Judge Chen (SDNY)"). Anything else is asked about.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from commands.lexicon import CONNECTORS, ORG_HINTS, TITLES, Vocabulary
from commands.model import Inline, UserText
from commands.parsing import UsageError, quoted
from commands.words import Word, clean, trim_name


@dataclass(frozen=True)
class Run:
    words: list[Word]
    intro: str | None  # the connector typed before it ("with", "at", "w/"), None when none

    @property
    def text(self) -> str:
        if len(self.words) == 1 and self.words[0].quoted:
            return self.words[0].text  # a quoted name is taken exactly as typed
        return trim_name(" ".join(w.text for w in self.words))

    @property
    def role(self) -> str | None:
        return CONNECTORS.get(self.intro) if self.intro else None


def name_of(runs: list[Run], whole: str, vocabulary: Vocabulary, subtype: str | None, typed: str | None,
            unsure: Callable[..., None]) -> tuple[str, str, str | None, str]:
    """(the name, the subtype, the words read as the subtype, a note about a person) for `runs`; `whole` is the
    words from the first run to the last, shown back when the runs make no known pattern."""
    _refuse_words_after_quotes(runs, vocabulary)
    if subtype is None:
        subtype, typed = _implied(runs, vocabulary)
    if len(runs) == 1:
        return runs[0].text, subtype, typed, ""
    pair = _pair(runs[0], runs[1], vocabulary, subtype, unsure) if len(runs) == 2 else None
    if pair is not None:
        return pair[0], subtype, typed, pair[1]
    names: list[Inline] = []
    for index, run in enumerate(runs):
        names += [", " if index else "", *quoted(run.text)]
    unsure("I found more than one name (", *names, f"): which is the {vocabulary.what}?")
    return whole, subtype, typed, ""


def _refuse_words_after_quotes(runs: list[Run], vocabulary: Vocabulary) -> None:
    """A quoted name says where the name ends: words after it that mean nothing are refused, as before."""
    for index, run in enumerate(runs):
        extra = run.words[1:] if run.words[0].quoted else []
        if not extra and index and runs[0].words[0].quoted and run.intro is None:
            extra = run.words
        if extra:
            raise UsageError("I don't understand ", *quoted(" ".join(w.text for w in extra)),
                             f" after the {vocabulary.what}. Put notes after --.")


def _implied(runs: list[Run], vocabulary: Vocabulary) -> tuple[str, str | None]:
    """No stage or type typed: a judge's interview is a clerkship; anything else is the default."""
    if vocabulary.kind == "interview":
        for run in runs:
            first = run.words[0]
            if not first.opaque and first.norm in TITLES:
                return "clerkship", clean(first.text)
    return vocabulary.default, None


def _capitalised(run: Run) -> bool:
    """A run typed as a name: a word with a capital, or quoted, or a mention ("mock" is not one)."""
    return any(w.opaque or w.text[:1].isupper() for w in run.words)


def _person_like(run: Run) -> bool:
    return len(run.words) <= 3 and _capitalised(run) and not any(w.norm in ORG_HINTS for w in run.words) and all(
        w.markup in ("", "mention") for w in run.words)


def _pair(a: Run, b: Run, vocabulary: Vocabulary, subtype: str,
          unsure: Callable[..., None]) -> tuple[str, str] | None:
    if vocabulary.kind == "networking":
        if a.role in ("person", "any", None) and b.role == "org" and b.intro != "for" and (a.intro or _person_like(a)):
            person, org = a, b
        elif a.role == "org" and a.intro != "for" and b.role in ("person", "any"):
            person, org = b, a
        else:
            return None
        if org.intro in ("at", "@"):  # "coffee with Jane at Blue Bottle": where she works, or where you met?
            unsure("Does ", UserText(person.text), " work at ", *quoted(org.text),
                   "? If that is where you met, press Change.")
        return f"{person.text} ({org.text})", ""
    if a.role in ("org", "any") and b.role == "person" or a.role is None and b.role == "person" and _capitalised(a):
        org, person = a, b
    elif a.role == "person" and b.role == "org":
        org, person = b, a
    else:
        return None
    if subtype == "clerkship" and person.words[0].norm in TITLES:
        return f"{person.text} ({org.text})", ""
    return org.text, f"with {person.text}"
