"""The leaderboard's derived tables (member_days, member_totals) always equal a recomputation from the entries.

Random command sequences (log past and future entries, edit, delete, undo, confirm or cancel, thank-you notes,
two workspaces, three timezones) go through `commands.dispatch`; the checker in bench/check_totals.py compares
the all-time board, member sums and active days with the same questions asked of the activities table.
"""

from __future__ import annotations

import pytest

from bench.check_totals import check


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_totals_match_entries(seed: int) -> None:
    check(seed, steps=400)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(10, 20))
def test_totals_match_entries_long(seed: int) -> None:
    check(seed, steps=1500)
