"""Microsoft Teams: the same commands, through the Microsoft 365 Agents SDK for Python, on our aiohttp app.

This module is the route: `add_teams_routes(app, settings, deps, directory)` mounts `POST /api/messages` and
nothing else, and returns the notifier for scheduled sends. The JWT check runs in that route's handler, not as
an application middleware, so `/slack/events` and `/healthz` are untouched.

auth (mode, credentials, adapter, token check), inbound (reading activities), handlers (the agent), outbound
(activities we send), notify (scheduled sends), rendering (Adaptive Cards), package (the Teams app zip).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiohttp import web

from bot.config import Settings
from bot.conversations import TeamsDirectory
from commands.model import Deps

if TYPE_CHECKING:
    from bot.transports.teams.notify import TeamsNotifier

log = logging.getLogger(__name__)

ROUTE = "/api/messages"


def add_teams_routes(app: web.Application, settings: Settings, deps: Deps,
                     directory: TeamsDirectory) -> TeamsNotifier | None:
    """Mount POST /api/messages on `app`, authenticated in the handler (no application middleware).

    Returns the notifier for scheduled sends, or None when Teams is not configured and every activity is refused.
    Raises ImportError, before touching `app`, when the `teams` extra is not installed.
    """
    # Imported here, not at the top: the app package (`package`) and the cards (`rendering`) need no SDK.
    from pydantic import ValidationError

    from bot.transports.teams.auth import auth_configuration, authorize, build_adapter, mode_of, warn_about_mode
    from bot.transports.teams.handlers import CohortAgent, on_turn_error
    from bot.transports.teams.inbound import Inbound
    from bot.transports.teams.notify import TeamsNotifier

    mode = mode_of(settings)
    warn_about_mode(settings)
    if mode == "refuse":

        async def refused(request: web.Request) -> web.Response:
            return web.json_response({"error": "Teams is not configured on this server."}, status=503)

        app.router.add_post(ROUTE, refused)
        return None
    config = auth_configuration(settings)
    adapter = build_adapter(settings, config)
    adapter.on_turn_error = on_turn_error
    agent = CohortAgent(settings, deps, directory)

    async def messages(request: web.Request) -> web.StreamResponse:
        identity = await authorize(request, settings, config)
        if isinstance(identity, web.Response):
            return identity
        try:
            response = await adapter.process_request(Inbound(request, identity), agent)
        except ValidationError:
            return web.json_response({"error": "Not an activity."}, status=400)
        if response.body is not None:
            return web.json_response(response.body, status=response.status_code, headers=response.headers)
        return web.Response(status=response.status_code, headers=response.headers,
                            content_type=response.content_type)

    app.router.add_post(ROUTE, messages)
    return TeamsNotifier(settings, directory)
