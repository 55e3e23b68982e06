"""The words `commands.understand` knows besides dates and times: the two vocabularies (stages and meeting types),
connectors, filler words, and the words that make a name read like a sentence.

All words are in normalised form (see `commands.words.normalise`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from commands.parsing import MONTHS, STAGE_SYNONYMS, TYPE_SYNONYMS, WEEKDAYS
from commands.when import RELATIVE


@dataclass(frozen=True)
class Vocabulary:
    """The words for one kind of entry: `table` maps typed phrases to the stored subtype."""

    kind: str  # "interview" or "networking"
    command: str  # "interview" or "network"
    table: dict[str, str]
    weak: frozenset[str]  # phrases that give way to any other phrase of the table ("interview", "OCI")
    default: str
    what: str  # what the name is, in messages
    kind_word: str  # what a subtype is called, in messages
    starts: dict[str, tuple[int, ...]] = field(default_factory=dict)  # first word -> phrase lengths, longest first
    single: tuple[str, ...] = ()  # one-word phrases, for "did you mean"

    @classmethod
    def of(cls, kind: str, command: str, table: dict[str, str], weak: set[str], default: str, what: str,
           kind_word: str) -> Vocabulary:
        starts: dict[str, set[int]] = {}
        for phrase in table:
            words = phrase.split()
            starts.setdefault(words[0], set()).add(len(words))
        weak |= {phrase for phrase, subtype in table.items() if subtype == "other"}
        return cls(kind, command, table, frozenset(weak), default, what, kind_word,
                   {w: tuple(sorted(n, reverse=True)) for w, n in starts.items()},
                   tuple(sorted(p for p in table if " " not in p and len(p) >= 4)))


INTERVIEW = Vocabulary.of("interview", "interview", STAGE_SYNONYMS,
                          {"oci", "on campus", "on-campus", "campus", "initial", "final"}, "other", "organisation",
                          "stage")
NETWORKING = Vocabulary.of("networking", "network", TYPE_SYNONYMS,
                           {"call", "phone call", "zoom", "zoom call", "video call", "alumni", "alum"},
                           "informational", "person or organisation", "meeting type")
OTHER = {"interview": NETWORKING, "networking": INTERVIEW}
OUTCOMES = {"offer", "rejection"}  # an outcome wins over the stage it followed ("offer after the callback")

# What a connector says about the name after it.
CONNECTORS = {"with": "person", "w/": "person", "w": "person", "at": "org", "@": "org", "from": "org",
              "for": "org", "by": "any", "to": "to"}  # "to": a place or a person, so never one of a pair
TITLES = {"judge", "justice", "magistrate", "hon", "chief"}  # "Judge Chen": a name, and a clerkship

# Dropped at the edges of a name: "had a callback", "got an offer", "went to the reception".
LEAD_FILLERS = {"a", "an", "the", "my", "our", "had", "have", "has", "got", "get", "did", "just", "finally",
                "another", "first", "quick", "virtual", "in-person", "went", "met", "chat", "convo", "conversation",
                "catch-up", "networking", "spoke", "talked",
                "chatted", "caught", "up", "attended", "completed", "scheduled", "booked", "received", "accepted",
                "also", "great", "lovely", "nice", "big", "real", "official", "formal", "casual", "short", "long",
                "in", "after", "before", "during", "following", "and", "or"}
# Typed with a capital, a filler is dropped only where a phone capitalises it: at the start of the line.
START_FILLERS = {"i", "we", "i've", "we've", "ive", "i'm", "im", "i'll", "we'll", "just", "also", "finally", "had",
                 "have", "got", "did", "went", "met", "spoke", "talked", "chatted", "attended", "a", "an", "the",
                 "my", "our", "another"}
TRAIL_FILLERS = {"a", "an", "the", "my", "our", "had", "have", "has", "got", "did", "just", "another", "first",
                 "quick", "virtual", "in-person", "today's", "scheduled", "booked", "set", "in", "after", "before",
                 "during", "following", "and", "or"}

# A name with one of these reads like a sentence: ask rather than store it as a name.
SENTENCE = {
    "i", "i'm", "im", "i've", "ive", "i'll", "i'd", "me", "my", "mine", "myself", "we", "we're", "we've", "our",
    "us", "you", "your", "he", "she", "they", "them", "his", "her", "their", "it", "it's", "its", "this", "that",
    "was", "were", "is", "are", "be", "been", "being", "will", "would", "should", "could", "can", "can't",
    "cannot", "did", "didn't", "do", "don't", "does", "doesn't", "went", "go", "going", "goes", "gone", "got",
    "get", "getting", "had", "have", "has", "having", "met", "meet", "talked", "spoke", "said", "told", "asked",
    "think", "thought", "hope", "hoping", "felt", "feel", "feels", "seems", "seemed", "looks", "looked", "liked",
    "loved", "want", "wanted", "need", "needed", "came", "come", "left", "made", "make", "took", "take", "gave",
    "give", "sent", "send", "heard", "hear", "know", "knew", "see", "saw", "seen", "let", "maybe", "probably",
    "really", "very", "so", "but", "because", "about", "not", "no", "yes", "well", "great", "good", "bad",
    "amazing", "awesome", "nice", "terrible", "fine", "ok", "okay", "lol", "tbh", "thanks", "thank", "super",
    "pretty", "hopefully", "definitely", "interesting", "fun", "tough", "hard", "easy", "stressful", "nervous",
    "excited", "if", "when", "then", "than", "again", "still", "also", "just", "too", "some", "any", "what",
    "who", "how", "why", "where", "there", "here", "back", "out", "over", "into", "after", "before", "until",
    "tentative", "tentatively", "possibly", "tbc", "waiting", "wait", "moved",
}
# Lower-case words that belong in names beside capitalised ones ("Office of the Public Defender", "Cravath llp").
LOWER_OK = {"and", "of", "the", "for", "de", "del", "della", "di", "da", "du", "la", "le", "van", "von", "der",
            "den", "y", "e", "at", "on", "in", "llp", "llc", "pc", "p.c", "inc", "co", "corp", "ltd", "lp", "pllc",
            "esq", "jr", "sr", "law", "school", "firm", "office", "offices", "association", "society", "bar",
            "court", "club", "group", "center", "centre", "university", "college", "clinic", "partners",
            "department", "county", "city", "state", "district", "circuit", "legal", "aid", "services", "project",
            "fund", "foundation", "council", "committee", "chapter", "section", "division", "unit", "bureau"}
# Left over in a name, these look like part of a date or a time, or of a stage.
DATE_WORDS = {"ago", "week", "weeks", "month", "months", "weekend", "morning", "afternoon", "evening",
              "night", "noon", "am", "pm", "a.m", "p.m", "o'clock", "oclock", "next", "last", "past", "tonight",
              "ish", "yr", "hour", "hours", "minutes"} | set(WEEKDAYS) | set(RELATIVE)
STAGE_WORDS = {"round", "rounds", "interviews", "stage", "stages"}
MONTH_WORDS = set(MONTHS)
# Typos are compared with these (as well as each vocabulary's own words).
DAY_NAMES = ("yesterday", "tomorrow", "today", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
             "sunday")
# A name with one of these is an organisation, not a person ("Office for Civil Rights").
ORG_HINTS = {"llp", "llc", "inc", "pc", "office", "offices", "association", "assn", "society", "bar", "court", "law",
             "firm", "group", "center", "centre", "university", "college", "school", "clinic", "department", "dept",
             "partners", "foundation", "council", "committee", "bureau", "agency", "commission", "bank", "company",
             "co", "corp", "services", "project", "fund", "aid", "legal", "defender", "defenders", "attorney's",
             "attorneys", "counsel", "chambers", "circuit", "district", "county", "city", "state", "federal",
             "union", "institute", "network", "alliance", "coalition", "&", "and"}
