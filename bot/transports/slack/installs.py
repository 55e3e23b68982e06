"""OAuth distribution: one deployment, many workspaces, each answered with its own bot token.

With SLACK_CLIENT_ID and SLACK_CLIENT_SECRET set and no SLACK_BOT_TOKEN, Bolt's OAuth flow runs on two GET routes
of our aiohttp server (not behind the signature guard of POST /slack/events: a browser calls them, not Slack):
`/slack/install` answers an "Add to Slack" page and a state cookie, `/slack/oauth_redirect` checks the state
(Bolt does), exchanges the code with `oauth.v2.access` and stores the installation.

Installations live in our SQLite file, in slack_sdk's own tables (`SQLite3InstallationStore`, created by its
`init()`: the library's schema, so no migration of ours), and states in `SQLite3OAuthStateStore`'s. A request
finds its workspace's token through Bolt's `authorize` (one row read by team id, the auth.test answer cached per
token); scheduled sends find it through `Installs.client_for`. `app_uninstalled` and `tokens_revoked` delete the
installation (Bolt's token revocation listeners); the store tells `Installs` so that no cached client outlives
it. A workspace's members and entries are kept: only the credentials go.

Tokens are never logged: nothing here logs an installation, and slack_sdk's own payload logging is redacted
(`client.WEB_LOGGER`).
"""

from __future__ import annotations

import html
import logging
import time
from collections.abc import Callable
from contextlib import closing
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_callback_options import AsyncCallbackOptions, AsyncFailureArgs, AsyncSuccessArgs
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.sqlite3 import SQLite3InstallationStore
from slack_sdk.oauth.state_store.sqlite3 import SQLite3OAuthStateStore
from slack_sdk.oauth.state_utils import OAuthStateUtils
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.transports.slack.client import make_client

log = logging.getLogger(__name__)

# The bot scopes the app asks for, in one place: the "Add to Slack" link asks for exactly these, and a test checks
# that app_manifest.yml declares the same list.
SCOPES: tuple[str, ...] = (
    "commands",
    "chat:write",
    "chat:write.public",  # the weekly summary in a channel the bot was not invited to
    "im:write",  # open a DM for a nudge
    "im:history",  # after a crash, look in the DM before sending a nudge again
    "channels:join",
    "channels:history",  # ... and in the summary channel
    "groups:history",
    "users:read",  # names and timezones
    "files:write",  # /cohort export: the CSV goes to the coordinator's DM
)
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_SECONDS = 10 * 60
BOT_CACHE_SECONDS = 60.0

_FAILURES = {
    "invalid_state": (400, "This install link has expired or was already used",
                      "An install link works once, within ten minutes. Start again from the install page."),
    "invalid_browser": (400, "This install link was opened in another browser",
                        "Finish the installation in the browser that opened the install page, or start again."),
    "access_denied": (200, "The installation was cancelled", "Nothing was installed. You can start again any time."),
    "missing_code": (400, "Slack did not send an installation code", "Start again from the install page."),
    "invalid_code": (400, "Slack did not accept this installation",
                     "The code was refused or already used. Start again from the install page."),
    "storage_error": (503, "The installation could not be saved",
                      "Nothing was installed. Try again in a minute; if it keeps failing, tell the server's operator."),
    "slack_unreachable": (502, "Slack could not be reached",
                          "Nothing was installed. Try again in a minute."),
}


class InstallationStore(SQLite3InstallationStore):
    """slack_sdk's SQLite store on our database file. A workspace's bot row is kept in memory for a minute (every
    request reads it, and the library opens a connection per read), and `on_change(team_id)` is told whenever a
    bot token is saved or deleted (an install, a reinstall, an uninstall, a revoked token): that also drops the
    kept row at once. Another process's uninstall is seen within BOT_CACHE_SECONDS."""

    def __init__(self, *, database: str, client_id: str, on_change: Callable[[str], None]) -> None:
        super().__init__(database=database, client_id=client_id, logger=logging.getLogger(__name__ + ".store"))
        self.on_change = on_change
        self._bots: dict[tuple[str, str], tuple[Bot, float]] = {}

    async def async_find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                             is_enterprise_install: bool | None = False) -> Bot | None:
        key = (enterprise_id or "", "" if is_enterprise_install else team_id or "")
        kept = self._bots.get(key)
        now = time.monotonic()
        if kept is not None and now < kept[1]:
            return kept[0]
        bot = self.find_bot(enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install)
        if bot is None:
            self._bots.pop(key, None)  # not kept: an install is seen at once
        else:
            self._bots[key] = (bot, now + BOT_CACHE_SECONDS)
        return bot

    def _changed(self, team_id: str | None) -> None:
        self._bots = {key: kept for key, kept in self._bots.items() if key[1] != (team_id or "")}
        self.on_change(team_id or "")

    def save_bot(self, bot: Bot) -> None:
        super().save_bot(bot)
        self._changed(bot.team_id)

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        super().delete_bot(enterprise_id=enterprise_id, team_id=team_id)
        self._changed(team_id)

    def delete_installation(self, *, enterprise_id: str | None, team_id: str | None,
                            user_id: str | None = None) -> None:
        super().delete_installation(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)
        self._changed(team_id)


class StateStore(SQLite3OAuthStateStore):
    """slack_sdk's SQLite state store, which keeps a state nobody came back with forever: each new state first
    deletes the expired ones, so opening the install page over and over fills ten minutes' worth at most."""

    def issue(self, *args: Any, **kwargs: Any) -> str:
        with closing(self.connect()) as conn, conn:
            conn.execute("DELETE FROM oauth_states WHERE expire_at < ?", [time.time()])
        return super().issue(*args, **kwargs)


class Installs:
    """The workspaces that installed the app: the OAuth settings Bolt runs the flow with, and one Web API client
    per workspace for scheduled sends (its own bot token, one keep-alive session shared by all of them)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = InstallationStore(database=settings.db_path, client_id=settings.slack_client_id,
                                       on_change=self.forget)
        self.states = StateStore(database=settings.db_path, expiration_seconds=STATE_SECONDS,
                                 logger=logging.getLogger(__name__ + ".states"))
        self.store.init()  # type: ignore[no-untyped-call]  # the library's tables, created once if missing
        self.states.init()  # type: ignore[no-untyped-call]
        self.session: aiohttp.ClientSession | None = None
        self._clients: dict[str, AsyncWebClient] = {}

    # ---- requests (Bolt) -----------------------------------------------------------------------------

    def oauth_settings(self) -> AsyncOAuthSettings:
        return AsyncOAuthSettings(
            client_id=self.settings.slack_client_id,
            client_secret=self.settings.slack_client_secret,
            scopes=list(SCOPES),
            user_scopes=[],
            redirect_uri=self.settings.slack_redirect_uri or None,
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
            installation_store=self.store,
            installation_store_bot_only=True,
            state_store=self.states,
            state_expiration_seconds=STATE_SECONDS,
            callback_options=AsyncCallbackOptions(success=_installed, failure=_refused),
            logger=logging.getLogger(__name__ + ".flow"),
        )

    def authorize(self) -> AsyncInstallationStoreAuthorize:
        """Bolt's authorize for installed workspaces: the bot row of the request's team, its auth.test answer
        cached per token (an uninstalled workspace has no row, so a cached answer is never reused for it)."""
        return AsyncInstallationStoreAuthorize(
            logger=logging.getLogger(__name__ + ".authorize"), installation_store=self.store,
            client_id=self.settings.slack_client_id, client_secret=self.settings.slack_client_secret,
            bot_only=True, cache_enabled=True)

    def install_url(self) -> str:
        """Where an admin adds the app, when the server's public address is known (from SLACK_REDIRECT_URI)."""
        parts = urlsplit(self.settings.slack_redirect_uri)
        return f"{parts.scheme}://{parts.netloc}{INSTALL_PATH}" if parts.scheme and parts.netloc else ""

    def not_installed_message(self) -> str:
        where = self.install_url() or f"the {INSTALL_PATH} page of this bot's server"
        return f"cohortbot isn't installed in this workspace yet. Ask an admin to add it: {where}"

    # ---- scheduled sends ------------------------------------------------------------------------------

    async def client_for(self, team_id: str) -> AsyncWebClient | None:
        """The workspace's own client, or None when it has not installed the app (or uninstalled it)."""
        client = self._clients.get(team_id)
        if client is not None:
            return client
        bot = await self.store.async_find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            return None
        client = make_client(self.settings, sends=True, token=bot.bot_token, history_waits=False)
        client.session = self.session
        self._clients[team_id] = client
        return client

    def forget(self, team_id: str) -> None:
        """Drop the cached client: the next send reads the installation again (or finds none)."""
        self._clients.pop(team_id, None)

    async def open(self) -> None:
        if self.session is None or self.session.closed:
            self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
            for client in self._clients.values():
                client.session = self.session

    async def close(self) -> None:
        session, self.session = self.session, None
        for client in self._clients.values():
            client.session = None
        if session is not None and not session.closed:
            await session.close()


def add_routes(router: web.UrlDispatcher, flow: AsyncOAuthFlow) -> None:
    """GET /slack/install and GET /slack/oauth_redirect, answered by Bolt's OAuth flow."""

    async def install(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await flow.handle_installation(await to_bolt_request(request)))

    async def redirect(request: web.Request) -> web.Response:
        bolt_request = await to_bolt_request(request)
        try:
            answer = await flow.handle_callback(bolt_request)
        except (OSError, TimeoutError, aiohttp.ClientError) as problem:  # oauth.v2.access did not answer
            log.warning("OAuth redirect: could not reach Slack (%s)", type(problem).__name__)
            answer = _failure_page("slack_unreachable")
        return await to_aiohttp_response(answer)

    router.add_get(INSTALL_PATH, install)
    router.add_get(REDIRECT_PATH, redirect)


async def _installed(args: AsyncSuccessArgs) -> BoltResponse:
    installation = args.installation
    log.info("installed in workspace %s (%s)", installation.team_id, installation.team_name)
    return await args.default.success(args)  # Slack's own page: "Thank you!" and a link into the workspace


async def _refused(args: AsyncFailureArgs) -> BoltResponse:
    log.warning("OAuth redirect refused: %s", args.reason)
    return _failure_page(args.reason, args.suggested_status_code)


def _failure_page(reason: str, status: int | None = None) -> BoltResponse:
    code, title, advice = _FAILURES.get(reason, (status or 400, "The installation did not finish",
                                                 "Nothing was installed. Start again from the install page."))
    body = (f"<!doctype html><html><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title></head>"
            f"<body style=\"font-family: sans-serif; padding: 1em 2em\"><h2>{html.escape(title)}</h2>"
            f"<p>{html.escape(advice)}</p><p><a href=\"{INSTALL_PATH}\">Add cohortbot to Slack</a></p>"
            f"<p style=\"color: #666\">({html.escape(reason)})</p></body></html>")
    headers: dict[str, Any] = {"Content-Type": "text/html; charset=utf-8",
                               "Set-Cookie": OAuthStateUtils().build_set_cookie_for_deletion()}
    return BoltResponse(status=code, body=body, headers=headers)
