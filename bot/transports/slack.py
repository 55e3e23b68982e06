"""The Slack transport: Bolt listeners that turn slash commands, buttons, modals and App Home into commands.

Bolt verifies every request's signature and timestamp. Listeners only translate: a Slack payload becomes a
CommandRequest, `commands.dispatch` answers, and the Reply goes back as Block Kit inside the acknowledgement
(one HTTP exchange). Only slow or out-of-band work (modals, the home tab, profile look-ups) calls the Web API.

Bolt runs with process_before_response=True: the HTTP answer is sent as soon as a listener returns, instead of
Bolt polling every 10 ms for the ack (its default), which added 10 ms to every slash command. So listeners do
what the answer needs, ack, and hand any Web API work after the ack to a background task (`_spawn`).
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.transports import blockkit
from commands import REGISTRY
from commands.dispatch import dispatch, today_for
from commands.forms import LogFields, submit_log
from commands.home import home
from commands.model import Actor, CommandRequest, Deps, Form, Reply, Where
from storage import events, members
from storage.clock import stamp

log = logging.getLogger(__name__)
PLATFORM = "slack"
COMMAND_PATTERN = re.compile(r"^/(" + "|".join(re.escape(n) for n in REGISTRY) + r")$")
PROFILE_TTL = timedelta(days=7)
PROFILE_TIMEOUT = 1.5  # seconds; a slash command must be acknowledged within 3
SLACK_CONTENT_TYPES = ("application/x-www-form-urlencoded", "application/json")


class _DropTokenSkippedWarning(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment itself and then warns, on every start, that the client we
    pass wins over it. The client carries that same token, so the warning says nothing useful."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


BOLT_LOGGER = logging.getLogger("slack_bolt")
BOLT_LOGGER.addFilter(_DropTokenSkippedWarning())


def make_client(settings: Settings, *, sends: bool = False) -> AsyncWebClient:
    """The Web API client, with slack_sdk's retries for 429 (honouring Retry-After), 5xx and dropped connections.

    `sends=True` is the client for scheduled messages, which must arrive exactly once: it retries only 429s,
    which Slack answers without posting anything. A 5xx or a dropped connection may come after the message was
    posted, so the delivery ledger treats it as in doubt and checks the conversation before sending again,
    instead of letting the client re-post blindly.
    """
    handlers: list[Any] = [AsyncRateLimitErrorRetryHandler(max_retry_count=5)]
    if not sends:
        handlers += [AsyncConnectionErrorRetryHandler(max_retry_count=2),
                     AsyncServerErrorRetryHandler(max_retry_count=3)]
    return AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, retry_handlers=handlers)


async def open_session(client: AsyncWebClient) -> None:
    """Give the client one keep-alive aiohttp session (call inside the running event loop).

    Without it slack_sdk opens a new connection, on Slack a new TLS handshake, for every Web API call; the weekly
    fan-out spent half its time there. Close it with `close_session` when the loop ends.
    """
    if client.session is None or client.session.closed:
        client.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=client.timeout))


async def close_session(client: AsyncWebClient) -> None:
    session, client.session = client.session, None
    if session is not None and not session.closed:
        await session.close()


def slack_text(text: str) -> str:
    """Slash command text arrives with &, < and > as entities; commands see what the member typed."""
    return html.unescape(text) if "&" in text else text


class SlackTransport:
    def __init__(self, settings: Settings, deps: Deps, client: AsyncWebClient | None = None) -> None:
        self.settings = settings
        self.deps = deps
        self.client = client or make_client(settings)
        self.app = AsyncApp(
            signing_secret=settings.slack_signing_secret,
            client=self.client,
            logger=BOLT_LOGGER,
            process_before_response=True,
        )
        self._background: set[asyncio.Task[Any]] = set()
        self._fetched: set[tuple[str, str]] = set()  # profiles read from Slack, not yet marked in the database
        self.app.command(COMMAND_PATTERN)(self.on_command)
        self.app.action(re.compile("^" + re.escape(blockkit.ACTION_PREFIX)))(self.on_button)
        self.app.view("log_form")(self.on_form)
        self.app.event("app_home_opened")(self.on_home_opened)

    # ---- HTTP --------------------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.Response:
        """POST /slack/events: commands, interactivity and events all arrive here."""
        # Slack sends forms (commands, interactivity) and JSON (events); Bolt would parse anything as a form.
        if request.content_type not in SLACK_CONTENT_TYPES:
            return web.json_response({"error": "unsupported content type"}, status=415)
        try:
            bolt_request = await to_bolt_request(request)
        except ValueError:  # a JSON body or form payload that does not parse (Bolt parses before verifying)
            return web.json_response({"error": "invalid request body"}, status=400)
        bolt_response = await self.app.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    # ---- who is asking -----------------------------------------------------------------------------

    async def actor(self, team_id: str, user_id: str, user_name: str = "", *, fresh: bool = False) -> Actor:
        """The member, with their Slack name and timezone (users.info once, then cached in the database).

        `fresh` asks Slack again: admin-only commands need to know whether the member is a workspace admin now.
        """
        stored = members.profile(self.deps.db, PLATFORM, team_id, user_id)
        if stored is not None and stored.checked_at and not fresh:
            age = self.deps.clock() - datetime.fromisoformat(stored.checked_at)
            if age > PROFILE_TTL:
                self._spawn(self._refresh_profile(team_id, user_id))
            return Actor(PLATFORM, team_id, user_id, stored.display_name or user_name, stored.tz)
        fetched = await self._fetch_profile(user_id)
        if fetched is None:
            return Actor(PLATFORM, team_id, user_id, user_name or (stored.display_name if stored else ""),
                         stored.tz if stored else None)
        name, tz, is_admin = fetched
        self._fetched.add((team_id, user_id))
        return Actor(PLATFORM, team_id, user_id, name or user_name, tz, is_workspace_admin=is_admin)

    async def _fetch_profile(self, user_id: str) -> tuple[str, str | None, bool] | None:
        try:
            response = await asyncio.wait_for(self.client.users_info(user=user_id), PROFILE_TIMEOUT)
        except (SlackApiError, TimeoutError, OSError) as problem:
            log.warning("users.info for %s failed: %s", user_id, problem)
            return None
        user = response.get("user") or {}
        profile = user.get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name")
        return str(name or ""), user.get("tz") or None, bool(user.get("is_admin") or user.get("is_owner"))

    async def _refresh_profile(self, team_id: str, user_id: str) -> None:
        fetched = await self._fetch_profile(user_id)
        if fetched is None:
            return
        stored = members.find_member_by_platform(self.deps.db, PLATFORM, team_id, user_id)
        if stored is not None:
            members.update_member(self.deps.db, stored.id, self.deps.clock(), display_name=fetched[0] or
                                  stored.display_name, tz=fetched[1] or stored.tz,
                                  profile_checked_at=stamp(self.deps.clock()))

    def _profile_seen(self, actor: Actor) -> None:
        """Record that Slack's profile was read for this member (once the command has created them)."""
        if (actor.workspace_id, actor.user_id) not in self._fetched:
            return
        self._fetched.discard((actor.workspace_id, actor.user_id))
        stored = members.profile(self.deps.db, PLATFORM, actor.workspace_id, actor.user_id)
        if stored is not None and not stored.checked_at:
            members.mark_profile_checked(self.deps.db, PLATFORM, actor.workspace_id, actor.user_id,
                                         self.deps.clock())

    def _spawn(self, coro: Any) -> None:
        """Run Web API work after the acknowledgement, logging (not losing) any failure."""
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background Slack work failed", exc_info=task.exception())

    def request(self, actor: Actor, name: str, text: str, where: Where, source: str) -> CommandRequest:
        return CommandRequest(name=name, text=text, actor=actor, where=where, received_at=self.deps.clock(),
                              source=source)

    # ---- slash commands ----------------------------------------------------------------------------

    async def on_command(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        admin_only = body.get("command") == "/cohort" and str(body.get("text", "")).split()[:1] in (["setup"],
                                                                                                   ["admin"])
        actor = await self.actor(body.get("team_id", ""), body.get("user_id", ""), body.get("user_name", ""),
                                 fresh=admin_only)
        where = Where(channel_id=body.get("channel_id", ""), channel_name=body.get("channel_name", ""),
                      is_direct=str(body.get("channel_name", "")) == "directmessage")
        name = body.get("command", "").lstrip("/")
        reply = dispatch(self.request(actor, name, slack_text(body.get("text", "")), where, "slack:command"),
                         self.deps)
        if reply.form is not None and body.get("trigger_id"):
            await ack()
            self._spawn(self.open_form(reply.form, body["trigger_id"], actor, where.channel_id))
        else:
            await ack(**blockkit.to_message(reply), response_type="ephemeral" if reply.private else "in_channel")
        self._profile_seen(actor)

    async def open_form(self, form: Form, trigger_id: str, actor: Actor, channel_id: str) -> None:
        today = today_for(self.request(actor, form.command, "", Where(channel_id), "slack:modal"), self.deps)
        view = blockkit.log_modal(form, today_iso=today.isoformat(), channel_id=channel_id)
        try:
            await self.client.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError as problem:
            log.warning("views.open failed: %s", problem)

    # ---- buttons -----------------------------------------------------------------------------------

    async def on_button(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        self._spawn(self._pressed(body, respond))

    async def _pressed(self, body: dict[str, Any], respond: AsyncRespond) -> None:
        action = (body.get("actions") or [{}])[0]
        try:
            value = json.loads(action.get("value") or "{}")
            command, text = str(value["c"]), str(value["t"])
        except (ValueError, KeyError, TypeError):
            return
        user = body.get("user") or {}
        team_id = user.get("team_id") or (body.get("team") or {}).get("id", "")
        actor = await self.actor(team_id, user.get("id", ""), user.get("username", ""))
        channel = (body.get("channel") or {}).get("id", "") or (body.get("container") or {}).get("channel_id", "")
        where = Where(channel_id=channel, channel_name=(body.get("channel") or {}).get("name", ""))
        from_home = (body.get("container") or {}).get("type") == "view" or (body.get("view") or {}).get(
            "type") == "home"
        if command in ("interview", "network") and not text:
            await self.open_form(Form(command), body.get("trigger_id", ""), actor, channel)  # type: ignore[arg-type]
            return
        reply = dispatch(self.request(actor, command, text, where, "slack:button"), self.deps)
        if reply.form is not None:
            await self.open_form(reply.form, body.get("trigger_id", ""), actor, channel)
            return
        if from_home:
            await self.publish_home(actor)
            return
        message = blockkit.to_message(reply)
        if reply.private:
            await respond(**message, response_type="ephemeral", replace_original=False)
        else:
            await respond(**message, response_type="in_channel", replace_original=False)

    # ---- modals ------------------------------------------------------------------------------------

    async def on_form(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
        except ValueError:
            meta = {}
        values = blockkit.read_modal((view.get("state") or {}).get("values") or {})
        user = body.get("user") or {}
        team_id = user.get("team_id") or (body.get("team") or {}).get("id", "")
        actor = await self.actor(team_id, user.get("id", ""), user.get("username", ""))
        channel = str(meta.get("ch") or "")
        fields = LogFields(kind="interview" if meta.get("k") == "interview" else "network", org=values["org"],
                           subtype=values["subtype"], day=values["day"], notes=values["notes"],
                           edit_seq=meta.get("e") if isinstance(meta.get("e"), int) else None)
        result = submit_log(self.request(actor, fields.kind, "", Where(channel), "slack:modal"), fields, self.deps)
        if result.errors:
            await ack(response_action="errors", errors=result.errors)
            return
        await ack()
        self._spawn(self._after_form(actor, channel, result.reply))

    async def _after_form(self, actor: Actor, channel: str, reply: Reply | None) -> None:
        if reply is not None:
            await self.confirm(actor, channel, reply)
        await self.publish_home(actor)

    async def confirm(self, actor: Actor, channel: str, reply: Reply) -> None:
        """A private confirmation where the member was: ephemeral in the channel, else a DM."""
        message = blockkit.to_message(reply)
        try:
            if channel and not channel.startswith("D"):
                await self.client.chat_postEphemeral(channel=channel, user=actor.user_id, **message)
            else:
                await self.client.chat_postMessage(channel=actor.user_id, **message)
        except SlackApiError as problem:
            log.warning("confirmation to %s failed: %s", actor.user_id, problem)

    # ---- App Home ----------------------------------------------------------------------------------

    async def on_home_opened(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab") not in (None, "home"):
            return
        event_id = body.get("event_id") or f"home:{event.get('user')}:{event.get('event_ts')}"
        if not events.first_sighting(self.deps.db, f"slack:{event_id}", self.deps.clock()):
            return
        team_id = body.get("team_id") or event.get("view", {}).get("team_id", "")
        self._spawn(self._home_opened(team_id, event.get("user", "")))

    async def _home_opened(self, team_id: str, user_id: str) -> None:
        actor = await self.actor(team_id, user_id)
        await self.publish_home(actor)
        self._profile_seen(actor)

    async def publish_home(self, actor: Actor) -> None:
        reply = home(self.request(actor, "home", "", Where(), "slack:home"), self.deps)
        try:
            await self.client.views_publish(user_id=actor.user_id, view=blockkit.home_view(reply))
        except SlackApiError as problem:
            log.warning("views.publish for %s failed: %s", actor.user_id, problem)
