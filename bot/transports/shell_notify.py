"""Scheduled messages for the shell workspace (and for `cohortbot nudge` runs): printed, not sent."""

from __future__ import annotations

from datetime import datetime
from typing import TextIO

from bot.outgoing import Outgoing
from bot.transports.shell import render
from commands.model import Where


class PrintNotifier:
    """Delivers shell-workspace messages by printing them; every print is one delivery."""

    platform = "shell"

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.count = 0

    async def send(self, out: Outgoing) -> str:
        if out.kind == "summary":
            head = f"[posted to #{out.target}]"
            text = render(out.reply, Where(channel_id=out.target, channel_name=out.target))
            text = text.removeprefix(head).lstrip("\n")
        else:
            head = f"[direct message to {out.who}]"
            text = render(out.reply)
        self.out.write(f"{head}\n{text}\n\n")
        self.out.flush()
        self.count += 1
        return f"shell:{self.count}"

    async def find_sent(self, out: Outgoing, since: datetime) -> str | None:
        return None  # a print cannot be looked up; the shell never crashes mid-print in a way that matters


def describe(out: Outgoing) -> str:
    """One dry-run line: what would go to whom."""
    first = render(out.reply).splitlines()
    headline = next((line for line in first if line and not line.startswith(("[", "="))), "")
    return f"{out.kind:<9} -> {out.platform}:{out.workspace}:{out.target} ({out.who}): {headline}"
