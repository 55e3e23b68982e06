"""The agent: what the bot does with each Teams activity (the SDK's ActivityHandler dispatches by type).

A message in a personal chat, or one that @mentions the bot in a channel or group chat, is read as
`<command> <text>` and dispatched like a Slack command; the Reply goes back as an Adaptive Card. Card buttons
and form submits come back as a message whose `value` holds the card's data (Action.Submit) or as an
`adaptiveCard/action` invoke (Action.Execute); both run as the member who pressed. Conversation references
are saved on first contact and on install, so `TeamsNotifier` can post nudges and summaries later.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any, Literal

from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeValue,
    ChannelAccount,
    InvokeResponse,
    TurnContextProtocol,
)
from microsoft_agents.hosting.core import ActivityHandler, TurnContext
from pydantic import ValidationError

from bot.config import Settings
from bot.conversations import TeamsDirectory
from bot.transports.teams.inbound import (
    actor_of,
    channel_data_of,
    command_text,
    mentions_bot,
    reference_json,
    scope_of,
    target_of,
    tenant_of,
    typed_command,
    value_of,
    where_of,
)
from bot.transports.teams.outbound import Card, card_of, invoke_refused, reply_activity
from bot.transports.teams.rendering import FORM_FIELDS, form_card
from commands.dispatch import OUR_FAULT, dispatch
from commands.forms import LogFields, submit_log
from commands.identity import today_for
from commands.model import CommandRequest, Deps, Form, Para, Reply
from commands.welcome import welcome_reply  # the same words a member gets the first time

log = logging.getLogger(__name__)

ADAPTIVE_CARD_ACTION = "adaptiveCard/action"
NO_TENANT = Reply(blocks=(
    Para(("I couldn't tell which organisation this chat belongs to, so nothing was saved.",)),
), ok=False)


async def on_turn_error(context: TurnContext, error: Exception) -> None:
    """The adapter's last resort: log the failure and tell the member nothing was saved."""
    log.error("Teams turn failed", exc_info=error)
    try:
        await context.send_activity(reply_activity(Reply(blocks=(Para((OUR_FAULT,)),), ok=False)))
    except Exception:
        log.exception("could not tell the member about the failure")


def _edit_seq(raw: object) -> int | None:
    if isinstance(raw, int):
        return raw
    return int(raw) if isinstance(raw, str) and raw.isdigit() else None


def _text(raw: object) -> str:
    return raw if isinstance(raw, str) else ""


def _includes_bot(activity: Activity, accounts: list[ChannelAccount]) -> bool:
    bot_id = activity.recipient.id if activity.recipient else None
    return any(account.id == bot_id for account in accounts)


class CohortAgent(ActivityHandler):
    """Turns Teams activities into CommandRequests and Replies into cards."""

    def __init__(self, settings: Settings, deps: Deps, directory: TeamsDirectory) -> None:
        self.settings = settings
        self.deps = deps
        self.directory = directory

    # -- helpers --

    def _request(self, activity: Activity, name: str, text: str, source: str) -> CommandRequest | None:
        tenant = tenant_of(activity, self.settings)
        now = self.deps.clock()
        actor = actor_of(activity, tenant, now)
        if not tenant or not actor.user_id:
            return None
        return CommandRequest(name=name, text=text, actor=actor, where=where_of(activity), received_at=now,
                              source=source)

    def _run(self, request: CommandRequest) -> Card:
        return card_of(dispatch(request, self.deps))

    def _card_data(self, activity: Activity, data: dict[str, Any]) -> Card | None:
        """Run what a pressed button or a submitted form asks for; None when the data is not ours."""
        form = data.get("form")
        if form in ("interview", "network"):
            return self._submit_form(activity, form, data)
        command, text = data.get("command"), data.get("text", "")
        if isinstance(command, str) and command and isinstance(text, str):
            request = self._request(activity, command, text, "teams:card")
            return self._run(request) if request else None
        return None

    def _submit_form(self, activity: Activity, kind: Literal["interview", "network"],
                     data: dict[str, Any]) -> Card | None:
        request = self._request(activity, kind, "", "teams:form")
        if request is None:
            return None
        edit_seq = _edit_seq(data.get("edit_seq"))
        values = {k: _text(data.get(k)) for k in FORM_FIELDS}
        fields = LogFields(kind=kind, org=values["org"], subtype=values["subtype"], day=values["day"],
                           notes=values["notes"], edit_seq=edit_seq)
        result = submit_log(request, fields, self.deps)
        if result.reply is not None:
            return card_of(result.reply)
        today = today_for(request, self.deps).isoformat()
        return Card(form_card(Form(kind, edit_seq=edit_seq), today=today, errors=result.errors, values=values),
                    "Nothing was saved yet")

    def _remember(self, activity: Activity) -> None:
        """Save (or refresh) where the bot can post in this conversation."""
        tenant = tenant_of(activity, self.settings)
        target = target_of(activity)
        if not tenant or target is None or not activity.service_url:
            return
        try:
            self.directory.save_reference(
                tenant_id=tenant, target_kind=target.kind, target_id=target.target_id,
                conversation_id=target.conversation_id, reference=reference_json(activity, target),
                service_url=activity.service_url, now=self.deps.clock(), team_id=target.team_id,
            )
        except Exception:
            log.exception("could not store the Teams conversation reference")

    def _forget(self, activity: Activity, *, whole_team: bool = False) -> None:
        """Drop the reference for this conversation (and, when the bot left a team, for all its channels)."""
        tenant = tenant_of(activity, self.settings)
        target = target_of(activity)
        if tenant and target is not None:
            self.directory.delete_reference(tenant, target.target_id, team_id=target.team_id if whole_team else None)

    def _remember_user_id(self, activity: Activity) -> None:
        """Note which Azure AD object id stands behind the sender's Teams account id (for mentions later)."""
        sender = activity.from_property
        if sender is None or not sender.id or not sender.aad_object_id:
            return
        try:
            self.directory.remember_user_id(tenant_of(activity, self.settings), sender.id, sender.aad_object_id)
        except Exception:
            log.exception("could not store the Teams user id")

    # -- activity types --

    async def on_turn(self, turn_context: TurnContextProtocol[Activity]) -> None:
        activity = turn_context.activity
        if activity.type in (ActivityTypes.message, ActivityTypes.invoke):
            self._remember(activity)
        await super().on_turn(turn_context)

    async def on_message_activity(self, turn_context: TurnContextProtocol[Activity]) -> None:
        activity = turn_context.activity
        data = value_of(activity)
        if data:
            card = self._card_data(activity, data)
            if card is not None:
                await turn_context.send_activity(card.activity())
            return
        if scope_of(activity) != "personal" and not mentions_bot(activity):
            return  # a channel or group chat message not addressed to us
        self._remember_user_id(activity)
        tenant = tenant_of(activity, self.settings)
        name, text = typed_command(command_text(activity, partial(self.directory.aad_for, tenant)))
        request = self._request(activity, name, text, "teams:message")
        reply = self._run(request) if request is not None else card_of(NO_TENANT)
        await turn_context.send_activity(reply.activity())

    async def on_conversation_update_activity(self, turn_context: TurnContextProtocol[Activity]) -> None:
        if channel_data_of(turn_context.activity).event_type == "channelDeleted":
            self._forget(turn_context.activity)
            return
        await super().on_conversation_update_activity(turn_context)

    async def on_members_added_activity(self, members_added: list[ChannelAccount],
                                        turn_context: TurnContextProtocol[Activity]) -> None:
        activity = turn_context.activity
        if activity.members_removed and _includes_bot(activity, activity.members_removed):
            return  # the SDK calls on_members_removed_activity next
        self._remember(activity)  # installed, or someone joined: the first contact with this conversation
        if _includes_bot(activity, members_added):
            await turn_context.send_activity(reply_activity(welcome_reply()))

    async def on_members_removed_activity(self, members_removed: list[ChannelAccount],
                                          turn_context: TurnContextProtocol[Activity]) -> None:
        if _includes_bot(turn_context.activity, members_removed):
            self._forget(turn_context.activity, whole_team=True)

    async def on_installation_update_add(self, turn_context: TurnContextProtocol[Activity]) -> None:
        self._remember(turn_context.activity)

    async def on_installation_update_remove(self, turn_context: TurnContextProtocol[Activity]) -> None:
        self._forget(turn_context.activity, whole_team=True)

    async def on_invoke_activity(self, turn_context: TurnContextProtocol[Activity]) -> InvokeResponse | None:
        activity = turn_context.activity
        if activity.name != ADAPTIVE_CARD_ACTION:
            return await super().on_invoke_activity(turn_context)
        try:
            data: dict[str, Any] = dict(AdaptiveCardInvokeValue.model_validate(activity.value).action.data)
        except ValidationError:
            data = {}
        card = self._card_data(activity, data)
        if card is None:
            return invoke_refused("This card action is not one of cohortbot's.")
        return card.invoke_response()
