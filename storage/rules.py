"""A cohort's scoring rules: one type, used by members (each cohort's row), scoring and the settings."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScoringRules:
    """A cohort's points: what each kind of entry earns and the most a member earns in a day."""

    interview: int = 3
    offer_bonus: int = 5
    informational: int = 3
    meeting: int = 2
    event: int = 1
    daily_cap: int = 10
