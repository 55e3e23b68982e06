"""Reading Slack's payloads: who sent them, from where, and what a pressed button or a modal asks for.

Only translation: nothing here decides what a command means.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Any

from bot.transports.slack.rendering import read_modal
from commands.forms import LogFields
from commands.model import Where


@dataclass(frozen=True)
class Sender:
    team_id: str
    user_id: str
    user_name: str


def slack_text(text: str) -> str:
    """Slash command text arrives with &, < and > as entities; commands see what the member typed."""
    return html.unescape(text) if "&" in text else text


def command_sender(body: dict[str, Any]) -> Sender:
    return Sender(str(body.get("team_id", "")), str(body.get("user_id", "")), str(body.get("user_name", "")))


def command_where(body: dict[str, Any]) -> Where:
    name = str(body.get("channel_name", ""))
    return Where(channel_id=str(body.get("channel_id", "")), channel_name=name, is_direct=name == "directmessage")


def interaction_sender(body: dict[str, Any]) -> Sender:
    """The member who pressed a button or submitted a modal (their team is on the user in Enterprise Grid)."""
    user = body.get("user") or {}
    team_id = user.get("team_id") or (body.get("team") or {}).get("id", "")
    return Sender(str(team_id), str(user.get("id", "")), str(user.get("username", "")))


def button_command(body: dict[str, Any]) -> tuple[str, str] | None:
    """The `/command text` a pressed button stands for; None when the payload is not one of our buttons."""
    actions = body.get("actions")
    action = actions[0] if isinstance(actions, list) and actions and isinstance(actions[0], dict) else {}
    try:
        value = json.loads(str(action.get("value") or "{}"))
        return str(value["c"]), str(value["t"])
    except (ValueError, KeyError, TypeError):
        return None


def button_where(body: dict[str, Any]) -> Where:
    channel = (body.get("channel") or {}).get("id", "") or (body.get("container") or {}).get("channel_id", "")
    return Where(channel_id=channel, channel_name=(body.get("channel") or {}).get("name", ""))


def pressed_in_home(body: dict[str, Any]) -> bool:
    return (body.get("container") or {}).get("type") == "view" or (body.get("view") or {}).get("type") == "home"


def modal_fields(view: dict[str, Any]) -> tuple[LogFields, str]:
    """A submitted log form as fields, and the channel it was opened from."""
    try:
        meta = json.loads(str(view.get("private_metadata") or "{}"))
    except ValueError:
        meta = {}
    meta = meta if isinstance(meta, dict) else {}
    state = view.get("state")
    values = read_modal(state.get("values") if isinstance(state, dict) else None)
    fields = LogFields(kind="interview" if meta.get("k") == "interview" else "networking", org=values["org"],
                       subtype=values["subtype"], day=values["day"], notes=values["notes"],
                       edit_seq=meta.get("e") if isinstance(meta.get("e"), int) else None)
    return fields, str(meta.get("ch") or "")
