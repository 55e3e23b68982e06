"""Microsoft Teams: the same commands, through the Microsoft 365 Agents SDK for Python, on our aiohttp app.

`add_teams_routes(app, settings, deps)` mounts `POST /api/messages` and nothing else: the JWT check runs in
that route's handler, not as an application middleware, so `/slack/events` and `/healthz` are untouched.

- Credentials (TEAMS_APP_ID, TEAMS_APP_PASSWORD, TEAMS_TENANT_ID): every activity must carry a Bot Framework
  token, validated by the SDK's `JwtTokenValidator`, and its serviceUrl must be a Microsoft host.
- TEAMS_ANONYMOUS=1: activities without a token are accepted (Agents Playground, tests). Without credentials
  replies go out without a token too.
- Neither: every activity is refused with 503, so a half-configured server never runs commands for strangers.

A message in a personal chat, or one that @mentions the bot in a channel or group chat, is read as
`<command> <text>` (a leading `/` is fine) and dispatched like a Slack command; the Reply goes back as an
Adaptive Card (see `teams_cards`). Card buttons and form submits come back as a message whose `value` holds
the card's data (Action.Submit) or as an `adaptiveCard/action` invoke (Action.Execute); both run as the
member who pressed. Conversation references are saved on first contact and on install (storage.teams) so
`TeamsNotifier` can post nudges and summaries later.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

import aiohttp
import jwt
from aiohttp import web
from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    Attachment,
    ChannelAccount,
    ConversationReference,
    InvokeResponse,
    TurnContextProtocol,
)
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import (
    ActivityHandler,
    AgentAuthConfiguration,
    AnonymousTokenProvider,
    ClaimsIdentity,
    ConnectionManager,
    Connections,
    JwtTokenValidator,
    OutboundHostValidator,
    TurnContext,
)
from microsoft_agents.hosting.core.authorization import AuthTypes
from pydantic import ValidationError
from sqlite_utils import Database

from bot.config import Settings
from bot.delivery import NotSent
from bot.outgoing import Outgoing
from bot.transports.teams_cards import CARD_CONTENT_TYPE, form_card, reply_card, summary_text
from commands import REGISTRY
from commands.dispatch import dispatch, today_for
from commands.forms import LogFields, submit_log
from commands.model import Actor, CommandRequest, Deps, Form, Inline, Para, Reply, Strong, UserText, Where
from storage import teams as teams_store

log = logging.getLogger(__name__)

ROUTE = "/api/messages"
ADAPTIVE_CARD_ACTION = "adaptiveCard/action"
MULTI_TENANT = "botframework.com"  # the authority tenant of a multi-tenant Azure Bot registration
_MENTION = re.compile(r"<at(?:\s[^>]*)?>(.*?)</at>", re.IGNORECASE | re.DOTALL)
Mode = Literal["anonymous", "jwt", "refuse"]


# ---- configuration -----------------------------------------------------------------------------------

def mode_of(settings: Settings) -> Mode:
    if settings.teams_app_id and settings.teams_app_password:
        return "jwt"
    if settings.teams_anonymous:
        return "anonymous"
    return "refuse"


def auth_configuration(settings: Settings) -> AgentAuthConfiguration:
    return AgentAuthConfiguration(
        auth_type=AuthTypes.client_secret,
        client_id=settings.teams_app_id or None,
        tenant_id=settings.teams_tenant_id or (MULTI_TENANT if settings.teams_app_id else None),
        client_secret=settings.teams_app_password or None,
        anonymous_allowed=settings.teams_anonymous,
    )


def _connections(settings: Settings, config: AgentAuthConfiguration) -> Connections:
    if mode_of(settings) == "jwt":
        return MsalConnectionManager(connections_configurations={"SERVICE_CONNECTION": config})

    def anonymous(_: AgentAuthConfiguration) -> AnonymousTokenProvider:
        return AnonymousTokenProvider()

    return ConnectionManager(anonymous, connections_configurations={"SERVICE_CONNECTION": config})


def build_adapter(settings: Settings, config: AgentAuthConfiguration | None = None) -> CloudAdapter:
    """A CloudAdapter for these settings. With credentials, inbound serviceUrls must be Microsoft hosts."""
    config = config or auth_configuration(settings)
    validator = OutboundHostValidator(enabled=mode_of(settings) == "jwt")
    return CloudAdapter(connection_manager=_connections(settings, config), host_validator=validator)


async def authorize(request: web.Request, settings: Settings,
                    config: AgentAuthConfiguration) -> ClaimsIdentity | web.Response:
    """The caller's identity from its Bot Framework token, or the response refusing it."""
    if mode_of(settings) == "anonymous":
        # No app id to validate a token against: every caller is anonymous (local development, tests).
        return ClaimsIdentity()
    header = request.headers.get("Authorization", "").strip()
    if not header:
        if settings.teams_anonymous:
            return ClaimsIdentity()
        return web.json_response({"error": "Authorization header not found"}, status=401)
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or any(ch.isspace() for ch in token):
        return web.json_response({"error": "Invalid authorization header format"}, status=401)
    try:
        return await JwtTokenValidator(config).validate_token(token)
    except (jwt.PyJWTError, ValueError, KeyError, TypeError) as problem:  # KeyError: a token without "kid"
        log.warning("Teams token refused: %s", type(problem).__name__)
        return web.json_response({"error": "Invalid token or authentication failed."}, status=401)


# ---- reading activities ------------------------------------------------------------------------------

def _data(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if hasattr(value, "model_dump"):
        dumped = value.model_dump(by_alias=True, exclude_none=True)
        return dumped if isinstance(dumped, dict) else {}
    return {}


def _get(data: dict[str, Any], *path: str) -> str:
    node: Any = data
    for key in path:
        if not isinstance(node, dict):
            return ""
        node = node.get(key)
    return node if isinstance(node, str) else ""


def tenant_of(activity: Activity, settings: Settings) -> str:
    conversation = activity.conversation
    return ((conversation.tenant_id if conversation else None)
            or _get(_data(activity.channel_data), "tenant", "id")
            or settings.teams_tenant_id)


def scope_of(activity: Activity) -> str:
    """personal, channel or groupChat."""
    conversation = activity.conversation
    kind = (conversation.conversation_type if conversation else None) or ""
    if kind:
        return str(kind)
    return "groupChat" if conversation and conversation.is_group else "personal"


def _base_conversation_id(conversation_id: str) -> str:
    """A channel thread's id without `;messageid=...`: posting there starts a new thread."""
    return conversation_id.split(";", 1)[0]


def channel_id_of(activity: Activity) -> str:
    data = _data(activity.channel_data)
    return (_get(data, "channel", "id") or _get(data, "teamsChannelId")
            or _base_conversation_id(activity.conversation.id if activity.conversation else ""))


def where_of(activity: Activity) -> Where:
    scope = scope_of(activity)
    conversation_id = activity.conversation.id if activity.conversation else ""
    if scope == "personal":
        return Where(channel_id=conversation_id, is_direct=True)
    if scope == "channel":
        return Where(channel_id=channel_id_of(activity),
                     channel_name=_get(_data(activity.channel_data), "channel", "name"))
    return Where(channel_id=conversation_id, channel_name=(activity.conversation.name or "")
                 if activity.conversation else "")


def _tz(name: str | None) -> str | None:
    if not name:
        return None
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return None
    return name


def actor_of(activity: Activity, tenant_id: str) -> Actor:
    sender = activity.from_property or ChannelAccount()
    return Actor(
        platform="teams",
        workspace_id=tenant_id,
        user_id=sender.aad_object_id or sender.id or "",
        display_name=sender.name or "",
        tz=_tz(activity.local_timezone),
    )


def command_text(activity: Activity) -> str:
    """The typed text without the bot's mention; other mentions keep only the name they show."""
    text = activity.remove_recipient_mention() if activity.entities else (activity.text or "")
    text = _MENTION.sub(lambda m: m.group(1), text).replace("&nbsp;", " ").replace("\u00a0", " ")
    return text.strip()


def mentions_bot(activity: Activity) -> bool:
    if activity.is_recipient_mentioned():
        return True
    recipient = activity.recipient
    return bool(recipient and recipient.name and f"<at>{recipient.name}</at>".lower() in (activity.text or "").lower())


# ---- conversation references ------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    kind: teams_store.TargetKind
    target_id: str
    conversation_id: str
    team_id: str | None


def target_of(activity: Activity) -> Target | None:
    conversation = activity.conversation
    if conversation is None or not conversation.id:
        return None
    scope = scope_of(activity)
    if scope == "personal":
        sender = activity.from_property
        user = (sender.aad_object_id or sender.id) if sender else None
        return Target("user", user, conversation.id, None) if user else None
    if scope == "channel":
        data = _data(activity.channel_data)
        channel = channel_id_of(activity)
        return Target("channel", channel, channel, _get(data, "team", "id") or None)
    return Target("group", conversation.id, conversation.id, None)


def reference_json(activity: Activity, target: Target) -> str:
    reference = activity.get_conversation_reference()
    reference.activity_id = None
    reference.request_id = None  # a fresh id per HTTP request; keeping it would rewrite the row every message
    reference.conversation = reference.conversation.model_copy(update={"id": target.conversation_id})
    if target.kind != "user":
        reference.user = None  # a channel post is addressed to the channel, not to whoever spoke last
    return json.dumps(reference.model_dump(mode="json", by_alias=True, exclude_none=True), sort_keys=True)


def remember(activity: Activity, deps: Deps, settings: Settings) -> teams_store.ConversationRef | None:
    """Save (or refresh) where the bot can post in this conversation; skip the write when nothing changed."""
    tenant = tenant_of(activity, settings)
    target = target_of(activity)
    if not tenant or target is None or not activity.service_url:
        return None
    reference = reference_json(activity, target)
    known = teams_store.load_reference(deps.db, target.target_id, tenant)
    if known and known.reference == reference and known.service_url == activity.service_url:
        return known
    return teams_store.save_reference(
        deps.db, tenant_id=tenant, target_kind=target.kind, target_id=target.target_id,
        conversation_id=target.conversation_id, reference=reference, service_url=activity.service_url,
        now=deps.clock(), team_id=target.team_id,
    )


def forget(activity: Activity, deps: Deps, settings: Settings, *, whole_team: bool = False) -> None:
    """Drop the reference for this conversation (and, when the bot left a team, for all its channels)."""
    tenant = tenant_of(activity, settings)
    target = target_of(activity)
    if not tenant or target is None:
        return
    teams_store.delete_reference(deps.db, tenant, target.target_id)
    if whole_team and target.team_id:
        teams_store.delete_team(deps.db, tenant, target.team_id)


# ---- replies -------------------------------------------------------------------------------------------

def card_activity(card: dict[str, Any], summary: str = "") -> Activity:
    activity = Activity(
        type=ActivityTypes.message,
        attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=card)],
    )
    if summary:
        activity.summary = summary
    return activity


def reply_activity(reply: Reply, *, today: str = "") -> Activity:
    return card_activity(reply_card(reply, today=today), summary_text(reply))


def welcome_reply() -> Reply:
    commands = ", ".join(REGISTRY)
    return Reply(blocks=(
        Para(("Hi, I'm cohortbot",), style="heading"),
        Para(("Log interviews and networking in one line, and keep each other going. Type a command in a chat "
              "with me, or @mention me in a channel: ", Strong("interview Latham callback yesterday"), ".")),
        Para((f"Commands: {commands}. Type ", Strong("cohort help"), " for the details."), style="muted"),
    ))


@dataclass(frozen=True)
class Card:
    content: dict[str, Any]
    summary: str = ""

    def activity(self) -> Activity:
        return card_activity(self.content, self.summary)


SETUP_IN_CHANNEL = Reply(blocks=(
    Para(("Run ", Strong("cohort setup"), " in the channel where the weekly summary should go: @mention me there, "
          "like @cohortbot cohort setup monday 9am.",)),
), ok=False)
NO_TENANT = Reply(blocks=(
    Para(("I couldn't tell which organisation this chat belongs to, so nothing was saved.",)),
), ok=False)


def setup_here(text: str, channel_id: str) -> str:
    """`setup [#name] [day] [hour]` typed in a Teams channel names that channel, whatever was typed."""
    words = text.split()
    rest = words[1:]
    if rest and rest[0].startswith("#"):
        rest = rest[1:]
    return " ".join(["setup", f"#{channel_id}", *rest])


def channel_label(activity: Activity) -> str:
    data = _data(activity.channel_data)
    name = _get(data, "channel", "name") or (activity.conversation.name if activity.conversation else None)
    if name:
        return name
    if channel_id_of(activity) == _get(data, "team", "id"):
        return "General"  # a team's General channel has the team's id
    return "this channel"


def rename_user_text(reply: Reply, names: dict[str, str]) -> Reply:
    """Show a channel id the command echoed back as the channel's name."""
    def span(value: Inline) -> Inline:
        return UserText(names[value.value]) if isinstance(value, UserText) and value.value in names else value

    blocks = tuple(replace(b, spans=tuple(span(x) for x in b.spans)) if isinstance(b, Para) else b
                   for b in reply.blocks)
    return replace(reply, blocks=blocks)


def _invoke_card(card: dict[str, Any]) -> InvokeResponse:
    return InvokeResponse(status=200, body={"statusCode": 200, "type": CARD_CONTENT_TYPE, "value": card})


class CohortAgent(ActivityHandler):
    """Turns Teams activities into CommandRequests and Replies into cards."""

    def __init__(self, settings: Settings, deps: Deps) -> None:
        self.settings = settings
        self.deps = deps

    # -- helpers --

    def _request(self, activity: Activity, name: str, text: str, source: str) -> CommandRequest | None:
        tenant = tenant_of(activity, self.settings)
        actor = actor_of(activity, tenant)
        if not tenant or not actor.user_id:
            return None
        return CommandRequest(name=name, text=text, actor=actor, where=where_of(activity),
                              received_at=self.deps.clock(), source=source)

    def _run(self, request: CommandRequest, rename: dict[str, str] | None = None) -> Card:
        reply = dispatch(request, self.deps)
        if rename:
            reply = rename_user_text(reply, rename)
        today = today_for(request, self.deps).isoformat() if reply.form is not None else ""
        return Card(reply_card(reply, today=today), summary_text(reply))

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
        raw_seq = data.get("edit_seq")
        edit_seq = raw_seq if isinstance(raw_seq, int) else int(raw_seq) if isinstance(raw_seq, str) and \
            raw_seq.isdigit() else None
        values = {k: data.get(k) if isinstance(data.get(k), str) else "" for k in ("org", "subtype", "day", "notes")}
        fields = LogFields(kind=kind, org=values["org"] or "", subtype=values["subtype"] or "",
                           day=values["day"] or "", notes=values["notes"] or "", edit_seq=edit_seq)
        result = submit_log(request, fields, self.deps)
        if result.reply is not None:
            return Card(reply_card(result.reply), summary_text(result.reply))
        today = today_for(request, self.deps).isoformat()
        return Card(form_card(Form(kind, edit_seq=edit_seq), today=today, errors=result.errors,
                              values={k: v or "" for k, v in values.items()}), "Nothing was saved yet")

    # -- activity types --

    async def on_turn(self, turn_context: TurnContextProtocol[Activity]) -> None:
        activity = turn_context.activity
        if activity.type in (ActivityTypes.message, ActivityTypes.invoke):
            self._remember(activity)
        await super().on_turn(turn_context)

    def _remember_user_id(self, activity: Activity) -> None:
        """Note which Azure AD object id stands behind the sender's Teams account id (for mentions later)."""
        sender = activity.from_property
        if sender is None or not sender.id or not sender.aad_object_id:
            return
        try:
            teams_store.remember_user_id(self.deps.db, tenant_of(activity, self.settings), sender.id,
                                         sender.aad_object_id)
        except Exception:
            log.exception("could not store the Teams user id")

    def _admin_target(self, activity: Activity, rest: str) -> str:
        """`cohort admin @Dana`: the mention names Dana's Teams account; the member is keyed by her AAD id."""
        bot_id = activity.recipient.id if activity.recipient else None
        tenant = tenant_of(activity, self.settings)
        for mention in activity.get_mentions():
            account = mention.mentioned
            if account is None or not account.id or account.id == bot_id:
                continue
            aad = getattr(account, "aad_object_id", None) or teams_store.aad_for(self.deps.db, tenant, account.id)
            return f"admin {aad}" if aad else rest
        return rest

    def _remember(self, activity: Activity) -> None:
        try:
            remember(activity, self.deps, self.settings)
        except Exception:
            log.exception("could not store the Teams conversation reference")

    async def on_message_activity(self, turn_context: TurnContextProtocol[Activity]) -> None:
        activity = turn_context.activity
        data = _data(activity.value)
        if data:
            card = self._card_data(activity, data)
            if card is not None:
                await turn_context.send_activity(card.activity())
            return
        if scope_of(activity) != "personal" and not mentions_bot(activity):
            return  # a channel or group chat message not addressed to us
        self._remember_user_id(activity)
        text = command_text(activity)
        name, _, rest = text.lstrip("/").partition(" ")
        if not name or name.lower() in ("help", "?", "hi", "hello"):
            name, rest = "cohort", "help"
        rest = rest.strip()
        where = where_of(activity)
        setup = name.lower().lstrip("/") == "cohort" and rest.lower().split(None, 1)[:1] == ["setup"]
        if setup and where.is_direct:
            await turn_context.send_activity(reply_activity(SETUP_IN_CHANNEL))
            return
        if setup:
            rest = setup_here(rest, where.channel_id)
        if name.lower().lstrip("/") == "cohort" and rest.lower().split(None, 1)[:1] == ["admin"]:
            rest = self._admin_target(activity, rest)
        request = self._request(activity, name, rest, "teams:message")
        if request is None:
            await turn_context.send_activity(reply_activity(NO_TENANT))
            return
        card = self._run(request, rename={where.channel_id: channel_label(activity)} if setup else None)
        await turn_context.send_activity(card.activity())

    async def on_conversation_update_activity(self, turn_context: TurnContextProtocol[Activity]) -> None:
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        bot_added = any(m.id == bot_id for m in activity.members_added or [])
        bot_removed = any(m.id == bot_id for m in activity.members_removed or [])
        event = _get(_data(activity.channel_data), "eventType")
        if bot_removed or event == "channelDeleted":
            forget(activity, self.deps, self.settings, whole_team=bot_removed)
            return
        if activity.members_added:
            self._remember(activity)  # installed, or someone joined: the first contact with this conversation
        if bot_added:
            await turn_context.send_activity(reply_activity(welcome_reply()))

    async def on_installation_update(self, turn_context: TurnContextProtocol[Activity]) -> None:
        activity = turn_context.activity
        if (activity.action or "").startswith("remove"):
            forget(activity, self.deps, self.settings, whole_team=True)
        else:
            remember(activity, self.deps, self.settings)

    async def on_invoke_activity(self, turn_context: TurnContextProtocol[Activity]) -> InvokeResponse | None:
        activity = turn_context.activity
        if activity.name != ADAPTIVE_CARD_ACTION:
            return await super().on_invoke_activity(turn_context)
        action = _data(_data(activity.value).get("action"))
        card = self._card_data(activity, _data(action.get("data")))
        if card is None:
            return InvokeResponse(status=400, body={
                "statusCode": 400, "type": "application/vnd.microsoft.error",
                "value": {"code": "BadRequest", "message": "This card action is not one of cohortbot's."},
            })
        return _invoke_card(card.content)


# ---- the route -----------------------------------------------------------------------------------------

@dataclass
class TeamsRuntime:
    settings: Settings
    deps: Deps
    config: AgentAuthConfiguration
    adapter: CloudAdapter
    agent: CohortAgent
    notifier: TeamsNotifier


def build_runtime(settings: Settings, deps: Deps) -> TeamsRuntime:
    config = auth_configuration(settings)
    adapter = build_adapter(settings, config)

    async def on_turn_error(context: TurnContext, error: Exception) -> None:
        log.error("Teams turn failed", exc_info=error)
        try:
            await context.send_activity(reply_activity(Reply(blocks=(Para((
                "Something went wrong on our side and nothing was saved. Please try again in a moment.",)),),
                ok=False)))
        except Exception:
            log.exception("could not tell the member about the failure")

    adapter.on_turn_error = on_turn_error
    return TeamsRuntime(settings, deps, config, adapter, CohortAgent(settings, deps), TeamsNotifier(settings, deps.db))


TEAMS_RUNTIME = web.AppKey("cohortbot.teams_runtime", TeamsRuntime)


class _Inbound:
    """The SDK's view of one aiohttp request (HttpRequestProtocol), carrying the identity we validated.

    Used instead of CloudAdapter.process, which reads the identity from a string key on the request that a
    JWT middleware would have set.
    """

    def __init__(self, request: web.Request, identity: ClaimsIdentity) -> None:
        self._request = request
        self._identity = identity

    @property
    def method(self) -> str:
        return self._request.method

    @property
    def headers(self) -> Mapping[str, str]:
        return self._request.headers

    async def json(self) -> dict[str, Any]:
        body = await self._request.json()
        if not isinstance(body, dict):
            raise ValueError("an activity is a JSON object")
        return body

    def get_claims_identity(self) -> ClaimsIdentity:
        return self._identity

    def get_path_param(self, name: str) -> str:
        return self._request.match_info[name]


def add_teams_routes(app: web.Application, settings: Settings, deps: Deps) -> None:
    """Mount POST /api/messages on `app`, authenticated in the handler (no application middleware)."""
    mode = mode_of(settings)
    runtime = build_runtime(settings, deps) if mode != "refuse" else None
    if runtime is not None:
        app[TEAMS_RUNTIME] = runtime
        from bot.app import NOTIFIERS  # here, not at the top: bot.app imports this module

        if NOTIFIERS in app:
            app[NOTIFIERS]["teams"] = runtime.notifier
    else:
        log.warning("Teams is not configured: /api/messages refuses every activity. Set TEAMS_APP_ID and "
                    "TEAMS_APP_PASSWORD (or TEAMS_ANONYMOUS=1 for local development).")
    if mode == "anonymous":
        log.warning("TEAMS_ANONYMOUS: /api/messages accepts activities without a token. Use it only on a "
                    "private address, for local development.")

    async def messages(request: web.Request) -> web.StreamResponse:
        if runtime is None:
            return web.json_response({"error": "Teams is not configured on this server."}, status=503)
        identity = await authorize(request, settings, runtime.config)
        if isinstance(identity, web.Response):
            return identity
        try:
            response = await runtime.adapter.process_request(_Inbound(request, identity), runtime.agent)
        except ValidationError:
            return web.json_response({"error": "Not an activity."}, status=400)
        if response.body is not None:
            return web.json_response(response.body, status=response.status_code, headers=response.headers)
        return web.Response(status=response.status_code, headers=response.headers,
                            content_type=response.content_type)

    app.router.add_post(ROUTE, messages)


# ---- proactive messages ----------------------------------------------------------------------------

class TeamsSendError(NotSent):
    """The message surely did not reach Teams; `status` is the connector's HTTP status (0 if none)."""

    def __init__(self, target: str, message: str, status: int = 0) -> None:
        super().__init__(f"Teams message to {target} failed: {message}")
        self.target = target
        self.status = status


class NoConversation(TeamsSendError):
    """No stored conversation reference: the member never chatted with the bot, or it was removed."""

    def __init__(self, target: str) -> None:
        super().__init__(target, "no stored conversation reference (install the app or say hi to the bot first)")


class TeamsNotifier:
    """Scheduled messages to Teams (bot.delivery.Notifier): a member's personal chat or a channel.

    `out.target` is what the reference is stored under: a member's AAD object id (their Teams `user_id`) or a
    channel id; `out.workspace` is the tenant. The message goes out with the SDK's proactive
    `continue_conversation` from the stored reference. 429 and 503 answers are retried after their
    Retry-After (at most `retries` times); any HTTP error answer raises NotSent.
    """

    platform = "teams"

    def __init__(self, settings: Settings, db: Database, *, retries: int = 3, max_wait: float = 30.0,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.settings = settings
        self.db = db
        self.retries = retries
        self.max_wait = max_wait
        self.sleep = sleep
        self.adapter = build_adapter(settings)
        self.adapter.on_turn_error = None  # failures reach the caller instead of being posted to the chat

    async def send(self, out: Outgoing) -> str:
        return await self.send_reply(out.target, out.reply, tenant_id=out.workspace or None)

    async def find_sent(self, out: Outgoing, since: datetime) -> str | None:
        """Teams gives a bot no way to read a chat's history, so a send in doubt cannot be confirmed."""
        return None

    async def send_reply(self, target: str, reply: Reply, *, tenant_id: str | None = None) -> str:
        """Post `reply` as a card to `target`; returns "<conversation id>:<message id>"."""
        if mode_of(self.settings) == "refuse":
            raise TeamsSendError(target, "Teams is not configured")
        stored = teams_store.load_reference(self.db, target, tenant_id)
        if stored is None:
            raise NoConversation(target)
        reference = ConversationReference.model_validate_json(stored.reference)
        reference.service_url = stored.service_url
        outgoing = reply_activity(reply)
        for attempt in range(self.retries + 1):
            try:
                message_id = await self._send_once(reference, outgoing)
            except aiohttp.ClientResponseError as problem:
                wait = _retry_after(problem)
                if problem.status in (429, 503) and attempt < self.retries and wait is not None:
                    await self.sleep(min(wait, self.max_wait))
                    continue
                raise TeamsSendError(target, f"HTTP {problem.status}", problem.status) from problem
            except aiohttp.ClientConnectorError as problem:
                raise TeamsSendError(target, f"cannot connect: {problem}") from problem
            return f"{stored.conversation_id}:{message_id}"
        raise TeamsSendError(target, "retries exhausted")  # pragma: no cover - the loop returns or raises

    async def _send_once(self, reference: ConversationReference, outgoing: Activity) -> str:
        sent: list[str] = []

        async def callback(context: TurnContext) -> None:
            # Post a new message rather than a reply to the synthetic continuation event.
            context.activity.id = None
            response = await context.send_activity(outgoing.model_copy(deep=True))
            sent.append(response.id or "")

        continuation = reference.get_continuation_activity()
        if mode_of(self.settings) == "jwt":
            await self.adapter.continue_conversation(self.settings.teams_app_id, continuation, callback)
        else:
            await self.adapter.continue_conversation_with_claims(ClaimsIdentity(), continuation, callback)
        if not sent:
            raise TeamsSendError(reference.conversation.id, "nothing was sent")
        return sent[0]


def _retry_after(problem: aiohttp.ClientResponseError) -> float | None:
    raw = problem.headers.get("Retry-After", "") if problem.headers else ""
    try:
        return max(float(raw), 0.0)
    except ValueError:
        return 1.0 if problem.status in (429, 503) else None
