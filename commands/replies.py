"""Small builders for the replies many commands share: errors, usage, confirmations."""

from __future__ import annotations

from dataclasses import replace

from commands.model import Inline, Para, Reply


def error(message: str | tuple[Inline, ...], *, usage: str = "", examples: tuple[str, ...] = ()) -> Reply:
    """A private reply saying what was wrong and showing the right way; nothing was stored.

    `message` is our text, or spans with the member's own words as `UserText`.
    """
    blocks: list[Para] = [Para((message,) if isinstance(message, str) else message)]
    if usage:
        blocks.append(Para(("Usage: ", usage), style="muted"))
    if examples:
        blocks.append(Para(("Examples: ", "   ".join(examples)), style="muted"))
    return Reply(blocks=tuple(blocks), private=True, ok=False)


SHARED = "Shared with the channel."


def split_share(reply: Reply) -> tuple[Reply, Reply | None]:
    """What only the asker sees, and what is posted for the channel (a share), for platforms with private replies.

    The share is posted as the bot, never as an echo of what the asker typed (which may hold private notes).
    """
    if reply.share:
        return replace(reply, share=()), Reply(blocks=reply.share, private=False)
    return reply, None


def info(*paras: tuple[Inline, ...]) -> Reply:
    return Reply(blocks=tuple(Para(p) for p in paras), private=True)


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"
