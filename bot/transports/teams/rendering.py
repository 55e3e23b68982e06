"""Rendering a Reply as an Adaptive Card (1.5) for Microsoft Teams, as plain dicts: no SDK import, so cards are
built (and tested) without the `teams` extra; `outbound` wraps them in the activities Teams is sent.

Adaptive Card TextBlocks render a subset of Markdown, so every piece of text we did not mark up ourselves is
escaped here and only here: Markdown markers get a backslash, and `<`, `>` and `&` are escaped too, so text a
member typed can never become a link, emphasis or an `<at>` mention. Only `Strong` spans add markup (`**`).

Buttons are `Action.Submit` with data `{"command": ..., "text": ...}`; a form card's submit carries
`{"form": "interview" | "network", "edit_seq": ...}` and Teams merges the inputs (org, subtype, day, notes)
into that data. `handlers` reads both back.
"""

from __future__ import annotations

import json
import re
from typing import Any

from commands.model import Actions, Form, Inline, Para, Reply, Strong, Table, UserText, plain
from commands.parsing import STAGE_LABELS, TYPE_LABELS

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
MAX_CARD_BYTES = 24_000  # Teams rejects messages over about 28 KB; keep a margin for the envelope
MAX_TABLE_ROWS = 60
MAX_BUTTONS = 6  # Teams shows at most six actions in one set
FORM_FIELDS = ("org", "subtype", "day", "notes")
CUT_NOTE = "This reply was cut to fit Teams' limits; ask again with a narrower question to see the rest."

# Everywhere: characters that start emphasis, links, code, HTML/mentions or entities.
_ALWAYS = re.compile(r"([\\`*_~\[\]<>&|])")
# At the start of a line, only where Markdown would read a block: "# heading", "- item", "+ item", "1. item",
# "1) item", "---" and "===" (rules and setext underlines). "#3" or "+3 points" stay as they are.
_LINE_START = (
    re.compile(r"^([ \t]*)(#)(?=#*(?:[ \t]|$))", re.MULTILINE),
    re.compile(r"^([ \t]*)([+\-])(?=[ \t]|$|-)", re.MULTILINE),
    re.compile(r"^([ \t]*)(=)(?==*[ \t]*$)", re.MULTILINE),
    re.compile(r"^([ \t]*\d{1,9})([.)])(?=[ \t]|$)", re.MULTILINE),
)


def escape(text: str) -> str:
    """Text shown literally in a Markdown TextBlock."""
    out = _ALWAYS.sub(r"\\\1", text)
    for pattern in _LINE_START:
        out = pattern.sub(r"\1\\\2", out)
    return out


def markdown(spans: tuple[Inline, ...]) -> str:
    parts: list[str] = []
    for span in spans:
        if isinstance(span, Strong):
            parts.append(f"**{escape(span.value)}**" if span.value.strip() else escape(span.value))
        elif isinstance(span, UserText):
            parts.append(escape(span.value))
        else:
            parts.append(escape(span))
    return "".join(parts)


def text_block(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **extra}


def _para(block: Para) -> dict[str, Any]:
    text = markdown(block.spans)
    if block.style == "heading":
        return text_block(text, style="heading", weight="Bolder", size="Large")
    if block.style == "muted":
        return text_block(text, isSubtle=True, size="Small")
    return text_block(text)


def _table(table: Table) -> list[dict[str, Any]]:
    numeric = table.numeric or tuple(False for _ in table.columns)
    rows = table.rows[:MAX_TABLE_ROWS]
    note = table.note
    if len(table.rows) > len(rows):
        note = (note + "; " if note else "") + f"showing the first {len(rows)} of {len(table.rows)} rows"

    def cell(content: str, column: int, *, bold: bool = False) -> dict[str, Any]:
        item = text_block(content, **({"weight": "Bolder"} if bold else {}))
        if numeric[column]:
            item["horizontalAlignment"] = "Right"
        return {"type": "TableCell", "items": [item]}

    header = {"type": "TableRow", "cells": [cell(escape(c), i, bold=True) for i, c in enumerate(table.columns)]}
    body: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        tr: dict[str, Any] = {"type": "TableRow",
                              "cells": [cell(markdown((c,)), i, bold=index == table.highlight)
                                        for i, c in enumerate(row)]}
        if index == table.highlight:
            tr["style"] = "accent"
        body.append(tr)
    out: list[dict[str, Any]] = [{
        "type": "Table",
        "columns": [{"width": 1 if numeric[i] else 3} for i in range(len(table.columns))],
        "rows": [header, *body],
        "firstRowAsHeader": True,
        "showGridLines": False,
    }]
    if note:
        out.append(text_block(escape(note), isSubtle=True, size="Small"))
    return out


def submit_action(title: str, data: dict[str, Any], style: str | None = None) -> dict[str, Any]:
    action: dict[str, Any] = {"type": "Action.Submit", "title": title[:80], "data": data}
    if style == "primary":
        action["style"] = "positive"
    elif style == "danger":
        action["style"] = "destructive"
    return action


def _actions(block: Actions) -> dict[str, Any]:
    return {
        "type": "ActionSet",
        "actions": [submit_action(b.label, {"command": b.command, "text": b.text}, b.style)
                    for b in block.buttons[:MAX_BUTTONS]],
    }


def card(body: list[dict[str, Any]], *, fallback: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "body": body,
        "msteams": {"width": "Full"},
    }
    if fallback:
        out["fallbackText"] = fallback
    return out


def _size(obj: Any) -> int:
    return len(json.dumps(obj, ensure_ascii=False).encode())


def _fit(body: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop trailing elements until the card fits, then say so."""
    if _size(body) <= MAX_CARD_BYTES:
        return body
    kept: list[dict[str, Any]] = []
    total = 0
    note = text_block(escape(CUT_NOTE), isSubtle=True, size="Small")
    for element in body:
        size = _size(element) + 1
        if total + size + _size(note) > MAX_CARD_BYTES:
            break
        kept.append(element)
        total += size
    return [*kept, note]


def reply_body(reply: Reply) -> list[dict[str, Any]]:
    body: list[dict[str, Any]] = []
    for block in reply.blocks:
        if isinstance(block, Para):
            body.append(_para(block))
        elif isinstance(block, Table):
            body.extend(_table(block))
        elif isinstance(block, Actions):
            if block.buttons:
                body.append(_actions(block))
    return body


def summary_text(reply: Reply) -> str:
    """Notification text: the first paragraph, unformatted."""
    return plain(*reply.summary)[:250]


def reply_card(reply: Reply, *, today: str = "", errors: dict[str, str] | None = None) -> dict[str, Any]:
    """The whole reply as one card; a reply that asks for a form gets the form's inputs after its text."""
    body = reply_body(reply)
    if reply.form is not None:
        body.extend(form_body(reply.form, today=today, errors=errors or {}))
    return card(_fit(body), fallback=summary_text(reply))


# ---- forms -------------------------------------------------------------------------------------------

def form_body(form: Form, *, today: str, errors: dict[str, str]) -> list[dict[str, Any]]:
    interview = form.command == "interview"
    labels = STAGE_LABELS if interview else TYPE_LABELS
    initial = form.initial
    subtype = initial.get("subtype") or ("screener" if interview else "informational")
    editing = form.edit_seq is not None
    title = (f"Edit entry #{form.edit_seq}" if editing else "Log an interview" if interview
             else "Log a networking meeting")

    def error(name: str) -> list[dict[str, Any]]:
        if name not in errors:
            return []
        return [text_block(escape(errors[name]), color="Attention", size="Small", spacing="None")]

    org_label = "Organisation" if interview else "Person or organisation"
    return [
        text_block(escape(title), weight="Bolder", size="Medium", separator=True),
        {
            "type": "Input.Text", "id": "org", "label": org_label, "isRequired": True, "maxLength": 200,
            "errorMessage": "Type who you met or where you interviewed.",
            "placeholder": "e.g. Latham & Watkins" if interview else "e.g. Dana Lee, Ropes & Gray",
            "value": initial.get("org", ""),
        },
        *error("org"),
        {
            "type": "Input.ChoiceSet", "id": "subtype", "label": "Stage" if interview else "Type",
            "style": "compact", "isRequired": True, "value": subtype,
            "choices": [{"title": text.capitalize(), "value": key} for key, text in labels.items()],
        },
        *error("subtype"),
        {"type": "Input.Date", "id": "day", "label": "When", "isRequired": True,
         "value": initial.get("day") or today},
        *error("day"),
        {"type": "Input.Text", "id": "notes", "label": "Notes (only you see them)", "isMultiline": True,
         "maxLength": 2000, "value": initial.get("notes", "")},
        *error("notes"),
        {"type": "ActionSet", "actions": [
            submit_action("Save", {"form": form.command, "edit_seq": form.edit_seq}, "primary"),
        ]},
    ]


def form_card(form: Form, *, today: str, errors: dict[str, str] | None = None,
              values: dict[str, str] | None = None) -> dict[str, Any]:
    """The form alone (used again, with the member's values and per-field errors, after a bad submit)."""
    if values:
        merged = {**form.initial, **{k: v for k, v in values.items() if k in FORM_FIELDS}}
        form = Form(form.command, edit_seq=form.edit_seq, initial=merged)
    body: list[dict[str, Any]] = []
    if errors:
        body.append(text_block(escape("Nothing was saved yet: fix the fields marked below."), color="Attention"))
    body.extend(form_body(form, today=today, errors=errors or {}))
    return card(body, fallback="Log an entry")
