"""Who a member is: the one place that turns what a platform said about a person into a member row.

A transport puts what the platform told it (ids, name, timezone, admin flag, and when it learned them) in the
`Actor` of a request. `ensure` finds or creates the member, inside the caller's transaction, and records that
profile there. Transports never read or write member rows; to decide whether to ask the platform again they
call `profile_checked_at`.
"""

from __future__ import annotations

from datetime import date, datetime

from commands.context import Context, local_today
from commands.model import Actor, CommandRequest, Deps
from storage import members
from storage.members import Cohort, Membership


def ensure(request: CommandRequest, deps: Deps) -> Membership:
    """Find or create the requester's workspace, cohort and member (using any command joins: a new member joins the
    cohort whose channel they typed in, else the workspace's first), recording the profile the platform supplied.
    Call it inside the command's transaction, so a refused command stores nothing."""
    actor, where = request.actor, request.where
    channel = ("", "") if where.is_direct else (where.channel_id, where.channel_name)
    return members.ensure_member(
        deps.db,
        platform=actor.platform,
        workspace=actor.workspace_id,
        user_id=actor.user_id,
        display_name=actor.display_name,
        tz=actor.tz,
        learned_at=actor.learned_at,
        now=request.received_at,
        rules=deps.rules,
        weekly_goal=deps.weekly_goal,
        channel=channel[0],  # a new member joins the cohort whose channel this is
        channel_name=channel[1],
    )


def context(request: CommandRequest, deps: Deps) -> Context:
    """Everything a running command knows, with the member ensured."""
    return Context(request, deps, ensure(request, deps))


def cohort_here(ctx: Context) -> Cohort | None:
    """The cohort whose channel the request was typed in (its summary goes there), if any; never in a direct chat.

    Commands typed there default to that cohort (the board, a coordinator's subcommands); a member's own entries
    always go to their own cohort, `ctx.cohort`."""
    where = ctx.request.where
    if where.is_direct or not where.channel_id:
        return None
    return members.cohort_of_channel(ctx.deps.db, ctx.membership.workspace_key, where.channel_id,
                                     where.channel_name)


def cohort_in_view(ctx: Context) -> Cohort:
    """The cohort a command is about when it names none: this channel's, else the asker's own."""
    return cohort_here(ctx) or ctx.cohort


def today_for(request: CommandRequest, deps: Deps) -> date:
    """The requester's calendar day: their platform timezone, else the one stored, else the default.

    A read only: it creates nothing (used before a command runs, e.g. to prefill a form's date)."""
    tz = request.actor.tz
    if not tz:
        stored = members.profile(deps.db, request.actor.platform, request.actor.workspace_id,
                                 request.actor.user_id)
        tz = stored.tz if stored else None
    return local_today(request.received_at, tz, deps.default_tz)


def profile_checked_at(deps: Deps, actor: Actor) -> datetime | None:
    """When the platform last told us this member's profile, as recorded; None for someone we never asked."""
    stored = members.profile(deps.db, actor.platform, actor.workspace_id, actor.user_id)
    if stored is None or not stored.checked_at:
        return None
    return datetime.fromisoformat(stored.checked_at)
