"""The advice cards in bot/content: coverage of points and tags, shape of each nudge, own-words text, and the
requirements (`requires` / `unless`, as data) that say of whom a card's text is true."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot.content import (
    ACTION_PREFIX,
    ARTICLES,
    FACTS,
    POINT_ARTICLE,
    POINTS,
    TAGS,
    Card,
    card_by_id,
    load_cards,
    parse_cards,
    split_sentences,
)

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
VERBATIM_WORDS = 8  # what shared/tools/check_verbatim.py checks; we write to a stricter 6 ourselves
WORD = re.compile(r"[a-z0-9']+")
TEXT_FIELDS = ("title", "nudge", "action")  # our prose; `article` is a citation of a real title


def words(text: str) -> list[str]:
    """Tokenise exactly as check_verbatim.py does."""
    return WORD.findall(text.lower().replace("\u2019", "'"))


def ngrams(ws: list[str], n: int) -> set[str]:
    return {" ".join(ws[i : i + n]) for i in range(len(ws) - n + 1)}


CARDS = load_cards()


def test_load_cards_is_cached_and_nonempty() -> None:
    assert load_cards() is CARDS
    assert len(CARDS) >= 30


def test_ids_unique() -> None:
    ids = [card.id for card in CARDS]
    assert len(ids) == len(set(ids))


def test_card_by_id() -> None:
    first = CARDS[0]
    assert card_by_id(first.id) is first
    assert card_by_id("no-such-card") is None


def test_every_point_has_at_least_two_cards() -> None:
    counts = Counter(card.point for card in CARDS)
    thin = {point: counts[point] for point in POINTS if counts[point] < 2}
    assert not thin, f"points with fewer than 2 cards: {thin}"


def test_points_and_articles_agree() -> None:
    assert set(POINT_ARTICLE) == set(POINTS)
    assert set(POINT_ARTICLE.values()) == set(ARTICLES)
    # the full title is a citation; it is not spelled out here so check_verbatim.py does not count it
    assert ARTICLES["every_interview"].startswith("The Top 15 Reasons")
    assert ARTICLES["every_interview"].endswith("Every Interview")
    for card in CARDS:
        assert card.article == ARTICLES[POINT_ARTICLE[card.point]]


def test_every_tag_used_by_at_least_two_cards() -> None:
    counts = Counter(tag for card in CARDS for tag in card.tags)
    thin = {tag: counts[tag] for tag in TAGS - {"general"} if counts[tag] < 2}
    assert not thin, f"tags used by fewer than 2 cards: {thin}"


@pytest.mark.parametrize("card", CARDS, ids=lambda card: card.id)
def test_card_shape(card: Card) -> None:
    sentences = split_sentences(card.nudge)
    assert 2 <= len(sentences) <= 4
    assert card.nudge.endswith(card.action)
    assert sentences[-1] == card.action
    assert card.action.startswith(ACTION_PREFIX)
    assert len(split_sentences(card.action)) == 1
    assert 1 <= len(card.tags) <= 3
    assert card.tags <= TAGS
    assert card.point in POINTS
    assert card.title and not card.title.endswith(".")
    for field in TEXT_FIELDS:
        text = getattr(card, field)
        assert not set(text) & set("*_~<>`&"), f"{card.id}.{field} has markup characters"


# --- requirements: a card's text is true of the member who gets it ---

# Words in a card that take something about the member for granted, and the fact that makes them true.
CLAIMS = {
    "congratulations on the offer": "has_offer",
    "with an offer on the table": "has_offer",
    "networking count is climbing": "networked_last_week",
    "networking column looks empty": "interviewed_last_week",
    "welcome back": "back_from_pause",
    "a no from a firm": "recent_rejection",
    "ended in a no": "recent_rejection",
    "that process": "recent_rejection",
    "a recent conversation": "networked_recently",
    "past contact": "networked_recently",
    "someone you have already met": "networked_recently",
    "from a past interview": "interviewed_recently",
}


@pytest.mark.parametrize("card", CARDS, ids=lambda card: card.id)
def test_a_card_that_takes_something_for_granted_requires_it(card: Card) -> None:
    text = f"{card.title} {card.nudge}".lower()
    needed = {fact for phrase, fact in CLAIMS.items() if phrase in text}
    assert needed <= card.requires, f"{card.id} says what needs {sorted(needed - card.requires)}"
    if "networking column looks empty" in text:
        assert "networked_last_week" in card.unless


def test_requirements_are_data_apart_from_preferences() -> None:
    offer = card_by_id("offers-keep-going")
    assert offer is not None and offer.requires == {"has_offer"} and "has_offer" in offer.tags
    climbing = card_by_id("one-on-one-depth")
    assert climbing is not None and climbing.requires == {"networked_last_week"}
    assert "networked_last_week" not in TAGS  # a fact, not a situation to prefer
    used = {fact for c in CARDS for fact in c.requires | c.unless}
    assert used <= set(FACTS)
    assert sum(c.unconditional for c in CARDS) >= 20  # plenty is true of anyone (and of a whole channel)


def test_two_or_three_cards_for_a_recent_rejection_in_our_own_words() -> None:
    own = [c for c in CARDS if c.requires == {"recent_rejection"}]
    assert 2 <= len(own) <= 3
    assert {c.point for c in own} >= {"interview_is_networking"}  # the interviewer is a contact now
    assert all("recent_rejection" in c.tags for c in own)


def test_fits() -> None:
    (c,) = parse_cards({"cards": [raw_card(requires=["has_offer"], unless=["recent_rejection"]),
                                  raw_card(id="anyone")]})[:1]
    assert c.fits(frozenset({"has_offer"}))
    assert not c.fits(frozenset())
    assert not c.fits(frozenset({"has_offer", "recent_rejection"}))
    assert not c.fits(None) and not c.unconditional


def test_split_sentences() -> None:
    assert split_sentences("One. Two? Three! This week: do it.") == [
        "One.",
        "Two?",
        "Three!",
        "This week: do it.",
    ]
    assert split_sentences("Before: a, b; c. After.") == ["Before: a, b; c.", "After."]


def test_cards_do_not_repeat_the_articles() -> None:
    seeds = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    if not seeds:
        pytest.skip(f"seed articles not found in {SEEDS}")
    seed_grams: set[str] = set()
    for seed in seeds:
        seed_grams |= ngrams(words(seed.read_text(errors="replace")), VERBATIM_WORDS)
    texts = [(f"{card.id}.{field}", getattr(card, field)) for card in CARDS for field in TEXT_FIELDS]
    texts += [(f"POINTS[{point}]", text) for point, text in POINTS.items()]
    hits = [
        (where, gram) for where, text in texts for gram in ngrams(words(text), VERBATIM_WORDS) & seed_grams
    ]
    assert not hits, f"text repeating the articles word for word: {hits}"


# --- validation: a bad card is refused with a message that names it ---


def raw_card(**overrides: Any) -> dict[str, Any]:
    card: dict[str, Any] = {
        "id": "sample-card",
        "point": "myth_shy",
        "title": "A sample",
        "nudge": "A first sentence. This week: do one thing.",
        "action": "This week: do one thing.",
        "tags": ["hesitant"],
    }
    card.update(overrides)
    return card


def test_parse_accepts_a_good_card() -> None:
    (card,) = parse_cards({"cards": [raw_card()]})
    assert card.article == ARTICLES["informational"]
    assert card.tags == frozenset({"hesitant"})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"point": "no_such_point"}, "unknown point"),
        ({"tags": ["nope"]}, "unknown tag"),
        ({"tags": []}, "one to three"),
        ({"tags": ["general", "streak", "hesitant", "first_week"]}, "one to three"),
        ({"nudge": "This week: do one thing."}, "2 to 4 sentences"),
        ({"nudge": "One. Two. Three. Four. This week: do one thing."}, "2 to 4 sentences"),
        ({"nudge": "A first sentence. This week: do another thing."}, "end with its action"),
        ({"action": ""}, "'action' must be a non-empty string"),
        ({"action": "Do one thing."}, "starting 'This week: '"),
        ({"title": "A *bold* sample"}, "plain text"),
        ({"id": "Bad Id"}, "lower-case words"),
        ({"extra": "x"}, "unknown field"),
        ({"requires": ["has_offers"]}, "unknown fact(s) in 'requires': has_offers"),
        ({"unless": ["nope"]}, "unknown fact(s) in 'unless': nope"),
        ({"requires": "has_offer"}, "'requires' must be a list of fact names"),
        ({"requires": ["has_offer", "has_offer"]}, "'requires' names a fact twice"),
        ({"requires": ["has_offer"], "unless": ["has_offer"]}, "has_offer cannot be both required and excluded"),
    ],
)
def test_parse_refuses_bad_cards(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_cards({"cards": [raw_card(**overrides)]})


def test_parse_refuses_duplicate_ids() -> None:
    with pytest.raises(ValueError, match="duplicate card id 'sample-card'"):
        parse_cards({"cards": [raw_card(), raw_card()]})


def test_parse_refuses_a_deck_with_no_card_true_of_anyone() -> None:
    with pytest.raises(ValueError, match="at least one card with no 'requires' or 'unless'"):
        parse_cards({"cards": [raw_card(requires=["has_offer"])]})


def test_parse_refuses_missing_cards() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        parse_cards({})
