"""The aiohttp application: routes, start-up and shut-down; everything built from Settings, nothing global.

One server hosts Slack (`POST /slack/events`), Teams (`POST /api/messages`, when the teams extra is installed)
and `GET /healthz`. With SLACK_APP_TOKEN set, Slack traffic comes over Socket Mode instead and the HTTP server
still answers health checks.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.delivery import Deliverer, Notifier
from commands.model import Deps
from storage import open_db, writable

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024  # Slack's payloads are far smaller; anything bigger is refused with 413
DEPS: web.AppKey[Deps] = web.AppKey("deps", Deps)
NOTIFIERS: web.AppKey[dict[str, Notifier]] = web.AppKey("notifiers", dict)
SLACK: web.AppKey[Any] = web.AppKey("slack", object)  # the SlackTransport, when Slack is configured
SLACK_SENDER: web.AppKey[Any] = web.AppKey("slack_sender", object)  # the SlackNotifier of scheduled messages
SOCKET_MODE: web.AppKey[Any] = web.AppKey("socket_mode", object)
SCHEDULER: web.AppKey[Any] = web.AppKey("scheduler", object)
SLACK_MISSING = (
    "Slack is not configured: set SLACK_BOT_TOKEN (OAuth & Permissions > Bot User OAuth Token, xoxb-...) and "
    "SLACK_SIGNING_SECRET (Basic Information > App Credentials), or SLACK_APP_TOKEN (an xapp- app-level token) "
    "for Socket Mode; to serve many workspaces, SLACK_CLIENT_ID and SLACK_CLIENT_SECRET instead of the bot token. "
    "Without them, `cohortbot shell` runs the same commands in your terminal."
)
HTTP_NEEDS_SECRET = (
    "This server takes Slack traffic over Socket Mode only: set SLACK_SIGNING_SECRET to accept signed HTTP "
    "requests here."
)
SOCKET_CONNECT_TIMEOUT = 30.0


def build_deps(settings: Settings, clock: Callable[[], datetime] | None = None) -> Deps:
    return Deps(db=open_db(settings.db_path), clock=clock or (lambda: datetime.now(UTC)),
                default_tz=settings.default_tz, rules=settings.rules, weekly_goal=settings.weekly_goal)


async def healthz(request: web.Request) -> web.Response:
    deps = request.app[DEPS]
    try:
        problem = writable(deps.db)  # a database that reads but cannot be written fails every command
    except Exception as failure:  # the health check reports any database failure rather than raising
        problem = str(failure)
    if problem:
        return web.json_response({"ok": False, "error": f"database not writable: {problem}"}, status=503)
    return web.json_response({"ok": True})


async def http_needs_secret(request: web.Request) -> web.Response:
    return web.json_response({"ok": False, "error": HTTP_NEEDS_SECRET}, status=503)


async def slack_not_configured(request: web.Request) -> web.Response:
    return web.json_response({"ok": False, "error": SLACK_MISSING}, status=503)


async def teams_not_configured(request: web.Request) -> web.Response:
    return web.json_response({"error": "Teams is not configured on this server."}, status=503)


def make_deliverer(settings: Settings, deps: Deps, notifiers: dict[str, Notifier]) -> Deliverer:
    return Deliverer(db=deps.db, notifiers=notifiers, clock=deps.clock, lease_seconds=settings.claim_lease,
                     workspace_rate=settings.workspace_rate, channel_interval=settings.nudge_pacing)


def build_app(settings: Settings, deps: Deps, *, slack_client: AsyncWebClient | None = None) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY)
    app[DEPS] = deps
    app[NOTIFIERS] = {}
    app.router.add_get("/healthz", healthz)
    if settings.has_slack:
        from bot.transports.slack.handlers import SlackTransport
        from bot.transports.slack.notify import scheduled_notifier

        slack = SlackTransport(settings, deps, client=slack_client)
        app[SLACK] = slack
        app[SLACK_SENDER] = app[NOTIFIERS]["slack"] = scheduled_notifier(settings, slack.installs)
        slack.add_install_routes(app.router)  # OAuth installs: GET /slack/install and /slack/oauth_redirect
        if settings.slack_signing_secret:
            app.router.add_post("/slack/events", slack.handle)
        else:  # Socket Mode only: without a secret, an HTTP request cannot be verified, so none is accepted
            app.router.add_post("/slack/events", http_needs_secret)
    else:
        app.router.add_post("/slack/events", slack_not_configured)
    if not (settings.teams_app_id or settings.teams_anonymous):
        # Not configured: refuse every activity without importing the Teams SDK (0.4 s of start-up).
        app.router.add_post("/api/messages", teams_not_configured)
        return app
    from bot.conversations import TeamsDirectory
    from bot.transports.teams import add_teams_routes

    try:
        teams = add_teams_routes(app, settings, deps, TeamsDirectory(deps.db))
    except ImportError:  # the route imports the SDK only when it is built
        log.warning("TEAMS_* is set but Teams support is not installed: pip install 'cohortbot[teams]'")
        app.router.add_post("/api/messages", teams_not_configured)
        return app
    if teams is not None:
        app[NOTIFIERS]["teams"] = teams
    return app


async def _who_am_i(slack: Any) -> None:
    """auth.test once at start-up, so the first burst of commands waits on nobody (a failure is retried then)."""
    from slack_sdk.errors import SlackApiError

    if slack.identity is None:  # OAuth installs: each request's workspace is authorized on its own
        return
    try:
        await slack.identity.load()
    except (SlackApiError, OSError, aiohttp.ClientError, TimeoutError) as problem:
        log.warning("auth.test at start-up failed (%s); it is asked again with the first request", problem)


async def _socket_mode(app: web.Application, settings: Settings) -> None:
    from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

    handler = AsyncSocketModeHandler(app[SLACK].app, settings.slack_app_token)
    app[SOCKET_MODE] = handler  # before connecting, so shut-down closes it whatever happens
    await asyncio.wait_for(handler.connect_async(), SOCKET_CONNECT_TIMEOUT)  # type: ignore[no-untyped-call]


async def check_app_token(settings: Settings) -> str | None:
    """Ask Slack once whether the app-level token opens Socket Mode; a readable problem, or None when it does.

    slack_sdk's Socket Mode client retries a bad token forever, so without this a typo looks like a hang.
    """
    from slack_sdk.errors import SlackApiError

    client = AsyncWebClient(base_url=settings.slack_api_url, timeout=10)
    try:
        await client.apps_connections_open(app_token=settings.slack_app_token)
    except SlackApiError as problem:
        error = problem.response.get("error") if isinstance(problem.response.data, dict) else problem
        return (f"SLACK_APP_TOKEN was refused by Slack ({error}). It must be an app-level token (xapp-...) with "
                "connections:write, from Basic Information > App-Level Tokens.")
    except (OSError, TimeoutError, aiohttp.ClientError) as problem:
        return f"Could not reach Slack to open Socket Mode ({problem})."
    finally:
        if client.session is not None:
            await client.session.close()
    return None


def _claim_database(settings: Settings) -> Any:
    """The server's shared lock on the database, held until exit (a restore refuses a held database unless
    forced); first, a backup folder the nightly job could not write stops the start with one line."""
    from storage.backup import backup_folder, hold_for_server

    if settings.backup_dir:
        backup_folder(settings.backup_dir)
    return hold_for_server(settings.db_path)


def _nightly_backups(scheduler: Any, settings: Settings) -> None:
    if settings.backup_dir:
        from bot.scheduler import add_backup_job

        add_backup_job(scheduler, settings.db_path, settings.backup_dir, settings.backup_keep, settings.backup_hour)
        log.info("nightly backups at %02d:00 UTC to %s, keeping the newest %d", settings.backup_hour,
                 settings.backup_dir, settings.backup_keep)


def serve(settings: Settings) -> int:
    """Run the server until interrupted (`cohortbot serve`)."""
    if not settings.has_slack and not (settings.teams_app_id or settings.teams_anonymous):
        print(SLACK_MISSING)
        return 2
    if settings.slack_app_token and settings.has_slack:
        problem = asyncio.run(check_app_token(settings))
        if problem:
            print(problem)
            return 2
    in_use = _claim_database(settings)
    deps = build_deps(settings)
    app = build_app(settings, deps)

    async def on_startup(app: web.Application) -> None:
        if SLACK in app:
            from bot.transports.slack.client import open_session

            await open_session(app[SLACK].client)  # keep-alive connections to the Web API
            await app[SLACK_SENDER].open()
            await _who_am_i(app[SLACK])
        if settings.slack_app_token and settings.has_slack:
            await _socket_mode(app, settings)
        from bot.scheduler import start_scheduler

        app[SCHEDULER] = start_scheduler(deps, make_deliverer(settings, deps, app[NOTIFIERS]),
                                           settings.sweep_seconds)
        _nightly_backups(app[SCHEDULER], settings)
        log.info("cohortbot listening on %s:%s (database %s)", settings.host, settings.port, settings.db_path)

    async def on_cleanup(app: web.Application) -> None:
        scheduler = app.get(SCHEDULER)
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        handler = app.get(SOCKET_MODE)
        if handler is not None:
            await handler.close_async()
        if SLACK in app:
            from bot.transports.slack.client import close_session

            await close_session(app[SLACK].client)
            await app[SLACK_SENDER].close()
        deps.db.conn.close()
        in_use.release()

    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    web.run_app(app, host=settings.host, port=settings.port, print=None, handle_signals=True,
                shutdown_timeout=5, loop=asyncio.new_event_loop())
    return 0
