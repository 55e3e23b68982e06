"""The member's home page (Slack App Home, a Teams personal tab): week, streak, entries, leaderboard; with no
entries yet, a getting-started section first (the welcome's words, commands/welcome.py)."""

from __future__ import annotations

from commands import identity, leaderboard, progress, welcome
from commands.context import Context
from commands.model import Actions, Block, Button, CommandRequest, Deps, Para, Reply, Strong, Table, UserText
from commands.parsing import describe_day, label
from storage import activities, transaction

RECENT = 8


def home(request: CommandRequest, deps: Deps) -> Reply:
    with transaction(deps.db):  # the member and the profile the platform told us, as for any command
        return _home(identity.context(request, deps))


def _home(ctx: Context) -> Reply:
    deps, today = ctx.deps, ctx.today
    entries = activities.recent(deps.db, ctx.member.id, RECENT)
    mine = progress.run(progress.Args(), ctx)
    blocks: list[Block] = [] if entries else list(welcome.getting_started(ctx))
    blocks += [b for b in mine.blocks if not isinstance(b, Table | Actions)
               and not (isinstance(b, Para) and b.style == "muted")]
    blocks.append(Actions((Button("Log an interview", "interview", "", style="primary"),
                           Button("Log a meeting", "network", ""))))
    # The board comes before the entries: if a very long history must be cut to fit, older entries go first.
    board = leaderboard.run(leaderboard.Args("week"), ctx)
    blocks.extend(board.blocks)
    if entries:
        blocks.append(Para(("Your latest entries",), style="heading"))
        for act in entries:
            blocks.append(Para((f"#{act.seq}  ", Strong(label(act.kind, act.subtype)), "  ", UserText(act.org),
                                f"  · {describe_day(act.happened_on, today)} · {act.points} pts")))
            blocks.append(Actions((Button("Edit", "cohort", f"edit {act.seq}"),
                                   Button("Delete", "cohort", f"delete {act.seq}", style="danger"))))
    return Reply(blocks=tuple(blocks), private=True)
