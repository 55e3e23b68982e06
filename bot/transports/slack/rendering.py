"""Rendering a Reply as Slack Block Kit.

Messages are built as plain dicts in exactly the shape slack_sdk.models would produce (empty values left out),
because slack_sdk's to_dict() re-runs every validator by reflection and took about a third of a slash
command's time; the limits it would check are enforced here instead (text cut to size, button values checked).
Modals and the home tab still go through slack_sdk.models.

User text is escaped here and only here: `&`, `<` and `>` become entities (so `<!channel>` typed by a member
can never ping anyone), and mrkdwn markers get a zero-width space after them so `*bold*` stays literal.
Replies longer than Slack allows (50 blocks, 3,000 characters a section, about 12,000 characters in all) are
cut with a note rather than rejected by Slack.
"""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.transports.text import render_table
from commands.forms import FORM_FIELDS
from commands.model import Actions, Form, Inline, Para, Reply, Strong, Table, UserText, plain
from commands.parsing import STAGE_LABELS, TYPE_LABELS

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_TOTAL = 11_500  # a margin under Slack's ~12,000 characters of block text
MAX_HOME_BLOCKS = 100
MAX_BUTTON_VALUE = 2000
ACTION_PREFIX = "cmd-"
ZWSP = "\u200b"


def escape(text: str) -> str:
    """Escape the three characters Slack's markup reserves."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_user(text: str) -> str:
    """User text for mrkdwn: entities escaped and formatting markers neutralised."""
    out = escape(text)
    for marker in ("*", "_", "~", "`"):
        out = out.replace(marker, marker + ZWSP)
    return out


def cut(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, ending with an ellipsis when shortened; an entity (`&amp;`) or an
    escaped marker (`*` + zero-width space) is never split in two."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    amp = head.rfind("&")
    if amp != -1 and ";" not in head[amp:]:
        head = head[:amp]
    if head and head[-1] in "*_~`" and text[len(head)] == ZWSP:
        head = head[:-1]
    return head + "\u2026"


def mrkdwn(spans: tuple[Inline, ...]) -> str:
    parts: list[str] = []
    for span in spans:
        if isinstance(span, UserText):
            parts.append(escape_user(span.value))
        elif isinstance(span, Strong):
            parts.append(f"*{escape(span.value)}*")
        else:
            parts.append(escape(span))
    return "".join(parts)


def fallback_text(reply: Reply) -> str:
    """Notification text: the first paragraph, escaped, no markup."""
    return cut(escape(plain(*reply.summary)), MAX_SECTION)


def _text(kind: str, text: str, **extra: Any) -> dict[str, Any]:
    """A text object as slack_sdk's to_dict() writes it (an empty text is left out)."""
    out: dict[str, Any] = {"type": kind}
    if text:
        out["text"] = text
    out.update(extra)
    return out


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _text("mrkdwn", text, verbatim=True)}


def _context(text: str, verbatim: bool = True) -> dict[str, Any]:
    return {"type": "context", "elements": [_text("mrkdwn", text, verbatim=True) if verbatim
                                            else _text("mrkdwn", text)]}


def _button(label: str, action_id: str, value: str, style: str | None) -> dict[str, Any]:
    if len(value) > MAX_BUTTON_VALUE or len(action_id) > 255:
        raise ValueError(f"button {action_id!r} is over Slack's limits (value {len(value)} characters)")
    out: dict[str, Any] = {"type": "button", "text": _text("plain_text", label[:75], emoji=True),
                           "action_id": action_id, "value": value}
    if style:
        out["style"] = style
    return out


def _code_sections(table: Table) -> list[dict[str, Any]]:
    # A zero-width space after every backtick: no run of them (three, four, seven...) can close the code block.
    lines = [escape(line).replace("`", "`\u200b") for line in render_table(table, marker="\u25b6 ")]
    sections: list[dict[str, Any]] = []
    chunk: list[str] = []
    for line in lines:
        if sum(len(x) + 1 for x in chunk) + len(line) + 8 > MAX_SECTION:
            sections.append(_section("```" + "\n".join(chunk) + "```"))
            chunk = []
        chunk.append(line)
    if chunk:
        sections.append(_section("```" + "\n".join(chunk) + "```"))
    return sections


_COMPACT = json.JSONEncoder(separators=(",", ":"))  # built once: json.dumps(separators=...) builds one per call


def button_value(command: str, text: str) -> str:
    return _COMPACT.encode({"c": command, "t": text})


def _block_text_length(block: dict[str, Any]) -> int:
    return len(json.dumps(block, ensure_ascii=False))


def to_blocks(reply: Reply, *, max_blocks: int = MAX_BLOCKS, cut_note: str = "") -> list[Block]:
    """The reply as slack_sdk Block objects (for views), cut to Slack's limits."""
    return Block.parse_all(to_block_dicts(reply, max_blocks=max_blocks, cut_note=cut_note))


def to_block_dicts(reply: Reply, *, max_blocks: int = MAX_BLOCKS, cut_note: str = "") -> list[dict[str, Any]]:
    """The reply as Block Kit dicts, cut to Slack's limits."""
    out: list[dict[str, Any]] = []
    for index, block in enumerate(reply.blocks):
        if isinstance(block, Para):
            if block.style == "heading":
                out.append({"type": "header", "text": _text("plain_text", plain(*block.spans)[:150], emoji=True)})
            elif block.style == "muted":
                out.append(_context(cut(mrkdwn(block.spans), MAX_SECTION)))
            else:
                out.append(_section(cut(mrkdwn(block.spans), MAX_SECTION)))
        elif isinstance(block, Table):
            out.extend(_code_sections(block))
        elif isinstance(block, Actions):
            out.append({"type": "actions", "block_id": f"actions-{index}", "elements": [
                _button(b.label, f"{ACTION_PREFIX}{index}-{i}", button_value(b.command, b.text), b.style)
                for i, b in enumerate(block.buttons[:25])
            ]})
    return _fit(out, max_blocks, cut_note or "This reply was cut to fit Slack's limits; /progress shows the rest.")


def _fit(blocks: list[dict[str, Any]], max_blocks: int, note: str) -> list[dict[str, Any]]:
    # The common case in one encoding: the list's JSON is its blocks' JSON plus brackets and ", " separators.
    if len(blocks) < max_blocks and len(json.dumps(blocks, ensure_ascii=False)) - 2 * len(blocks) <= MAX_TOTAL:
        return blocks
    kept: list[dict[str, Any]] = []
    total = 0
    for block in blocks:
        size = _block_text_length(block)
        if len(kept) >= max_blocks - 1 or total + size > MAX_TOTAL:
            kept.append(_context(escape(note), verbatim=False))
            return kept
        kept.append(block)
        total += size
    return kept


def to_message(reply: Reply) -> dict[str, Any]:
    """Keyword arguments for ack(), respond() or chat.postMessage."""
    return {
        "text": fallback_text(reply),
        "blocks": to_block_dicts(reply),
    }


def home_view(reply: Reply) -> dict[str, Any]:
    view = View(type="home", blocks=to_blocks(reply, max_blocks=MAX_HOME_BLOCKS,
                                              cut_note="Older entries did not fit here; /progress lists them."))
    return view.to_dict()


# ---- modals ------------------------------------------------------------------------------------------



def log_modal(form: Form, *, channel_id: str) -> dict[str, Any]:
    """The /interview or /network modal; private_metadata carries what the submission needs back."""
    interview = form.command == "interview"
    labels = STAGE_LABELS if interview else TYPE_LABELS
    default = form.initial.get("subtype") or ("screener" if interview else "informational")
    options = [Option(value=key, text=text.capitalize()) for key, text in labels.items()]
    initial_option = next((o for o in options if o.value == default), options[0])
    editing = form.edit_seq is not None
    title = ("Edit entry" if editing else "Log an interview" if interview else "Log a meeting")
    view = View(
        type="modal",
        callback_id="log_form",
        title=PlainTextObject(text=title),
        submit=PlainTextObject(text="Save"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=json.dumps({"k": form.command, "ch": channel_id, "e": form.edit_seq}),
        blocks=[
            InputBlock(
                block_id="org",
                label="Organisation" if interview else "Person or organisation",
                element=PlainTextInputElement(
                    action_id="value", max_length=200, initial_value=form.initial.get("org") or None,
                    placeholder="e.g. Latham & Watkins" if interview else "e.g. Dana Lee, Ropes & Gray",
                ),
            ),
            InputBlock(
                block_id="subtype",
                label="Stage" if interview else "Type",
                element=StaticSelectElement(action_id="value", options=options, initial_option=initial_option),
            ),
            InputBlock(
                block_id="day",
                label="When",
                element=DatePickerElement(action_id="value", initial_date=form.initial.get("day") or None),
            ),
            InputBlock(
                block_id="notes",
                label="Notes (only you see them)",
                optional=True,
                element=PlainTextInputElement(action_id="value", multiline=True, max_length=2000,
                                              initial_value=form.initial.get("notes") or None),
            ),
        ],
    )
    return view.to_dict()


def read_modal(state_values: Any) -> dict[str, str]:
    """Field values from a view_submission's view.state.values; a field that is missing or malformed reads as
    empty (the form then reports it), whatever shape the payload has."""
    out: dict[str, str] = {}
    for name in FORM_FIELDS:
        block = state_values.get(name) if isinstance(state_values, dict) else None
        element = block.get("value") if isinstance(block, dict) else None
        out[name] = _element_value(element) if isinstance(element, dict) else ""
    return out


def _element_value(element: dict[str, Any]) -> str:
    if element.get("type") == "static_select":
        option = element.get("selected_option")
        value = option.get("value", "") if isinstance(option, dict) else ""
    elif element.get("type") == "datepicker":
        value = element.get("selected_date") or ""
    else:
        value = element.get("value") or ""
    return value if isinstance(value, str) else ""
