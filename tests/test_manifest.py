"""app_manifest.yml is a Slack app manifest that matches what the code serves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped,unused-ignore]

from bot.transports.slack.installs import REDIRECT_PATH, SCOPES
from commands import REGISTRY

MANIFEST = Path(__file__).resolve().parents[1] / "app_manifest.yml"
ALLOWED_SCOPES = {"commands", "chat:write", "chat:write.public", "im:write", "im:history", "users:read",
                  "channels:join", "channels:history", "groups:history",
                  "files:write"}  # /cohort export uploads the CSV to the coordinator's DM
REQUIRED_SCOPES = {"commands", "chat:write", "users:read", "im:write", "im:history", "channels:join",
                   "channels:history"}  # history: checking a send in doubt, in a DM or the summary channel


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    loaded = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_display_information_names_the_app(manifest: dict[str, Any]) -> None:
    info = manifest["display_information"]
    assert info["name"] == "cohortbot"
    assert isinstance(info.get("description"), str) and 0 < len(info["description"]) <= 140


def test_bot_user_and_home_tab(manifest: dict[str, Any]) -> None:
    features = manifest["features"]
    assert features["bot_user"]["display_name"]
    assert isinstance(features["bot_user"].get("always_online", False), bool)
    assert features["app_home"]["home_tab_enabled"] is True


def test_every_registered_command_is_a_slash_command(manifest: dict[str, Any]) -> None:
    declared = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert set(declared) == {f"/{name}" for name in REGISTRY}
    for name in REGISTRY:
        command = declared[f"/{name}"]
        assert command["url"].startswith("https://") and command["url"].endswith("/slack/events"), name
        assert isinstance(command["description"], str) and 0 < len(command["description"]) <= 100, name
        assert command["should_escape"] is True, name
        assert len(command.get("usage_hint", "")) <= 1000, name


def test_bot_scopes_are_only_those_needed(manifest: dict[str, Any]) -> None:
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert len(scopes) == len(set(scopes))
    assert set(scopes) <= ALLOWED_SCOPES
    assert REQUIRED_SCOPES <= set(scopes)
    assert "user" not in manifest["oauth_config"]["scopes"]


def test_the_manifests_bot_scopes_are_the_ones_the_install_link_asks_for(manifest: dict[str, Any]) -> None:
    assert manifest["oauth_config"]["scopes"]["bot"] == list(SCOPES)


def test_the_oauth_redirect_url_is_the_servers_redirect_route(manifest: dict[str, Any]) -> None:
    [url] = manifest["oauth_config"]["redirect_urls"]
    assert url.startswith("https://") and url.endswith(REDIRECT_PATH)
    assert set(manifest["oauth_config"]) == {"redirect_urls", "scopes"}
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert {"app_uninstalled", "tokens_revoked"} <= set(events)  # an uninstall forgets the installation


def test_settings_route_interactivity_and_events_to_the_server(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"].endswith("/slack/events")
    events = settings["event_subscriptions"]
    assert "app_home_opened" in events["bot_events"]
    assert events["request_url"].endswith("/slack/events")
    assert isinstance(settings["socket_mode_enabled"], bool)


def test_every_url_points_at_one_server(manifest: dict[str, Any]) -> None:
    urls = {c["url"] for c in manifest["features"]["slash_commands"]}
    urls.add(manifest["settings"]["interactivity"]["request_url"])
    urls.add(manifest["settings"]["event_subscriptions"]["request_url"])
    assert len(urls) == 1
    servers = {url.removesuffix("/slack/events") for url in urls}
    servers |= {url.removesuffix(REDIRECT_PATH) for url in manifest["oauth_config"]["redirect_urls"]}
    assert len(servers) == 1
