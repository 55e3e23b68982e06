"""/cohort help, made from the table: every command and subcommand, or one topic in detail; and "did you mean"
for a subcommand that isn't one.

What it lists is handed in (the table's sections, and the other commands' lines that `commands/__init__.py` gives
`commands.cohort.run`), so nothing here imports the registry or the package that holds the table.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from commands.cohort.subcommand import Subcommand
from commands.model import Block, Para, Reply, Strong
from commands.parsing import STAGES_HELP, TYPES_HELP, UsageError, quoted

INTRO = ("cohortbot keeps your job search moving: log every interview and networking meeting, and see how the "
         "cohort is doing.")
# Words that ask about what /interview and /network accept (also when the registry handed down nothing).
VOCABULARY = {"interview": STAGES_HELP, "interviews": STAGES_HELP, "stage": STAGES_HELP, "stages": STAGES_HELP,
              "network": TYPES_HELP, "networking": TYPES_HELP, "type": TYPES_HELP, "types": TYPES_HELP}


@dataclass(frozen=True)
class CommandHelp:
    """Another command, as /cohort help shows it."""

    name: str
    usage: str
    summary: str
    example: str
    vocabulary: str = ""  # the words it takes (stages, meeting types)


@dataclass(frozen=True)
class Section:
    """Subcommands that belong together, under a title in /cohort help."""

    title: str
    rows: tuple[Subcommand[Any], ...]


@dataclass(frozen=True)
class HelpArgs:
    topic: str = ""  # a subcommand, a command or a vocabulary word; empty: everything


def parse_help(rest: str, today: date) -> HelpArgs:
    words = rest.split()
    if len(words) > 1:
        raise UsageError("Ask about one subcommand at a time, like /cohort help edit.")
    return HelpArgs(words[0].lower().lstrip("/") if words else "")


ROW: Subcommand[HelpArgs] = Subcommand(
    "help", "Show every command, or one of them in detail.", "/cohort help [subcommand]", "/cohort help edit",
    HelpArgs, parse_help, None, aliases=("?",))


def nearest(word: str, candidates: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(word.lower(), [c for c in candidates if c.isalpha()], n=1)
    return close[0] if close else None


def unknown_subcommand(word: str, rows: Sequence[Subcommand[Any]]) -> UsageError:
    by_name = {name: row for row in rows for name in row.names}
    near = nearest(word, by_name)
    if near is None:
        return UsageError("/cohort has no ", *quoted(word), " option.")
    row = by_name[near]
    return UsageError("/cohort has no ", *quoted(word), f" option. Did you mean {row.name}?", usage=row.usage,
                      examples=(row.example,))


def overview(sections: Sequence[Section], others: Sequence[CommandHelp]) -> Reply:
    blocks: list[Block] = [Para((INTRO,))]
    for other in others:
        blocks.append(Para((Strong(other.usage),)))
        blocks.append(Para((other.summary, "  e.g. ", other.example), style="muted"))
    blocks.append(Para((Strong("/cohort"), " manages your membership, entries and reminders:")))
    for section in sections:
        blocks.append(Para((section.title,), style="muted"))
        blocks += [Para((Strong(row.usage), "  ", row.summary)) for row in section.rows]
    blocks.append(Para((STAGES_HELP + " " + TYPES_HELP,), style="muted"))
    blocks.append(Para(("/cohort help <subcommand> explains one, like /cohort help edit; /cohort help coordinators "
                        "is a short guide for coordinators.",), style="muted"))
    return Reply(blocks=tuple(blocks), private=True)


def _subcommand(row: Subcommand[Any]) -> Reply:
    blocks: list[Block] = [Para((Strong(row.usage),)), Para((row.summary,))]
    if row.aliases:
        blocks.append(Para(("Also: " + ", ".join(f"/cohort {a}" for a in row.aliases) + ".",), style="muted"))
    blocks += [Para((line,)) for line in row.details]
    if row.admin:
        blocks.append(Para(("For cohort admins and workspace admins.",), style="muted"))
    blocks.append(Para(("e.g. ", row.example), style="muted"))
    return Reply(blocks=tuple(blocks), private=True)


def _command(other: CommandHelp) -> Reply:
    blocks: list[Block] = [Para((Strong(other.usage),)), Para((other.summary,))]
    if other.vocabulary:
        blocks.append(Para((other.vocabulary,)))
    blocks.append(Para(("e.g. ", other.example), style="muted"))
    return Reply(blocks=tuple(blocks), private=True)


def topic(word: str, rows: Sequence[Subcommand[Any]], others: Sequence[CommandHelp]) -> Reply:
    """Help on one subcommand, command or vocabulary word; a UsageError (with the nearest topic) for anything else."""
    by_name = {name: row for row in rows for name in row.names}
    commands = {other.name: other for other in others}
    if word in by_name:
        return _subcommand(by_name[word])
    if word in commands:
        return _command(commands[word])
    if word in VOCABULARY:
        return Reply(blocks=(Para((VOCABULARY[word],)),), private=True)
    near = nearest(word, [*by_name, *commands, *VOCABULARY, GUIDE_WORDS[0]])
    raise UsageError("There is no help on ", *quoted(word), "." + (f" Did you mean /cohort help {near}?" if near
                                                                   else " /cohort help lists every subcommand."))


COORDINATORS = "For coordinators"  # the section whose rows make the coordinator's guide
GUIDE_WORDS = ("coordinators", "coordinator", "coordinating", "coordinate", "admins")
GUIDE_INTRO = (
    "A coordinator (a cohort admin) runs the workspace's cohorts without taking part: not on the board, not in its "
    "counts, no nudges. Whoever runs /cohort setup or /cohort create becomes one, workspace admins are too, and "
    "/cohort admin @member adds one (a member made admin stays a member).",
    "Start with /cohort setup in the channel where the weekly summary should go; /cohort rename names the cohort. "
    "For 1L, 2L and 3L groups, /cohort create one per group, each with its own channel: new members who type a "
    "command in a cohort's channel join it, and /cohort join <name> moves a member.",
)
GUIDE_END = ("Coordinators see everyone in the report, anonymous and hidden members included; the channel never "
             "names the quiet. To take part yourself, log an entry or type /cohort join.")


def guide(sections: Sequence[Section]) -> Reply:
    """/cohort help coordinators: a short guide, with the coordinators' rows of the table."""
    rows = next((section.rows for section in sections if section.title == COORDINATORS), ())
    blocks: list[Block] = [Para(("A guide for coordinators",), style="heading"), *(Para((line,)) for line in
                                                                                   GUIDE_INTRO)]
    blocks += [Para((Strong(row.usage), "  ", row.summary)) for row in rows]
    blocks.append(Para((GUIDE_END,), style="muted"))
    blocks.append(Para(("/cohort help <subcommand> explains one, like /cohort help report.",), style="muted"))
    return Reply(blocks=tuple(blocks), private=True)


def reply(sections: Sequence[Section], others: Sequence[CommandHelp], word: str) -> Reply:
    if not word:
        return overview(sections, others)
    if word in GUIDE_WORDS:
        return guide(sections)
    return topic(word, [row for section in sections for row in section.rows], others)

