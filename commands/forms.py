"""Form submissions (Slack modals, Teams cards): the same validation and the same row as the text commands.

A form arrives as separate fields, so nothing is re-parsed from text: `submit_log` checks each field, answers
with per-field errors the form can show inline, or stores exactly what `/interview` or `/network` would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from commands import identity
from commands.context import Context
from commands.entries import own_entry
from commands.logs import MAX_NAME, LogArgs, status_for, store
from commands.model import CommandRequest, Deps, Reply
from commands.parsing import MAX_FUTURE, MAX_PAST, STAGE_SYNONYMS, TYPE_SYNONYMS, UsageError, check_text
from commands.replies import info
from storage import activities, transaction

MAX_NOTES = 2000
FORM_FIELDS = ("org", "subtype", "day", "notes")  # what every form (Slack modal, Teams card) carries


@dataclass(frozen=True)
class LogFields:
    kind: str  # "interview" or "networking", as stored
    org: str
    subtype: str
    day: str  # ISO date from a date picker
    notes: str = ""
    edit_seq: int | None = None  # editing an existing entry instead of logging a new one


@dataclass(frozen=True)
class FormResult:
    errors: dict[str, str] = field(default_factory=dict)  # field name -> message shown under it
    reply: Reply | None = None


def _validate(fields: LogFields, today: date) -> tuple[dict[str, str], date | None]:
    errors: dict[str, str] = {}
    org = fields.org.strip()
    for name, value, limit in (("org", org, MAX_NAME), ("notes", fields.notes, MAX_NOTES)):
        try:
            check_text(value, limit)
        except UsageError as problem:
            errors[name] = problem.message
    if not org and "org" not in errors:
        errors["org"] = "Type who you met or where you interviewed."
    table = STAGE_SYNONYMS if fields.kind == "interview" else TYPE_SYNONYMS
    if fields.subtype not in table.values():
        errors["subtype"] = "Choose one of the options."
    day: date | None = None
    try:
        day = date.fromisoformat(fields.day)
    except ValueError:
        errors["day"] = "Pick a date."
    if day is not None and not today - MAX_PAST <= day <= today + MAX_FUTURE:
        errors["day"] = "Pick a date within the last two years or the next year."
    return errors, day


def submit_log(request: CommandRequest, fields: LogFields, deps: Deps) -> FormResult:
    """Validate a submitted form; store it (or apply the edit) only when every field is valid."""
    try:
        # One transaction, as for a typed command: a refused form stores nothing, not even the member, workspace
        # and cohort that the asker's first use would create.
        with transaction(deps.db):
            ctx = identity.context(request, deps)
            errors, day = _validate(fields, ctx.today)
            if errors or day is None:
                raise _Refused(errors)
            return _submit(ctx, fields, day)
    except _Refused as refused:
        return FormResult(errors=refused.errors)


class _Refused(Exception):
    """The submission cannot be stored as it is; raised to roll the transaction back."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def _submit(ctx: Context, fields: LogFields, day: date) -> FormResult:
    deps, today = ctx.deps, ctx.today
    kind = "interview" if fields.kind == "interview" else "networking"
    if fields.edit_seq is not None:
        act = own_entry(ctx, fields.edit_seq)
        if act is None:
            raise _Refused({"org": f"Entry #{fields.edit_seq} is no longer yours to edit."})
        updated = activities.update_activity(
            deps.db, act, ctx.now, ctx.cohort.rules, org=fields.org.strip(), subtype=fields.subtype,
            happened_on=day, notes=fields.notes.strip(),
            status=status_for(day, today, act.status),
        )
        return FormResult(reply=info((f"Updated #{updated.seq} ({updated.points} points).",)))
    args = LogArgs(kind=kind, org=fields.org.strip(), subtype=fields.subtype, understood_from=None, day=day,
                   notes=fields.notes.strip())
    return FormResult(reply=store(args, ctx, source=ctx.request.source))
