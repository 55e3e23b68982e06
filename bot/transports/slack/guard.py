"""The door of `POST /slack/events`: what is refused before Bolt sees a request.

Bolt parses a body before it verifies it, so unauthenticated junk (a timestamp that is not a number, a charset
that does not exist, `payload=[1,2]`, JSON `null`) used to reach code that raised, and came back as a 500 with
a traceback. Here a request is verified first, with slack_sdk's `SignatureVerifier`, on the raw bytes; then
checked against a cache of signatures already seen (Slack signs no nonce, so an exact replay inside the 5-minute
window would verify again); only then parsed. Every refusal is one warning line and a 4xx.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)
WINDOW = 5 * 60  # seconds: Slack's own limit on a request's age, and how long a signature is remembered
MAX_REMEMBERED = 100_000  # signatures; about 15 MB at most, far above any workspace's 5-minute traffic


class ReplayCache:
    """Signatures seen in the last WINDOW seconds, in bounded memory (the oldest go first when it is full)."""

    def __init__(self, capacity: int = MAX_REMEMBERED, clock: Callable[[], float] = time.time) -> None:
        self.capacity = capacity
        self.clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, signature: str) -> bool:
        """Remember `signature`; False when it was already seen within the window."""
        now = self.clock()
        while self._seen and (next(iter(self._seen.values())) < now - WINDOW or len(self._seen) >= self.capacity):
            self._seen.popitem(last=False)
        if signature in self._seen:
            return False
        self._seen[signature] = now
        return True

    def __len__(self) -> int:
        return len(self._seen)


@dataclass(frozen=True)
class Refusal:
    status: int
    reason: str


class Guard:
    def __init__(self, signing_secret: str, replays: ReplayCache | None = None) -> None:
        self.verifier = SignatureVerifier(signing_secret)
        self.replays = replays or ReplayCache()

    def admit(self, raw: bytes, headers: Mapping[str, str], query: str) -> AsyncBoltRequest | Refusal:
        """A verified, first-seen, parsed request for Bolt; or why it is refused."""
        timestamp = headers.get("X-Slack-Request-Timestamp", "")
        signature = headers.get("X-Slack-Signature", "")
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12) or not signature.isascii():
            return Refusal(401, "missing or malformed signature headers")
        try:
            text = raw.decode("utf-8")  # Slack always sends UTF-8, whatever a charset parameter claims
        except UnicodeDecodeError:
            return Refusal(400, "body is not UTF-8")
        if not self.verifier.is_valid(text, timestamp, signature):
            return Refusal(401, "signature does not verify")
        if not self.replays.first_time(signature):
            return Refusal(401, "replay of a request already handled")
        try:
            request = AsyncBoltRequest(body=text, query=query, headers={k: v for k, v in headers.items()})
        except (ValueError, TypeError, AttributeError) as problem:
            return Refusal(400, f"body does not parse ({type(problem).__name__})")
        if not _well_formed(request.body):
            return Refusal(400, "body is not a Slack payload")
        return request


_OBJECTS = ("user", "team", "view", "container", "channel", "event", "enterprise", "message")
_LISTS = ("actions", "authorizations")


def _well_formed(body: Any) -> bool:
    """The shapes Bolt's routing reads without checking: a dict body (an interaction's `payload` is parsed into
    it), nested objects that are objects (or null, as Slack sends for some), and `actions` as a list of them."""
    if not isinstance(body, dict):
        return False
    if any(body.get(key) is not None and not isinstance(body[key], dict) for key in _OBJECTS):
        return False
    if isinstance(body.get("view"), dict) and not isinstance(body["view"].get("type"), str):
        return False  # Bolt routes views by their type (Slack always sends one)
    if "command" in body and not all(isinstance(body.get(k), str) and body[k] for k in ("user_id", "team_id")):
        return False  # a slash command always names who typed it, and where
    if isinstance(body.get("user"), dict) and not isinstance(body["user"].get("id", ""), str):
        return False
    return all(body.get(key) is None or (isinstance(body[key], list) and all(isinstance(x, dict) for x in body[key]))
               for key in _LISTS)


def refuse(refusal: Refusal, remote: str | None) -> None:
    log.warning("refused a request to /slack/events from %s: %s (%d)", remote or "?", refusal.reason,
                refusal.status)
