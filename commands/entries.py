"""A member's own entries, found by their short id (#12): the one "is this entry yours (and live)" check, and the
form that edits one. /cohort (edit, delete, share, thanks, happened) and the form submissions both use it.
"""

from __future__ import annotations

from commands.context import Context
from commands.model import Form
from commands.parsing import UsageError
from storage import activities

MAX_SEQ = 999_999_999  # the longest id `parse_id` reads (9 digits)


def own_entry(ctx: Context, seq: int, *, live: bool = True) -> activities.Activity | None:
    """The asker's entry #seq in this workspace; None when there is none, it is someone else's, or (with `live`)
    it was deleted."""
    if not 0 < seq <= MAX_SEQ:  # a form or button may carry any number; SQLite can't look up 2**70
        return None
    act = activities.find_by_seq(ctx.deps.db, ctx.membership.workspace_key, seq)
    if act is None or act.member_id != ctx.member.id or (live and act.deleted):
        return None
    return act


def no_entry(seq: int) -> UsageError:
    return UsageError(f"You have no entry #{seq}. /progress lists your entries and their ids.")


def entry_to_change(ctx: Context, seq: int, *, live: bool = True) -> activities.Activity:
    """The asker's entry #seq, or a UsageError saying it is not theirs (or, with `live`, that it was deleted)."""
    act = own_entry(ctx, seq, live=False)
    if act is None:
        raise no_entry(seq)
    if live and act.deleted:
        raise UsageError(f"Entry #{seq} was deleted, so it can't be changed. Log it again with /interview "
                         "or /network.")
    return act


def form_for_edit(ctx: Context, seq: int) -> Form | None:
    """A form prefilled with one of the member's live entries."""
    act = own_entry(ctx, seq)
    if act is None:
        return None
    return Form(
        "interview" if act.kind == "interview" else "network",
        edit_seq=act.seq,
        initial={"org": act.org, "subtype": act.subtype, "day": act.happened_on.isoformat(), "notes": act.notes},
    )
