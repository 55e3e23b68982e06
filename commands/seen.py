"""Platform events seen before: a transport asks here, so an event the platform retries is handled once."""

from __future__ import annotations

from commands.model import Deps
from storage import events


def first_sighting(deps: Deps, key: str) -> bool:
    """True the first time `key` (a platform event id) is seen; False for every later delivery of it."""
    return events.first_sighting(deps.db, key, deps.clock())
