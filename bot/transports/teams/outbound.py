"""What the bot sends Teams: a Reply as a message activity carrying one Adaptive Card (with a notification
summary), and a card as the answer to an Action.Execute invoke. The cards themselves come from `rendering`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from microsoft_agents.activity import Activity, AdaptiveCardInvokeResponse, InvokeResponse
from microsoft_agents.hosting.core import CardFactory, MessageFactory

from bot.transports.teams.rendering import CARD_CONTENT_TYPE, reply_card, summary_text
from commands.model import Attachment, Para, Reply, Strong

ERROR_CONTENT_TYPE = "application/vnd.microsoft.error"


@dataclass(frozen=True)
class Card:
    content: dict[str, Any]
    summary: str = ""

    def activity(self) -> Activity:
        activity = MessageFactory.list([CardFactory.adaptive_card(self.content)])
        if self.summary:
            activity.summary = self.summary
        return activity

    def invoke_response(self) -> InvokeResponse:
        """The card as the answer to an `adaptiveCard/action` invoke: Teams shows it in place of the old one."""
        return _invoke(200, CARD_CONTENT_TYPE, self.content)


def no_files(attachment: Attachment) -> Para:
    """What a reply carrying a file says instead in Teams, where a bot cannot send one: how to make it on the
    server."""
    return Para(("Teams doesn't let a bot send files, so the file isn't attached. Whoever runs cohortbot can make it "
                 "on the server: ", Strong(f"cohortbot export --out {attachment.filename}"),
                 " (add --cohort and the cohort's name for one cohort)."))


def card_of(reply: Reply) -> Card:
    """One card: Teams has no private replies, so a share goes in the same card, after the reply. A file cannot go
    with it: the card says how to make it on the server instead."""
    if reply.attachment is not None:
        reply = replace(reply, blocks=(*reply.blocks, no_files(reply.attachment)), attachment=None)
    if reply.share:
        reply = Reply(blocks=(*reply.blocks, *reply.share), private=reply.private, ok=reply.ok, form=reply.form)
    return Card(reply_card(reply), summary_text(reply))


def reply_activity(reply: Reply) -> Activity:
    return card_of(reply).activity()


def invoke_refused(message: str) -> InvokeResponse:
    return _invoke(400, ERROR_CONTENT_TYPE, {"code": "BadRequest", "message": message})


def _invoke(status: int, content_type: str, value: object) -> InvokeResponse:
    body = AdaptiveCardInvokeResponse(status_code=status, type=content_type, value=value)
    return InvokeResponse(status=status, body=body.model_dump(mode="json", by_alias=True, exclude_none=True))
