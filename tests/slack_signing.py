"""Build and sign inbound Slack requests (slash commands, interactions, events) for tests.

Signing follows Slack's scheme exactly:
``X-Slack-Signature = "v0=" + hex(HMAC-SHA256(signing_secret, f"v0:{timestamp}:{raw_body}"))``
with the Unix ``timestamp`` sent as ``X-Slack-Request-Timestamp``.

Body builders return the raw body string Slack would send:

* slash commands -> ``application/x-www-form-urlencoded`` fields (:func:`slash_command_body`)
* interactivity (block_actions, view_submission, ...) -> form field ``payload`` holding JSON
  (:func:`interaction_body`, with :func:`block_actions_payload` / :func:`view_submission_payload`)
* Events API -> a JSON ``event_callback`` envelope (:func:`event_body`, signed with :func:`sign_json`)

Every default URL (e.g. ``response_url``) points at 127.0.0.1 port 9 so that a test
that forgets to pass ``response_url=fake.response_url(...)`` gets a connection error
instead of reaching the network.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

__all__ = [
    "DEFAULT_RESPONSE_URL",
    "FORM_CONTENT_TYPE",
    "JSON_CONTENT_TYPE",
    "app_home_opened_event",
    "block_actions_payload",
    "build_view",
    "event_body",
    "interaction_body",
    "new_trigger_id",
    "sign",
    "sign_json",
    "signature",
    "slash_command_body",
    "url_verification_body",
    "view_submission_payload",
]

JsonDict = dict[str, Any]

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json"

#: Unroutable loopback default so nothing leaves the machine by accident.
DEFAULT_RESPONSE_URL = "http://127.0.0.1:9/response_url/unset"

_counter = itertools.count(1)


# --------------------------------------------------------------------------- signing


def signature(secret: str, body: str | bytes, timestamp: int | str) -> str:
    """``"v0=" + hex HMAC-SHA256`` of ``v0:{timestamp}:{body}``."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    base = b"v0:" + str(timestamp).encode("ascii") + b":" + raw
    return "v0=" + hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()


def sign(
    secret: str,
    body: str | bytes,
    timestamp: int | None = None,
    *,
    content_type: str = FORM_CONTENT_TYPE,
) -> dict[str, str]:
    """Headers for a signed Slack request; ``timestamp`` defaults to now.

    Pass the *exact* body you send: the signature covers the raw bytes.
    """
    ts = int(time.time()) if timestamp is None else int(timestamp)
    return {
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": signature(secret, body, ts),
        "Content-Type": content_type,
    }


def sign_json(secret: str, body: str | bytes, timestamp: int | None = None) -> dict[str, str]:
    """Like :func:`sign` but with ``Content-Type: application/json`` (Events API requests)."""
    return sign(secret, body, timestamp, content_type=JSON_CONTENT_TYPE)


# --------------------------------------------------------------------------- ids


def new_trigger_id() -> str:
    """A unique trigger id shaped like Slack's ``"<digits>.<digits>.<32 hex>"``."""
    n = next(_counter)
    return f"{int(time.time() * 1000)}{n:03d}.1234567890123.{secrets.token_hex(16)}"


def _new_event_id() -> str:
    return "Ev" + secrets.token_hex(5).upper()


def _now_ts() -> str:
    return f"{time.time():.6f}"


# --------------------------------------------------------------------------- slash commands


def slash_command_body(
    command: str,
    text: str = "",
    *,
    team_id: str = "T0001",
    team_domain: str = "fake-team",
    enterprise_id: str | None = None,
    enterprise_name: str | None = None,
    channel_id: str = "C0001",
    channel_name: str = "general",
    user_id: str = "U0001",
    user_name: str = "alice",
    api_app_id: str = "A0001",
    is_enterprise_install: bool = False,
    response_url: str = DEFAULT_RESPONSE_URL,
    trigger_id: str | None = None,
    token: str = "verification_token",
) -> str:
    """URL-encoded slash command body with Slack's fields, in Slack's order.

    ``enterprise_id`` / ``enterprise_name`` are only sent when given (Enterprise Grid).
    """
    fields: list[tuple[str, str]] = [
        ("token", token),
        ("team_id", team_id),
        ("team_domain", team_domain),
    ]
    if enterprise_id is not None:
        fields.append(("enterprise_id", enterprise_id))
    if enterprise_name is not None:
        fields.append(("enterprise_name", enterprise_name))
    fields += [
        ("channel_id", channel_id),
        ("channel_name", channel_name),
        ("user_id", user_id),
        ("user_name", user_name),
        ("command", command),
        ("text", text),
        ("api_app_id", api_app_id),
        ("is_enterprise_install", "true" if is_enterprise_install else "false"),
        ("response_url", response_url),
        ("trigger_id", trigger_id or new_trigger_id()),
    ]
    return urlencode(fields)


# --------------------------------------------------------------------------- interactivity


def interaction_body(payload: Mapping[str, Any]) -> str:
    """Form body ``payload=<url-encoded JSON>`` as Slack posts interactions."""
    return urlencode({"payload": json.dumps(payload, separators=(",", ":"))})


def _user(user_id: str, user_name: str, team_id: str) -> JsonDict:
    return {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id}


def _team(team_id: str, team_domain: str, enterprise_id: str | None, enterprise_name: str | None) -> JsonDict:
    team: JsonDict = {"id": team_id, "domain": team_domain}
    if enterprise_id is not None:
        team["enterprise_id"] = enterprise_id
        team["enterprise_name"] = enterprise_name or ""
    return team


def _enterprise(enterprise_id: str | None, enterprise_name: str | None) -> JsonDict | None:
    if enterprise_id is None:
        return None
    return {"id": enterprise_id, "name": enterprise_name or ""}


def _state_values(values: Mapping[str, Mapping[str, Any]] | None) -> JsonDict:
    """``{"block": {"action": "text"}}`` -> Slack's typed state; dict values pass through."""
    out: JsonDict = {}
    for block_id, actions in (values or {}).items():
        out[block_id] = {}
        for action_id, value in actions.items():
            if isinstance(value, Mapping):
                out[block_id][action_id] = dict(value)
            else:
                out[block_id][action_id] = {"type": "plain_text_input", "value": value}
    return out


def build_view(
    *,
    view_id: str = "V0001",
    view_type: str = "modal",
    callback_id: str = "",
    blocks: list[JsonDict] | None = None,
    state_values: Mapping[str, Mapping[str, Any]] | None = None,
    private_metadata: str = "",
    title: str | None = "Cohortbot",
    submit: str | None = "Submit",
    close: str | None = "Cancel",
    external_id: str = "",
    team_id: str = "T0001",
    app_id: str = "A0001",
    bot_id: str = "B0BOT",
    hash_: str | None = None,
    previous_view_id: str | None = None,
    root_view_id: str | None = None,
) -> JsonDict:
    """A view object as Slack embeds it in interaction payloads (modal or ``view_type="home"``)."""

    def text(value: str | None) -> JsonDict | None:
        return None if value is None else {"type": "plain_text", "text": value, "emoji": True}

    view: JsonDict = {
        "id": view_id,
        "team_id": team_id,
        "type": view_type,
        "blocks": list(blocks or []),
        "private_metadata": private_metadata,
        "callback_id": callback_id,
        "state": {"values": _state_values(state_values)},
        "hash": hash_ or f"{int(time.time())}.{secrets.token_hex(4)}",
        "clear_on_close": False,
        "notify_on_close": False,
        "previous_view_id": previous_view_id,
        "root_view_id": root_view_id or view_id,
        "app_id": app_id,
        "external_id": external_id,
        "app_installed_team_id": team_id,
        "bot_id": bot_id,
    }
    if view_type == "modal":
        view["title"] = text(title)
        view["close"] = text(close)
        view["submit"] = text(submit)
    return view


def block_actions_payload(
    action_id: str,
    value: str | None = None,
    *,
    block_id: str = "actions",
    action_type: str = "button",
    action: Mapping[str, Any] | None = None,
    user_id: str = "U0001",
    user_name: str = "alice",
    team_id: str = "T0001",
    team_domain: str = "fake-team",
    enterprise_id: str | None = None,
    enterprise_name: str | None = None,
    api_app_id: str = "A0001",
    channel_id: str = "C0001",
    channel_name: str = "general",
    message_ts: str | None = None,
    message: JsonDict | None = None,
    is_ephemeral: bool = False,
    view: JsonDict | None = None,
    state_values: Mapping[str, Mapping[str, Any]] | None = None,
    response_url: str = DEFAULT_RESPONSE_URL,
    trigger_id: str | None = None,
    token: str = "verification_token",
) -> JsonDict:
    """A ``block_actions`` interaction payload.

    Without ``view`` it is an action on a message in ``channel_id`` (container type
    ``message``, with ``channel``, ``message`` and ``response_url``).  With ``view``
    (e.g. ``build_view(view_type="home")``) it is an action inside a modal or App Home
    (container type ``view``, no ``channel``/``message``/``response_url``).

    ``action`` overrides / extends the single action object, e.g.
    ``action={"selected_option": {...}}`` for a ``static_select``.
    """
    action_ts = _now_ts()
    act: JsonDict = {"action_id": action_id, "block_id": block_id, "type": action_type}
    if action_type == "button":
        act["text"] = {"type": "plain_text", "text": value or action_id, "emoji": True}
    if value is not None:
        act["value"] = value
    act["action_ts"] = action_ts
    if action:
        act.update(action)

    payload: JsonDict = {
        "type": "block_actions",
        "user": _user(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": token,
    }
    if view is None:
        ts = message_ts or (message or {}).get("ts") or _now_ts()
        payload["container"] = {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel_id,
            "is_ephemeral": is_ephemeral,
        }
    else:
        payload["container"] = {"type": "view", "view_id": view["id"]}
    payload["trigger_id"] = trigger_id or new_trigger_id()
    payload["team"] = _team(team_id, team_domain, enterprise_id, enterprise_name)
    payload["enterprise"] = _enterprise(enterprise_id, enterprise_name)
    payload["is_enterprise_install"] = False
    if view is None:
        payload["channel"] = {"id": channel_id, "name": channel_name}
        if not is_ephemeral:
            payload["message"] = message or {
                "user": "U0BOT",
                "type": "message",
                "ts": payload["container"]["message_ts"],
                "bot_id": "B0BOT",
                "app_id": api_app_id,
                "text": "",
                "team": team_id,
                "blocks": [],
            }
        payload["state"] = {"values": _state_values(state_values)}
        payload["response_url"] = response_url
    else:
        view = dict(view)
        if state_values is not None:
            view["state"] = {"values": _state_values(state_values)}
        payload["view"] = view
    payload["actions"] = [act]
    return payload


def view_submission_payload(
    callback_id: str,
    values: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    view_id: str = "V0001",
    private_metadata: str = "",
    blocks: list[JsonDict] | None = None,
    view: JsonDict | None = None,
    user_id: str = "U0001",
    user_name: str = "alice",
    team_id: str = "T0001",
    team_domain: str = "fake-team",
    enterprise_id: str | None = None,
    enterprise_name: str | None = None,
    api_app_id: str = "A0001",
    response_urls: list[JsonDict] | None = None,
    trigger_id: str | None = None,
    token: str = "verification_token",
) -> JsonDict:
    """A ``view_submission`` payload for the modal ``callback_id``.

    ``values`` is the submitted state: ``{block_id: {action_id: value}}`` where a
    plain string becomes ``{"type": "plain_text_input", "value": ...}`` and a dict
    is used as-is (e.g. ``{"type": "static_select", "selected_option": {...}}``).
    Pass a full ``view`` (see :func:`build_view`) to control every view field.
    """
    if view is None:
        view = build_view(
            view_id=view_id,
            callback_id=callback_id,
            blocks=blocks,
            state_values=values,
            private_metadata=private_metadata,
            team_id=team_id,
            app_id=api_app_id,
        )
    else:
        view = dict(view)
        view.setdefault("callback_id", callback_id)
        if values is not None:
            view["state"] = {"values": _state_values(values)}
    payload: JsonDict = {
        "type": "view_submission",
        "team": _team(team_id, team_domain, enterprise_id, enterprise_name),
        "user": _user(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": token,
        "trigger_id": trigger_id or new_trigger_id(),
        "view": view,
        "response_urls": list(response_urls or []),
        "is_enterprise_install": False,
        "enterprise": _enterprise(enterprise_id, enterprise_name),
    }
    return payload


# --------------------------------------------------------------------------- events


def app_home_opened_event(
    user_id: str = "U0001",
    *,
    tab: str = "home",
    channel: str | None = None,
    view: JsonDict | None = None,
    event_ts: str | None = None,
) -> JsonDict:
    """The inner ``app_home_opened`` event (wrap it with :func:`event_body`).

    ``view`` is only present once a Home tab has been published, as on Slack.
    """
    event: JsonDict = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": channel or ("D" + user_id[1:]),
        "tab": tab,
        "event_ts": event_ts or _now_ts(),
    }
    if view is not None:
        event["view"] = view
    return event


def event_body(
    event: Mapping[str, Any],
    *,
    team_id: str = "T0001",
    api_app_id: str = "A0001",
    event_id: str | None = None,
    event_time: int | None = None,
    bot_user_id: str = "U0BOT",
    enterprise_id: str | None = None,
    token: str = "verification_token",
) -> str:
    """JSON ``event_callback`` envelope around ``event``; sign it with :func:`sign_json`."""
    envelope: JsonDict = {
        "token": token,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": enterprise_id,
        "api_app_id": api_app_id,
        "event": dict(event),
        "type": "event_callback",
        "event_id": event_id or _new_event_id(),
        "event_time": int(time.time()) if event_time is None else event_time,
        "authorizations": [
            {
                "enterprise_id": enterprise_id,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": "4-" + secrets.token_hex(16),
    }
    return json.dumps(envelope)


def url_verification_body(challenge: str = "challenge-token", token: str = "verification_token") -> str:
    """JSON body of Slack's ``url_verification`` handshake."""
    return json.dumps({"token": token, "challenge": challenge, "type": "url_verification"})
