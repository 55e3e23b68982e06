"""Applications: a member's process with one organisation. Interview rounds, offers and rejections belong to one;
networking entries don't.

Organisation names match loosely, precision first, with rapidfuzz doing the comparing: names are compared as
words (rapidfuzz's default_process: case, punctuation and spacing ignored; "LLP", "and" and the like dropped), and
two names are one organisation when the shorter one's words are the first words of the longer ("Cravath" and
"Cravath, Swaine & Moore", "Latham" and "Latham & Watkins"), each word alike up to a typo ("Skaden" and
"Skadden"; Levenshtein similarity at least TYPO_SIMILARITY, so a one-letter difference in a short word such as
"SDNY" and "EDNY" is a different organisation). "Kirkland" is not "Milbank". A name that matches two of the
member's applications ("Davis" with "Davis Polk" and "Davis Wright Tremaine") joins neither: it starts its own.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby

from rapidfuzz.distance import Levenshtein
from rapidfuzz.utils import default_process
from sqlite_utils import Database

from storage.clock import stamp

TYPO_SIMILARITY = 0.83  # one letter in six: "latham"/"lathem" is a typo, "jones"/"jonas" is not
MIN_SHORT_NAME = 4  # a shorter name must have at least this many letters to stand for a longer one
NOISE = frozenset({"llp", "llc", "pllc", "lp", "pc", "ltd", "inc", "and", "the"})
RECENT = 5


@dataclass(frozen=True)
class Application:
    id: int
    org: str  # the name as first logged


@dataclass(frozen=True)
class Step:
    """One entry of an application: a round, an offer or a rejection."""

    seq: int
    subtype: str
    happened_on: date
    status: str  # done or planned (cancelled and deleted entries are left out)


@dataclass(frozen=True)
class Pipeline:
    application: Application
    steps: tuple[Step, ...]  # oldest first


@functools.lru_cache(maxsize=8192)
def words(org: str) -> tuple[str, ...]:
    """A name as the words that tell organisations apart (members type the same few firms over and over)."""
    return tuple(w for w in default_process(org).split() if w not in NOISE)


def _alike(a: str, b: str) -> bool:
    return a == b or Levenshtein.normalized_similarity(a, b, score_cutoff=TYPO_SIMILARITY) > 0


def match_strength(a: str, b: str) -> int:
    """2 when two names are the same organisation word for word (typos allowed), 1 when the shorter is the start
    of the longer ("Latham" / "Latham & Watkins"), 0 when they are different organisations."""
    first, second = words(a), words(b)
    short, long_ = sorted((first, second), key=len)
    if not short or not all(_alike(x, y) for x, y in zip(short, long_, strict=False)):
        return 0
    if len(short) == len(long_):
        return 2
    return 1 if len("".join(short)) >= MIN_SHORT_NAME else 0


def same_organisation(a: str, b: str) -> bool:
    return match_strength(a, b) > 0


def best_match(org: str, candidates: Sequence[tuple[int, str]]) -> int | None:
    """The id of the one candidate (id, name) that is `org`'s organisation; None when none is, or when two are
    equally good (precision first: a new application rather than the wrong one)."""
    scored = [(match_strength(org, name), ident) for ident, name in candidates]
    for strength in (2, 1):
        found = {ident for s, ident in scored if s == strength}
        if found:
            return found.pop() if len(found) == 1 else None
    return None


def choose(org: str, exact: int | None, spelled: int | None,
           candidates: Sequence[tuple[int, str]] | Callable[[], Sequence[tuple[int, str]]]) -> int | None:
    """Which of a member's applications `org` belongs to: the one first named exactly so (`exact`), else the one
    this spelling went to before (`spelled`), else the one organisation it loosely matches among `candidates`
    (id, name); None: a new application."""
    if exact is not None:
        return exact
    if spelled is not None:
        return spelled
    return best_match(org, candidates() if callable(candidates) else candidates)


def _create(db: Database, member_id: int, org: str, org_key: str, at: str) -> int:
    new = db.execute(
        "INSERT INTO applications (member_id, org, org_key, created_at) VALUES (?, ?, ?, ?)",
        [member_id, org, org_key, at],
    ).lastrowid
    assert new is not None
    return new


def find_or_create(db: Database, member_id: int, org: str, org_key: str, now: datetime) -> int:
    """The member's application at `org` (see `choose`), made if they have none. Call inside the transaction that
    links it."""
    exact = db.execute(
        "SELECT id FROM applications WHERE member_id = ? AND org_key = ?", [member_id, org_key]
    ).fetchone()
    spelled = None if exact else db.execute(
        "SELECT application_id FROM activities WHERE member_id = ? AND org_key = ? AND application_id IS NOT NULL "
        "ORDER BY created_at DESC, id DESC LIMIT 1", [member_id, org_key]
    ).fetchone()
    found = choose(org, exact[0] if exact else None, spelled[0] if spelled else None, lambda: db.execute(
        "SELECT id, org FROM applications WHERE member_id = ? ORDER BY id", [member_id]).fetchall())
    return found if found is not None else _create(db, member_id, org, org_key, stamp(now))


def get(db: Database, application_id: int) -> Application | None:
    row = db.execute("SELECT id, org FROM applications WHERE id = ?", [application_id]).fetchone()
    return Application(row[0], row[1]) if row else None


_STEPS = (
    "SELECT application_id, seq, subtype, happened_on, status FROM activities WHERE application_id IN ({}) "
    "AND deleted_at IS NULL AND status != 'cancelled' ORDER BY happened_on, created_at, id"
)


def _steps(db: Database, ids: Sequence[int]) -> dict[int, list[Step]]:
    out: dict[int, list[Step]] = {i: [] for i in ids}
    if ids:
        for app, seq, subtype, day, status in db.execute(_STEPS.format(",".join("?" * len(ids))), list(ids)):
            out[app].append(Step(seq, subtype, date.fromisoformat(day), status))
    return out


def history(db: Database, application_id: int) -> tuple[Step, ...]:
    """An application's live entries, oldest first."""
    return tuple(_steps(db, [application_id])[application_id])


def pipelines(db: Database, member_id: int, limit: int = RECENT) -> list[Pipeline]:
    """The member's applications with a live entry, the most recently active first, each with its steps."""
    # Walk the member's entries newest first (activities_member) until `limit` applications are found: a few rows,
    # where grouping every entry of every application by its latest day read the member's whole history.
    found: dict[int, str] = {}
    for app, org in db.execute(
        "SELECT x.application_id, a.org FROM activities AS x JOIN applications AS a ON a.id = x.application_id "
        "WHERE x.member_id = ? AND x.deleted_at IS NULL AND x.status != 'cancelled' "
        "ORDER BY x.happened_on DESC, x.created_at DESC, x.id DESC",
        [member_id],
    ):
        found.setdefault(app, org)
        if len(found) == limit:
            break
    steps = _steps(db, list(found))
    return [Pipeline(Application(i, org), tuple(steps[i])) for i, org in found.items()]


def link_unlinked(db: Database) -> int:
    """Give every interview entry without an application its member's application (made as needed, by the same
    rule as `find_or_create`), in logging order, so each organisation's first name is the application's name.
    One member at a time in memory (a migration links a whole history). Returns how many were linked."""
    rows = db.execute(
        "SELECT member_id, id, org, org_key, created_at FROM activities WHERE kind = 'interview' "
        "AND application_id IS NULL ORDER BY member_id, created_at, id"
    ).fetchall()
    links: list[tuple[int, int]] = []
    for member_id, entries in groupby(rows, key=lambda r: int(r[0])):
        apps = db.execute("SELECT id, org, org_key FROM applications WHERE member_id = ? ORDER BY id",
                          [member_id]).fetchall()
        by_key = {key: ident for ident, _, key in apps}
        candidates = [(ident, org) for ident, org, _ in apps]
        spelled = dict(db.execute(
            "SELECT org_key, application_id FROM activities WHERE member_id = ? AND application_id IS NOT NULL "
            "ORDER BY created_at, id", [member_id]).fetchall())
        for _, ident, org, key, created_at in entries:
            app = choose(org, by_key.get(key), spelled.get(key), candidates)
            if app is None:
                app = by_key[key] = _create(db, member_id, org, key, created_at)
                candidates.append((app, org))
            spelled[key] = app
            links.append((app, ident))
    db.conn.executemany("UPDATE activities SET application_id = ? WHERE id = ?", links)
    return len(links)
