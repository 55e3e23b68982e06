"""The Slack transport: Bolt listeners that turn slash commands, buttons, modals and App Home into commands.

Bolt verifies every request's signature and timestamp. Listeners only translate: a Slack payload becomes a
CommandRequest, `commands.dispatch` answers, and the Reply goes back as Block Kit inside the acknowledgement
(one HTTP exchange). Only slow or out-of-band work (modals, the home tab, profile look-ups) calls the Web API,
always with the `client` Bolt hands each listener: authorized for the request's workspace (the bot token, or
with OAuth installs that workspace's own token, see installs.py).

Bolt runs with process_before_response=True: the HTTP answer is sent as soon as a listener returns, instead of
Bolt polling every 10 ms for the ack (its default), which added 10 ms to every slash command. So listeners do
what the answer needs, ack, and hand any Web API work after the ack to a background task (`_spawn`).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import replace
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped, warning_token_skipped
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.logs import log_request, new_request_id
from bot.transports.slack import guard, inbound, rendering
from bot.transports.slack.auth import OneAuthTest
from bot.transports.slack.client import make_client
from bot.transports.slack.installs import Installs, add_routes
from bot.transports.slack.profiles import PLATFORM, Profiles
from commands import REGISTRY, identity, needs_fresh_admin_check, seen
from commands.dispatch import dispatch
from commands.forms import submit_log
from commands.home import home
from commands.model import Actor, Attachment, CommandRequest, Deps, Form, Para, Reply, Where
from commands.replies import split_share

log = logging.getLogger(__name__)
COMMAND_PATTERN = re.compile(r"^/(" + "|".join(re.escape(n) for n in REGISTRY) + r")$")
SLACK_CONTENT_TYPES = ("application/x-www-form-urlencoded", "application/json")


class _DropTokenSkippedWarning(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment itself and then warns, on every start, that the client (and
    the authorize) we pass win over it. They carry that same token, so the warnings say nothing useful."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() not in (warning_client_prioritized_and_token_skipped(), warning_token_skipped())


BOLT_LOGGER = logging.getLogger("slack_bolt")
BOLT_LOGGER.addFilter(_DropTokenSkippedWarning())


ON_ITS_WAY = "Your export is on its way to your direct messages with me."


def private_part(reply: Reply) -> Reply:
    """The reply as the member sees it in Slack: a file is sent apart, and the reply says where it went."""
    if reply.attachment is None:
        return reply
    return replace(reply, blocks=(*reply.blocks, Para((ON_ITS_WAY,), style="muted")), attachment=None)


class SlackTransport:
    def __init__(self, settings: Settings, deps: Deps, client: AsyncWebClient | None = None,
                 installs: Installs | None = None) -> None:
        self.settings = settings
        self.deps = deps
        self.client = client or make_client(settings)  # Bolt copies it, with each request's token, per request
        self.profiles = Profiles(deps.clock, lambda actor: identity.profile_checked_at(deps, actor))
        self.installs = installs if installs is not None or not settings.slack_oauth else Installs(settings)
        self.identity: OneAuthTest | None = None
        if self.installs is None:  # one workspace, one bot token
            self.identity = OneAuthTest(self.client)
            self.app = AsyncApp(signing_secret=settings.slack_signing_secret, client=self.client,
                                authorize=self.identity, logger=BOLT_LOGGER, process_before_response=True)
            for revoked in ("app_uninstalled", "tokens_revoked"):  # the manifest subscribes them for OAuth installs
                self.app.event(revoked)(self.on_uninstalled)
        else:  # OAuth: any workspace that installed the app, each with its own token
            self.app = AsyncApp(signing_secret=settings.slack_signing_secret, client=self.client,
                                oauth_settings=self.installs.oauth_settings(),
                                authorize=self.installs.authorize(),  # type: ignore[arg-type]  # None: not installed
                                user_facing_authorize_error_message=self.installs.not_installed_message(),
                                logger=BOLT_LOGGER, process_before_response=True)
            self.app.enable_token_revocation_listeners()  # app_uninstalled, tokens_revoked: delete the install
        self.guard = guard.Guard(settings.slack_signing_secret) if settings.slack_signing_secret else None
        self._background: set[asyncio.Task[Any]] = set()
        self.app.command(COMMAND_PATTERN)(self.on_command)
        self.app.action(re.compile("^" + re.escape(rendering.ACTION_PREFIX)))(self.on_button)
        self.app.view("log_form")(self.on_form)
        self.app.event("app_home_opened")(self.on_home_opened)

    # ---- HTTP --------------------------------------------------------------------------------------

    def add_install_routes(self, router: web.UrlDispatcher) -> None:
        """GET /slack/install and /slack/oauth_redirect (OAuth installs only): a browser's, not signed by Slack."""
        if self.app.oauth_flow is not None:
            add_routes(router, self.app.oauth_flow)

    async def handle(self, request: web.Request) -> web.Response:
        """POST /slack/events: commands, interactivity and events all arrive here."""
        # Slack sends forms (commands, interactivity) and JSON (events); Bolt would parse anything as a form.
        if self.guard is None:  # Socket Mode only: bot/app.py routes HTTP elsewhere
            return web.json_response({"error": "no signing secret: HTTP requests cannot be verified"}, status=503)
        if request.content_type not in SLACK_CONTENT_TYPES:
            return web.json_response({"error": "unsupported content type"}, status=415)
        admitted = self.guard.admit(await request.read(), request.headers, request.query_string)
        if isinstance(admitted, guard.Refusal):
            guard.refuse(admitted, request.remote)
            return web.json_response({"error": admitted.reason}, status=admitted.status)
        bolt_response = await self.app.async_dispatch(admitted)
        if bolt_response.status >= 500:  # a listener failed on a payload it could not read: the client's fault
            log.warning("Bolt answered %d to a verified request; refusing it with 400", bolt_response.status)
            return web.json_response({"error": "request could not be handled"}, status=400)
        return await to_aiohttp_response(bolt_response)

    # ---- plumbing ----------------------------------------------------------------------------------

    async def actor(self, client: AsyncWebClient, sender: inbound.Sender, *, fresh: bool = False) -> Actor:
        return await self.profiles.actor(client, sender.team_id, sender.user_id, sender.user_name, fresh=fresh)

    def request(self, actor: Actor, name: str, text: str, where: Where, source: str) -> CommandRequest:
        return CommandRequest(name=name, text=text, actor=actor, where=where, received_at=self.deps.clock(),
                              source=source)

    def _spawn(self, coro: Any) -> None:
        """Run Web API work after the acknowledgement, logging (not losing) any failure."""
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background Slack work failed", exc_info=task.exception())

    # ---- slash commands ----------------------------------------------------------------------------

    async def on_command(self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        started = time.perf_counter()
        name, text = str(body.get("command", "")).lstrip("/"), inbound.slack_text(str(body.get("text", "")))
        actor = await self.actor(client, inbound.command_sender(body), fresh=needs_fresh_admin_check(name, text))
        where = inbound.command_where(body)
        reply = dispatch(self.request(actor, name, text, where, "slack:command"), self.deps)
        if reply.form is not None and body.get("trigger_id"):
            await ack()
            self._spawn(self.open_form(client, reply.form, body["trigger_id"], where.channel_id))
        else:
            # Always ephemeral: an in_channel answer makes Slack show the typed command (notes and all) to everyone.
            mine, share = split_share(reply)
            await ack(**rendering.to_message(private_part(mine)), response_type="ephemeral")
            self._spawn(self.after_reply(client, actor, where, share, reply.attachment))
        # The command's name only, never its text (which may hold names and private notes).
        log_request(log, request_id=new_request_id(), workspace=actor.workspace_id, command=name,
                    status="ok" if reply.ok else "refused", ms=(time.perf_counter() - started) * 1000)

    async def post_share(self, client: AsyncWebClient, share: Reply, channel: str, actor: Actor) -> None:
        """Post a share in the channel as the bot; if the bot may not post there, tell the member privately."""
        try:
            await client.chat_postMessage(channel=channel, **rendering.to_message(share), unfurl_links=False)
        except SlackApiError as problem:
            log.warning("sharing in %s failed: %s", channel, problem)
            note = Reply(blocks=(Para(("I couldn't post in this channel. Invite me with /invite @cohortbot, or share "
                                       "from a channel I'm in.",)),))
            await self.confirm(client, actor, channel, note)

    async def open_form(self, client: AsyncWebClient, form: Form, trigger_id: str, channel_id: str) -> None:
        view = rendering.log_modal(form, channel_id=channel_id)
        try:
            await client.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError as problem:
            log.warning("views.open failed: %s", problem)

    # ---- buttons -----------------------------------------------------------------------------------

    async def on_button(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond,
                        client: AsyncWebClient) -> None:
        await ack()
        self._spawn(self._pressed(client, body, respond))

    async def _pressed(self, client: AsyncWebClient, body: dict[str, Any], respond: AsyncRespond) -> None:
        pressed = inbound.button_command(body)
        if pressed is None:
            return
        command, text = pressed
        actor = await self.actor(client, inbound.interaction_sender(body),
                                 fresh=needs_fresh_admin_check(command, text))
        where = inbound.button_where(body)
        reply = dispatch(self.request(actor, command, text, where, "slack:button"), self.deps)
        if reply.form is not None:
            await self.open_form(client, reply.form, body.get("trigger_id", ""), where.channel_id)
        elif inbound.pressed_in_home(body):
            await self.publish_home(client, actor)
        else:
            mine, share = split_share(reply)
            await respond(**rendering.to_message(private_part(mine)), response_type="ephemeral",
                          replace_original=False)
            await self.after_reply(client, actor, where, share, reply.attachment)

    async def after_reply(self, client: AsyncWebClient, actor: Actor, where: Where, share: Reply | None,
                          file: Attachment | None) -> None:
        """What a reply sends besides itself: a share in the channel, a file (an export) in the member's DM."""
        if share is not None:
            await self.post_share(client, share, where.channel_id, actor)
        if file is not None:
            await self.send_file(client, actor, file)

    async def send_file(self, client: AsyncWebClient, actor: Actor, file: Attachment) -> None:
        """A reply's file into the member's DM with the bot, with files.uploadV2 (scope files:write)."""
        try:
            opened = await client.conversations_open(users=actor.user_id)
            await client.files_upload_v2(channel=opened["channel"]["id"], content=file.content,
                                         filename=file.filename, title=file.title)
        except SlackApiError as problem:
            log.warning("uploading %s for %s failed: %s", file.filename, actor.user_id, problem.response.get("error"))
            await self.confirm(client, actor, "", Reply(blocks=(Para((
                "I couldn't send the export file. Ask whoever runs cohortbot to run cohortbot export on the "
                "server.",)),)))

    # ---- modals ------------------------------------------------------------------------------------

    async def on_form(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any],
                      client: AsyncWebClient) -> None:
        fields, channel = inbound.modal_fields(view)
        actor = await self.actor(client, inbound.interaction_sender(body))
        name = "interview" if fields.kind == "interview" else "network"
        result = submit_log(self.request(actor, name, "", Where(channel), "slack:modal"), fields, self.deps)
        if result.errors:
            await ack(response_action="errors", errors=result.errors)
            return
        await ack()
        self._spawn(self._after_form(client, actor, channel, result.reply))

    async def _after_form(self, client: AsyncWebClient, actor: Actor, channel: str, reply: Reply | None) -> None:
        if reply is not None:
            await self.confirm(client, actor, channel, reply)
        await self.publish_home(client, actor)

    async def confirm(self, client: AsyncWebClient, actor: Actor, channel: str, reply: Reply) -> None:
        """A private confirmation where the member was: ephemeral in the channel, else a DM."""
        message = rendering.to_message(reply)
        try:
            if channel and not channel.startswith("D"):
                await client.chat_postEphemeral(channel=channel, user=actor.user_id, **message)
            else:
                await client.chat_postMessage(channel=actor.user_id, **message)
        except SlackApiError as problem:
            log.warning("confirmation to %s failed: %s", actor.user_id, problem)

    # ---- App Home ----------------------------------------------------------------------------------

    async def on_home_opened(self, body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab") not in (None, "home"):
            return
        event_id = body.get("event_id") or f"home:{event.get('user')}:{event.get('event_ts')}"
        if not seen.first_sighting(self.deps, f"slack:{event_id}"):
            return
        team_id = body.get("team_id") or event.get("view", {}).get("team_id", "")
        self._spawn(self._home_opened(client, inbound.Sender(team_id, event.get("user", ""), "")))

    async def _home_opened(self, client: AsyncWebClient, sender: inbound.Sender) -> None:
        await self.publish_home(client, await self.actor(client, sender))

    async def publish_home(self, client: AsyncWebClient, actor: Actor) -> None:
        reply = home(self.request(actor, "home", "", Where(), "slack:home"), self.deps)
        try:
            await client.views_publish(user_id=actor.user_id, view=rendering.home_view(reply))
        except SlackApiError as problem:
            log.warning("views.publish for %s failed: %s", actor.user_id, problem)

    # ---- one workspace: its uninstall -----------------------------------------------------------------

    async def on_uninstalled(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """A bot-token deployment keeps no installations: the event is only noted."""
        log.warning("Slack says %s in workspace %s: SLACK_BOT_TOKEN may no longer work there", event.get("type"),
                    body.get("team_id") or "?")


__all__ = ["PLATFORM", "SlackTransport"]
