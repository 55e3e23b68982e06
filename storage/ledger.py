"""The delivery ledger: what must be sent exactly once, who claimed it, and what was sent.

A message is claimed (a row inserted under its unique key) before it is sent and marked sent afterwards. A
row left "claimed" by a process that died is in doubt: the sender must look for the message on the platform
before sending it again (see bot/delivery.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from storage.clock import stamp
from storage.db import transaction


@dataclass(frozen=True)
class Claim:
    key: str
    fresh: bool  # True: this call inserted the row; False: it was claimed earlier and never marked sent
    claimed_at: str
    attempts: int


def claim(
    db: Database,
    *,
    key: str,
    kind: str,
    workspace_key: int,
    target: str,
    now: datetime,
    lease_seconds: float,
    member_id: int | None = None,
    cohort_id: int | None = None,
    card_id: str | None = None,
) -> Claim | None:
    """Claim `key` for sending. None when it was sent already, or another sender holds a live claim."""
    at = stamp(now)
    with transaction(db):
        cursor = db.execute(
            "INSERT OR IGNORE INTO deliveries (key, kind, workspace_id, member_id, cohort_id, target, card_id, "
            "status, claimed_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'claimed', ?)",
            [key, kind, workspace_key, member_id, cohort_id, target, card_id, at],
        )
        if cursor.rowcount == 1:
            return Claim(key, True, at, 1)
        status, claimed_at, attempts = db.execute(
            "SELECT status, claimed_at, attempts FROM deliveries WHERE key = ?", [key]
        ).fetchone()
        if status != "claimed":
            return None
        age = (now - datetime.fromisoformat(claimed_at)).total_seconds()
        if age < lease_seconds:
            return None
        db.execute(
            "UPDATE deliveries SET claimed_at = ?, attempts = attempts + 1 WHERE key = ? AND status = 'claimed'",
            [at, key],
        )
    return Claim(key, False, claimed_at, attempts + 1)


def mark_sent(db: Database, key: str, now: datetime, message_ref: str) -> None:
    with transaction(db):
        db.execute(
            "UPDATE deliveries SET status = 'sent', sent_at = ?, message_ref = ? WHERE key = ?",
            [stamp(now), message_ref, key],
        )


def release(db: Database, key: str) -> None:
    """Give a claim back after a send that certainly failed, so the next sweep tries again."""
    with transaction(db):
        db.execute("DELETE FROM deliveries WHERE key = ? AND status = 'claimed'", [key])


def restore_claim(db: Database, key: str, claimed_at: str, *, taken_at: datetime) -> None:
    """Undo taking over an in-doubt claim at `taken_at` when the platform could not be checked: the claim gets
    its earlier time back, so the next check still searches from before the send that may have happened
    (unless another sender has taken the claim over since)."""
    with transaction(db):
        db.execute(
            "UPDATE deliveries SET claimed_at = ? WHERE key = ? AND status = 'claimed' AND claimed_at = ?",
            [claimed_at, key, stamp(taken_at)],
        )


def settled(db: Database, keys: Iterable[str]) -> set[str]:
    """The keys among `keys` that are done with: sent (or skipped). Claimed ones are still open."""
    found: set[str] = set()
    keys = list(keys)
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        found.update(r[0] for r in db.execute(
            f"SELECT key FROM deliveries WHERE status != 'claimed' AND key IN ({','.join('?' * len(chunk))})",
            chunk))
    return found


def status(db: Database, key: str) -> str | None:
    row = db.execute("SELECT status FROM deliveries WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def recent_cards(db: Database, member_id: int, since: datetime) -> set[str]:
    rows = db.execute(
        "SELECT card_id FROM deliveries WHERE member_id = ? AND kind = 'nudge' AND claimed_at >= ? "
        "AND card_id IS NOT NULL",
        [member_id, stamp(since)],
    ).fetchall()
    return {r[0] for r in rows}


def recent_summary_cards(db: Database, cohort_id: int, since: datetime) -> set[str]:
    rows = db.execute(
        "SELECT card_id FROM deliveries WHERE cohort_id = ? AND kind = 'summary' AND claimed_at >= ? "
        "AND card_id IS NOT NULL",
        [cohort_id, stamp(since)],
    ).fetchall()
    return {r[0] for r in rows}


def record_feedback(db: Database, member_id: int, cohort_id: int, card_id: str, vote: int, now: datetime) -> None:
    with transaction(db):
        db.execute(
            "INSERT INTO card_feedback (member_id, cohort_id, card_id, vote, at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (member_id, card_id) DO UPDATE SET vote = excluded.vote, at = excluded.at",
            [member_id, cohort_id, card_id, vote, stamp(now)],
        )


def card_scores(db: Database, cohort_id: int) -> dict[str, tuple[int, int]]:
    """card id -> (thumbs up, thumbs down) within a cohort."""
    rows = db.execute(
        "SELECT card_id, SUM(vote = 1), SUM(vote = -1) FROM card_feedback WHERE cohort_id = ? GROUP BY card_id",
        [cohort_id],
    ).fetchall()
    return {r[0]: (int(r[1]), int(r[2])) for r in rows}
