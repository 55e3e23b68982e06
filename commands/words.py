"""Words as members type them, for `commands.understand`: quotes, Slack's `<...|label>` markup, notes after `--`.

Each word keeps the text as typed (a name is built from it) and a normalised form for matching: lower case, curly
apostrophes straightened, punctuation and emoji at its edges dropped ("Dec." -> "dec", "offer!🎉" -> "offer").
A quoted name, a mention and a link label are opaque: their normalised form is empty, so they are never read as a
date, a time, a stage or a type.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from commands.parsing import NOTE_MARKERS, UsageError

# A quote opened by one of these may be closed by any of its closers; a closer typed twice inside stands for
# itself ("Dana ""DJ"" Lee"), so any name can be written back as one quoted word.
_OPENERS = {'"': '"\u201d\u201c', "\u201c": '"\u201d\u201c', "\u201d": '"\u201d\u201c', "'": "'",
            "\u2018": "'\u2019\u2018"}
# Slack's escaped markup: <@U123|Name>, <#C123|name>, <!here>, <mailto:a@b.c|label>, <https://x|label>
_MARKUP = re.compile(r"<([@#!][^<>|\s]*|(?:https?|mailto|tel):[^<>|\s]*)(?:\|([^<>]*))?>")
_EDGE = ".,!?;:()[]{}\"'*_~-\u2019\u2018\u201c\u201d\u2026"
_DECOR = ("So", "Sk", "Cf", "Me")  # emoji, skin tones, joiners, keycaps (variation selectors: _SELECTORS)
_SELECTORS = "\ufe0e\ufe0f"


@dataclass(frozen=True)
class Word:
    text: str  # as typed (for a mention or a link, its label)
    norm: str  # for matching; "" for opaque words
    quoted: bool = False
    markup: str = ""  # "mention", "channel", "link", "special" (<!here>), "bare" (a mention without a name)

    @property
    def opaque(self) -> bool:
        return self.quoted or bool(self.markup)


def is_decor(ch: str) -> bool:
    return ch in _EDGE or emoji(ch)


def emoji(ch: str) -> bool:
    return ch in _SELECTORS or unicodedata.category(ch) in _DECOR


def normalise(text: str) -> str:
    w = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    start, end = 0, len(w)
    while start < end and is_decor(w[start]):
        start += 1
    while end > start and is_decor(w[end - 1]):
        end -= 1
    return w[start:end]


def split_words(text: str) -> tuple[list[Word], str | None]:
    """The words of `text`; everything after a lone `--` (or an em or en dash) is returned as notes."""
    words: list[Word] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in ('"', "\u201c", "\u201d") or (ch in ("'", "\u2018") and (i == 0 or text[i - 1].isspace())):
            i = _quoted(text, i, words)
        elif ch == "<" and (markup := _MARKUP.match(text, i)):
            words.append(_markup(markup))
            i = markup.end()
        else:
            j = i
            while j < n and not text[j].isspace() and not (text[j] == "<" and j > i and _MARKUP.match(text, j)):
                j += 1
            word = text[i:j]
            if word in NOTE_MARKERS:
                return words, text[j:].strip()
            words.extend(_plain(word))
            i = j
    return words, None


def _quoted(text: str, i: int, words: list[Word]) -> int:
    closers = _OPENERS[text[i]]
    out: list[str] = []
    j, n = i + 1, len(text)
    while j < n:
        if text[j] in closers:
            if j + 1 < n and text[j + 1] == text[j] and closers != "'":
                out.append(text[j])
                j += 2
                continue
            words.append(Word("".join(out).strip(), "", quoted=True))
            return j + 1
        out.append(text[j])
        j += 1
    raise UsageError("A quote is opened but never closed. Close it, like \"Wachtell, Lipton\".")


def _markup(found: re.Match[str]) -> Word:
    target, label = found[1], found[2]
    if target.startswith("!"):
        return Word(found[0], "", markup="special")
    if label is None or not label.strip():
        bare = target.startswith(("@", "#"))
        return Word(found[0] if bare else target, "", markup="bare" if bare else "link")
    kinds = {"@": "mention", "#": "channel"}
    return Word(label.strip(), "", markup=kinds.get(target[0], "link"))


def _plain(word: str) -> list[Word]:
    """A typed word; `w/Jane` and `@Cravath` are two words (a connector and a name)."""
    low = word.lower()
    if low.startswith("w/") and len(word) > 2:
        return [Word(word[:2], "w/"), *_plain(word[2:])]
    if word.startswith("@") and len(word) > 1:
        return [Word("@", "@"), *_plain(word[1:])]
    return [Word(word, normalise(word))]


def quote_name(name: str) -> str:
    """`name` as one quoted word that `split_words` reads back exactly."""
    return '"' + "".join(ch * 2 if ch in '"\u201d\u201c' else ch for ch in name) + '"'


_NAME_TAIL = ",;:!?\u2026"
_ABBREVIATIONS = {"inc", "co", "corp", "ltd", "jr", "sr", "bros", "assn", "assoc", "dept", "govt", "intl", "univ",
                  "esq", "ct", "cir"}


def clean(text: str) -> str:
    """Typed words without the punctuation and emoji at their edges, case kept ("offer!" -> "offer")."""
    start, end = 0, len(text)
    while start < end and is_decor(text[start]):
        start += 1
    while end > start and is_decor(text[end - 1]):
        end -= 1
    return text[start:end]


def trim_name(text: str) -> str:
    """A name as typed, without what only ends a sentence: a trailing comma, "!", emoji, or a full stop that does
    not end an abbreviation ("Cravath." -> "Cravath", "Acme Inc." and "U.S." stay)."""
    text = text.strip()
    while text and (text[-1] in _NAME_TAIL or emoji(text[-1])):
        text = text[:-1].rstrip()
    while text and emoji(text[0]):
        text = text[1:].lstrip()
    if text.endswith(".") and not text.endswith(".."):
        last = text.rsplit(" ", 1)[-1][:-1]
        if "." not in last and len(last) > 1 and last.lower() not in _ABBREVIATIONS:  # "Sarah K." keeps it
            text = text[:-1].rstrip()
    if text.startswith("(") and text.endswith(")") and text.count("(") == 1 and text.count(")") == 1:
        text = text[1:-1].strip()
    return text
