"""Who may talk to the Teams route, and how the bot proves itself: the mode, the SDK's auth configuration and
connections, the CloudAdapter, and the check of each activity's Bot Framework token.

- Credentials (TEAMS_APP_ID, TEAMS_APP_PASSWORD, TEAMS_TENANT_ID): every activity must carry a Bot Framework
  token, validated by the SDK's `JwtTokenValidator`, and its serviceUrl must be a Microsoft host.
- TEAMS_ANONYMOUS=1 with no credentials at all: activities without a token are accepted (Agents Playground,
  tests), with a loud warning at start-up; replies go out without a token too. Beside any credential it is
  ignored, with a warning: a server that has credentials always requires a token.
- Neither, or half the credentials: every activity is refused with 503, so a half-configured server never runs
  commands for strangers.
"""

from __future__ import annotations

import logging
from typing import Literal

import jwt
from aiohttp import web
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import (
    AgentAuthConfiguration,
    AnonymousTokenProvider,
    ClaimsIdentity,
    ConnectionManager,
    Connections,
    JwtTokenValidator,
    OutboundHostValidator,
)
from microsoft_agents.hosting.core.authorization import AuthTypes

from bot.config import Settings

log = logging.getLogger(__name__)

MULTI_TENANT = "botframework.com"  # the authority tenant of a multi-tenant Azure Bot registration
Mode = Literal["anonymous", "jwt", "refuse"]


def mode_of(settings: Settings) -> Mode:
    if settings.teams_app_id and settings.teams_app_password:
        return "jwt"
    if settings.teams_anonymous and not has_credentials(settings):
        return "anonymous"
    return "refuse"


def has_credentials(settings: Settings) -> bool:
    return bool(settings.teams_app_id or settings.teams_app_password or settings.teams_tenant_id)


def warn_about_mode(settings: Settings) -> None:
    """Say at start-up what the Teams route will accept, loudly when it accepts anyone."""
    mode = mode_of(settings)
    if settings.teams_anonymous and has_credentials(settings):
        log.warning("TEAMS_ANONYMOUS is ignored because Teams credentials are set: every activity needs a valid "
                    "Bot Framework token.")
    if mode == "anonymous":
        log.warning("TEAMS ANONYMOUS MODE: /api/messages accepts activities WITHOUT authentication, as any tenant "
                    "and user. Use it only for local development and tests, never on a public address.")
    elif mode == "refuse":
        log.warning("Teams is half-configured (set TEAMS_APP_ID and TEAMS_APP_PASSWORD): /api/messages refuses "
                    "every activity.")


def auth_configuration(settings: Settings) -> AgentAuthConfiguration:
    return AgentAuthConfiguration(
        auth_type=AuthTypes.client_secret,
        client_id=settings.teams_app_id or None,
        tenant_id=settings.teams_tenant_id or (MULTI_TENANT if settings.teams_app_id else None),
        client_secret=settings.teams_app_password or None,
        anonymous_allowed=mode_of(settings) == "anonymous",
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
    """The caller's identity from its Bot Framework token, or the response refusing it.

    Not the SDK's `jwt_authorization_decorator`: it reads its configuration from a string key on the app, lets a
    token without "kid" escape as a KeyError (a 500), and checks a token even when there is no app id to check
    it against.
    """
    if mode_of(settings) == "anonymous":
        # No app id to validate a token against: every caller is anonymous (local development, tests).
        return ClaimsIdentity()
    header = request.headers.get("Authorization", "").strip()
    if not header:
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
