"""Dispatch: from a CommandRequest to a Reply, whatever the text, without ever raising."""

from __future__ import annotations

import logging
from datetime import date

from commands import REGISTRY
from commands.context import Context, local_today
from commands.model import CommandRequest, Deps, Form, Para, Reply, UserText
from commands.parsing import UsageError, check_text
from commands.replies import error
from storage import members, transaction
from storage.members import Membership, ScoringRules

log = logging.getLogger(__name__)
FORMS = {"interview", "network"}


def _rules(deps: Deps) -> ScoringRules:
    r = deps.rules
    return ScoringRules(r.interview, r.offer_bonus, r.informational, r.meeting, r.event, r.daily_cap)


def _known_tz(request: CommandRequest, deps: Deps) -> str | None:
    if request.actor.tz:
        return request.actor.tz
    stored = members.profile(deps.db, request.actor.platform, request.actor.workspace_id, request.actor.user_id)
    return stored.tz if stored else None


def today_for(request: CommandRequest, deps: Deps) -> date:
    """The requester's calendar day: their platform timezone, else the one stored, else the default."""
    return local_today(request.received_at, _known_tz(request, deps), deps.default_tz)


def membership_for(request: CommandRequest, deps: Deps) -> Membership:
    """Find or create the requester's workspace, cohort and member (using any command joins)."""
    return members.ensure_member(
        deps.db,
        platform=request.actor.platform,
        workspace=request.actor.workspace_id,
        user_id=request.actor.user_id,
        display_name=request.actor.display_name,
        tz=request.actor.tz,
        now=request.received_at,
        rules=_rules(deps),
        weekly_goal=deps.rules.weekly_goal,
    )


def dispatch(request: CommandRequest, deps: Deps) -> Reply:
    name = request.name.lstrip("/").lower()
    spec = REGISTRY.get(name)
    if spec is None:
        known = ", ".join(f"/{n}" for n in REGISTRY)
        return error(("I don't know the command /", UserText(name), f". Try one of {known}, or /cohort help."),
                     examples=(REGISTRY["interview"].examples[0], REGISTRY["network"].examples[0]))
    try:
        text = check_text(request.text, deps.max_text).strip()
        if not text and name in FORMS:
            return Reply(
                blocks=(
                    Para((f"Log {'an interview' if name == 'interview' else 'a networking meeting'} in one line:",)),
                    Para(("Usage: ", spec.usage), style="muted"),
                    Para(("Examples: ", "   ".join(spec.examples)), style="muted"),
                ),
                private=True,
                ok=False,
                form=Form("interview" if name == "interview" else "network"),
            )
        today = today_for(request, deps)
        args = spec.parse(text, today)
    except UsageError as problem:
        return error(problem.spans, usage=spec.usage, examples=spec.examples)
    except Exception:  # a parser bug must not become a failed request on the platform
        log.exception("parsing /%s failed", name)
        return error("Something went wrong on our side and nothing was saved. Please try again in a moment.")
    try:
        # One transaction for the whole command: a command that is refused (or fails) stores nothing, not
        # even the member, workspace and cohort its first use would create.
        with transaction(deps.db):
            return spec.run(args, Context(request, deps, membership_for(request, deps)))
    except UsageError as problem:
        return error(problem.spans, usage=spec.usage, examples=spec.examples)
    except Exception:
        log.exception("command /%s failed", name)
        return error("Something went wrong on our side and nothing was saved. Please try again in a moment.")
