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
from storage.members import Membership


def ensure(request: CommandRequest, deps: Deps) -> Membership:
    """Find or create the requester's workspace, cohort and member (using any command joins), recording the
    profile the platform supplied. Call it inside the command's transaction, so a refused command stores
    nothing."""
    actor = request.actor
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
    )


def context(request: CommandRequest, deps: Deps) -> Context:
    """Everything a running command knows, with the member ensured."""
    return Context(request, deps, ensure(request, deps))


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
