"""The replies to a line the reader was unsure of: what was understood, why it asks, and Save, Change, Cancel.

Buttons are commands, so every platform gets the same: Save runs the command again with `canonical(...)`, a text
`commands.understand` is always sure of (`"Cravath" callback 2026-12-03 2:00pm --share -- notes`); Change runs it
with `--change <canonical>` and gets the form back, prefilled; Cancel runs it with `--cancel`.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Literal

from commands.model import Actions, Block, Button, Form, Inline, Para, Reply, Strong, UserText
from commands.parsing import describe_day, describe_time, label
from commands.understand import Understood
from commands.words import quote_name

# What a button can carry on every platform: Slack takes a value of 2,000 characters, and our value is the JSON
# {"c": command, "t": text} with non-ASCII escaped.
BUTTON_VALUE_MAX = 2000


def canonical(read: Understood) -> str:
    """The line that stores exactly `read`: the quoted name, the subtype's own word, the ISO day, the time with am
    or pm ("10:00am": a bare "10:00" could be either, so the reader asks about it)."""
    parts = [quote_name(read.name), read.subtype]
    if read.day is not None:
        parts.append(read.day.isoformat())
    if read.time is not None:
        hour, minute = int(read.time[:2]), read.time[3:]
        parts.append(f"{hour % 12 or 12}:{minute}{'pm' if hour >= 12 else 'am'}")
    if read.share:
        parts.append("--share")
    text = " ".join(parts)
    return f"{text} -- {read.notes}" if read.notes else text


def fits(command: str, text: str) -> bool:
    return len(json.dumps({"c": command, "t": text}, separators=(",", ":"))) <= BUTTON_VALUE_MAX


def when(read: Understood, today: date) -> str:
    """"Thu 3 Dec, 2:00pm, upcoming"; "which day?" when no single day was given."""
    if read.day is None:
        return "which day?"
    text = describe_day(read.day, today).removesuffix(" (upcoming)")
    if read.time is not None:
        text += f", {describe_time(read.time)}"
    return text + (", upcoming" if read.day > today else "")


def summary(read: Understood, today: date) -> tuple[Inline, ...]:
    """"Interview · Cravath · callback · Thu 3 Dec, 2:00pm, upcoming"."""
    kind = "Interview" if read.kind == "interview" else "Networking"
    return (Strong(kind), " · ", UserText(read.name), f" · {label(read.kind, read.subtype)} · {when(read, today)}")


def ask(read: Understood, today: date) -> Reply:
    """What was understood, why it is asked about, and the buttons; nothing is stored."""
    blocks: list[Block] = [Para(("Not saved yet: is this right?",)), Para(summary(read, today))]
    for reason in read.reasons:
        blocks.append(Para(reason, style="muted"))
    if read.notes:
        blocks.append(Para(("Notes: ", UserText(read.notes)), style="muted"))
    if read.share:
        blocks.append(Para(("Once saved, it is shared with the channel.",), style="muted"))
    text, command = canonical(read), read.command
    buttons: list[Button] = []
    if not fits(command, f"--change {text}"):
        blocks.append(Para(("That is too long to keep on a button. Shorten the notes, or send it again as you want "
                            "it stored.",), style="muted"))
    else:
        if read.day is not None:
            buttons.append(Button("Save", command, text, style="primary"))
        else:
            blocks.append(Para((f"Tell me the day to save it: press Change, or send it again with a day, like "
                                f"/{command} ", UserText(read.name), f" {read.subtype} 12/3.",), style="muted"))
        buttons.append(Button("Change", command, f"--change {text}"))
    buttons.append(Button("Cancel", command, "--cancel"))
    blocks.append(Actions(tuple(buttons)))
    return Reply(blocks=tuple(blocks), private=True)


def change_form(read: Understood | None, command: str) -> Reply:
    """The form, prefilled with what was understood; nothing is stored until it is submitted."""
    which: Literal["interview", "network"] = "interview" if command == "interview" else "network"
    initial: dict[str, str] = {}
    blocks: list[Block] = [Para(("Change what you need in the form; nothing is saved until you submit it.",))]
    if read is not None:
        initial = {"org": read.name, "subtype": read.subtype, "day": read.day.isoformat() if read.day else "",
                   "notes": read.notes}
        blocks.append(Para((f"Or send it again as you want it stored, like /{command} ", UserText(canonical(read))),
                           style="muted"))
        if read.time is not None:
            blocks.append(Para((f"The form has no time of day: to keep {describe_time(read.time)}, send the line "
                                "again instead.",), style="muted"))
    return Reply(blocks=tuple(blocks), private=True, form=Form(which, initial=initial))


def cancelled() -> Reply:
    return Reply(blocks=(Para(("Cancelled: nothing was saved.",)),), private=True)
