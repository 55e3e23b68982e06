"""The shell workspace: cohortbot in a terminal, no Slack account needed.

Reads lines from any text stream (a terminal, a pipe, a test's StringIO) and runs them through the same
dispatch as Slack. `:as NAME` switches member, `:help` lists commands, `:quit` leaves. Replies are rendered as
plain text with aligned tables; a reply's file (a coordinator's export) is saved in the export folder
(COHORTBOT_EXPORT_DIR, else the current directory) under a name not yet taken, and its path printed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot.transports.text import display_width, render_table
from commands import REGISTRY
from commands.dispatch import dispatch
from commands.model import Actions, Actor, Attachment, CommandRequest, Deps, Para, Reply, Table, Where, plain

WORKSPACE = "local"
CHANNEL = Where(channel_id="shell", channel_name="cohort", is_direct=False)


def render(reply: Reply, where: Where = CHANNEL) -> str:
    """A reply as terminal text. Shared replies, and a reply's share, are marked as posted to the channel."""
    lines: list[str] = []
    if not reply.private:
        lines.append(f"[posted to #{where.channel_name or 'cohort'}]")
    lines += _blocks(reply)
    if reply.share:
        lines += ["", f"[posted to #{where.channel_name or 'cohort'}]", *_blocks(Reply(blocks=reply.share))]
    return "\n".join(lines)


def save(attachment: Attachment, folder: Path) -> str:
    """Write a reply's file into `folder` under a name not yet taken there; the line that says where it went."""
    name = Path(attachment.filename).name or "cohortbot-export.csv"  # a bare file name, whatever the reply said
    path, copy = folder / name, 1
    while True:
        try:
            with path.open("xb") as out:
                out.write(attachment.content)
            return f"[{attachment.title}: saved to {path.resolve()}]"
        except FileExistsError:
            copy += 1
            path = folder / f"{Path(name).stem}-{copy}{Path(name).suffix}"
        except OSError as problem:
            return f"[{attachment.title}: could not be saved in {folder}: {problem.strerror or problem}]"


def _blocks(reply: Reply) -> list[str]:
    lines: list[str] = []
    for block in reply.blocks:
        if isinstance(block, Para):
            text = plain(*block.spans)
            if block.style == "heading":
                lines += [text, "=" * display_width(text)]
            elif block.style == "muted":
                lines.append("  " + text)
            else:
                lines.append(text)
        elif isinstance(block, Table):
            lines += render_table(block)
        elif isinstance(block, Actions):
            lines.append("   ".join(f"[{b.label}: /{b.command} {b.text}]".replace(" ]", "]") for b in block.buttons))
    return lines


HELP = """Shell workspace commands:
  :as NAME     act as member NAME (e.g. :as alice)
  :help        this help
  :quit        leave (Ctrl-D works too)
Type the same commands as in Slack, with or without the slash:
""" + "\n".join(f"  {spec.usage}" for spec in REGISTRY.values())


class Shell:
    """One terminal session; every member it acts as lives in the "local" workspace."""

    def __init__(
        self,
        deps: Deps,
        stdin: TextIO,
        stdout: TextIO,
        *,
        user: str = "me",
        interactive: bool = False,
        extra: dict[str, Callable[[str], str]] | None = None,
        export_dir: str | Path | None = None,
    ) -> None:
        self.deps = deps
        self.stdin = stdin
        self.stdout = stdout
        self.user = user
        self.interactive = interactive
        self.extra = extra or {}
        self.export_dir = export_dir  # where a reply's file is saved (an export); None: the current directory

    def say(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def handle(self, line: str) -> bool:
        """Run one line; False when the session should end."""
        line = line.rstrip("\r\n")
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            return True
        if stripped.startswith(":"):
            word, _, rest = stripped[1:].partition(" ")
            word = word.lower()
            if word in ("quit", "q", "exit"):
                return False
            if word == "help":
                self.say(HELP + ("\n" + "\n".join(f"  :{k}" for k in self.extra) if self.extra else ""))
            elif word == "as":
                name = rest.strip()
                if not name or len(name) > 40 or any(ch.isspace() for ch in name):
                    self.say("Give one name without spaces, like :as alice")
                else:
                    self.user = name
                    self.say(f"You are now {name}.")
            elif word in self.extra:
                self.say(self.extra[word](rest.strip()))
            else:
                self.say(f"Unknown shell command :{word}. Type :help.")
            return True
        name, _, text = stripped.lstrip("/").partition(" ")
        request = CommandRequest(
            name=name,
            text=text,
            actor=Actor(platform="shell", workspace_id=WORKSPACE, user_id=self.user.lower(),
                        display_name=self.user),
            where=CHANNEL,
            received_at=self.deps.clock(),
            source="shell",
        )
        reply = dispatch(request, self.deps)
        self.say(render(reply))
        if reply.attachment is not None:
            self.say(save(reply.attachment, Path(self.export_dir or Path.cwd())))
        return True

    def run(self) -> int:
        if self.interactive:
            self.say("cohortbot shell workspace. Type :help for help, :quit to leave.")
        while True:
            if self.interactive:
                self.stdout.write(f"{self.user}> ")
                self.stdout.flush()
            line = self.stdin.readline()
            if not line:
                break
            if not self.interactive and line.strip():
                self.say(f"{self.user}> {line.strip()}")
            if not self.handle(line):
                break
            if not self.interactive:
                self.stdout.write("\n")
        return 0
