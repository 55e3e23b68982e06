"""The request and reply values that pass between transports and commands.

Nothing here knows a chat platform. A transport builds a `CommandRequest`, `commands.dispatch` returns a
`Reply`, and the transport renders it (Block Kit, Adaptive Card, plain text). Text a member typed is always
wrapped in `UserText`, so every renderer knows exactly which characters it must escape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from storage.rules import ScoringRules

if TYPE_CHECKING:
    from sqlite_utils import Database


@dataclass(frozen=True)
class Actor:
    """Who sent the request, as the platform said: a member of one workspace on one platform.

    The transport fills in what the platform told it and when (`learned_at`); dispatch owns the member row and
    records the profile in the command's own transaction. Empty fields mean "not told": the stored ones stand.
    """

    platform: str  # "slack", "teams", "shell"
    workspace_id: str  # the platform's id: Slack team_id, Teams tenant id, "local" for the shell
    user_id: str  # platform user id (Slack U..., AAD object id, shell name)
    display_name: str = ""
    tz: str | None = None  # IANA name when the platform told us one
    is_workspace_admin: bool = False  # as the platform said at learned_at (admin subcommands ask it afresh)
    learned_at: datetime | None = None  # when the platform told us this profile; None when it was not asked


@dataclass(frozen=True)
class Where:
    """Where the request was typed; replies that are shared go back here."""

    channel_id: str = ""
    channel_name: str = ""
    is_direct: bool = False
    typed_channels: bool = True  # a typed "#name" names a channel here (Slack, shell); not in Teams


@dataclass(frozen=True)
class CommandRequest:
    name: str  # "interview", "network", ... (no slash)
    text: str
    actor: Actor
    where: Where
    received_at: datetime  # timezone-aware
    source: str = ""  # "slack:command", "slack:modal", "shell", ...


@dataclass(frozen=True)
class UserText:
    """Text a member typed: stored as typed, escaped by every renderer."""

    value: str


@dataclass(frozen=True)
class Strong:
    """Our own words, emphasised."""

    value: str


Inline = str | UserText | Strong


@dataclass(frozen=True)
class Para:
    spans: tuple[Inline, ...]
    style: Literal["normal", "heading", "muted"] = "normal"


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[Inline, ...], ...]
    numeric: tuple[bool, ...] = ()  # right-align these columns
    highlight: int | None = None  # index of the caller's own row
    note: str = ""  # e.g. "showing 10 of 48"


@dataclass(frozen=True)
class Button:
    """A button that, when pressed, runs `/command text` as the person who pressed it."""

    label: str
    command: str
    text: str
    style: Literal["primary", "danger"] | None = None


@dataclass(frozen=True)
class Actions:
    buttons: tuple[Button, ...]


Block = Para | Table | Actions


@dataclass(frozen=True)
class Form:
    """Ask the transport to open an input form (Slack modal, Teams card) for a command."""

    command: Literal["interview", "network"]
    edit_seq: int | None = None  # editing this entry rather than logging a new one
    initial: dict[str, str] = field(default_factory=dict)  # org, subtype, day (ISO), notes


@dataclass(frozen=True)
class Attachment:
    """A file that goes with a private reply (a coordinator's export). The shell saves it to a file, Slack uploads
    it to the asker's DM, and Teams, where a bot cannot send files, says how to make it on the server."""

    filename: str
    content: bytes
    title: str
    mimetype: str = "text/csv"


@dataclass(frozen=True)
class Reply:
    blocks: tuple[Block, ...]
    private: bool = True
    ok: bool = True  # False for usage and input errors: nothing was stored
    form: Form | None = None
    # A post for the channel the request came from (a share), as the bot; the reply itself stays private.
    share: tuple[Block, ...] = ()
    attachment: Attachment | None = None  # a file for the asker only

    @property
    def summary(self) -> tuple[Inline, ...]:
        """The first paragraph, used as notification fallback text."""
        for block in self.blocks:
            if isinstance(block, Para):
                return block.spans
        return ("cohortbot",)


def plain(*spans: Inline) -> str:
    """Flatten spans to unescaped text (for logs, tests and the shell)."""
    return "".join(s if isinstance(s, str) else s.value for s in spans)


@dataclass
class Deps:
    """Everything a command needs, built by the application and passed down (no singletons)."""

    db: Database
    clock: Callable[[], datetime]
    default_tz: str = "America/New_York"
    rules: ScoringRules = field(default_factory=ScoringRules)  # for a new cohort
    weekly_goal: int = 3  # for a new member
    max_text: int = 2000
