"""Dispatch: from a CommandRequest to a Reply, whatever the text, without ever raising."""

from __future__ import annotations

import logging
from dataclasses import replace

from commands import REGISTRY, CommandSpec, identity, welcome
from commands.model import CommandRequest, Deps, Form, Para, Reply, UserText
from commands.parsing import UsageError, check_text
from commands.replies import error
from storage import transaction

log = logging.getLogger(__name__)
FORMS = {"interview", "network"}

OUR_FAULT = "Something went wrong on our side and nothing was saved. Please try again in a moment."


def _unknown(name: str) -> Reply:
    known = ", ".join(f"/{n}" for n in REGISTRY)
    try:
        shown: tuple[str | UserText, ...] = ("/", UserText(check_text(name, 60)))
    except UsageError:  # too long, or not text at all (a lone surrogate can't even be sent back)
        shown = ("you typed",)
    return error(("I don't know the command ", *shown, f". Try one of {known}, or /cohort help."),
                 examples=(REGISTRY["interview"].examples[0], REGISTRY["network"].examples[0]))


def _form_reply(name: str, spec: CommandSpec, request: CommandRequest, deps: Deps) -> Reply:
    """An empty /interview or /network: the one-line usage, and a form opened on the member's today."""
    form: Form = Form("interview" if name == "interview" else "network",
                      initial={"day": identity.today_for(request, deps).isoformat()})
    return Reply(
        blocks=(
            Para((f"Log {'an interview' if name == 'interview' else 'a networking meeting'} in one line:",)),
            Para(("Usage: ", spec.usage), style="muted"),
            Para(("Examples: ", "   ".join(spec.examples)), style="muted"),
        ),
        private=True,
        ok=False,
        form=form,
    )


def _run(spec: CommandSpec, text: str, request: CommandRequest, deps: Deps) -> Reply:
    # One transaction for the whole command: a command that is refused (or fails) stores nothing, not even the
    # member, workspace and cohort its first use would create, nor the profile the platform told us.
    with transaction(deps.db):
        ctx = identity.context(request, deps)
        reply = spec.run(spec.parse(text, ctx.today), ctx)
        if ctx.membership.created:  # their first command: a short welcome, once
            reply = welcome.greet(reply, ctx)
    if reply.form is not None and "day" not in reply.form.initial:
        reply = replace(reply, form=replace(reply.form, initial={**reply.form.initial, "day": ctx.today.isoformat()}))
    return reply


def dispatch(request: CommandRequest, deps: Deps) -> Reply:
    name = request.name.lstrip("/").lower()
    spec = REGISTRY.get(name)
    if spec is None:
        return _unknown(name)
    try:
        text = check_text(request.text, deps.max_text).strip()
        if not text and name in FORMS:
            return _form_reply(name, spec, request, deps)
        return _run(spec, text, request, deps)
    except UsageError as problem:
        return error(problem.spans, usage=problem.usage or spec.usage, examples=problem.examples or spec.examples)
    except Exception:  # a command bug must not become a failed request on the platform
        log.exception("command /%s failed", name)
        return error(OUR_FAULT)
