"""Settings: every value cohortbot reads from the environment, read here and nowhere else."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from storage.rules import ScoringRules

SLACK_API_DEFAULT = "https://slack.com/api/"


class SettingsError(Exception):
    """A setting that cannot be used; the message names it and says what it must be, in one line."""


def _int(env: Mapping[str, str], name: str, default: int, *, least: int = 0) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}.") from None
    if value < least:
        raise SettingsError(f"{name} must be at least {least}, not {value}.")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number of seconds (or per second), like {default}, not {raw!r}.") \
            from None
    if not 0 <= value < float("inf"):
        raise SettingsError(f"{name} must be zero or more, not {raw!r}.")
    return value


def _choice(env: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    raw = env.get(name, "").strip().upper() or default
    if raw not in allowed:
        raise SettingsError(f"{name} must be one of {', '.join(allowed)}, not {raw!r}.")
    return raw


def _zone(env: Mapping[str, str], name: str, default: str) -> str:
    raw = env.get(name, "").strip() or default
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"{name} must be a timezone name like America/New_York, not {raw!r}.") from None
    return raw


def _lower_choice(env: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    raw = env.get(name, "").strip().lower() or default
    if raw not in allowed:
        raise SettingsError(f"{name} must be one of {', '.join(allowed)}, not {raw!r}.")
    return raw


def _hour(env: Mapping[str, str], name: str, default: int) -> int:
    value = _int(env, name, default)
    if value > 23:
        raise SettingsError(f"{name} must be an hour from 0 to 23 (UTC), not {value}.")
    return value


@dataclass(frozen=True)
class Settings:
    db_path: str = "cohortbot.db"
    default_tz: str = "America/New_York"
    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    slack_client_id: str = ""  # OAuth distribution: with the secret and no bot token, many workspaces install it
    slack_client_secret: str = ""
    slack_redirect_uri: str = ""  # the OAuth redirect URL registered with Slack, when it must be named
    slack_api_url: str = SLACK_API_DEFAULT
    host: str = "0.0.0.0"
    port: int = 3000
    rules: ScoringRules = field(default_factory=ScoringRules)
    weekly_goal: int = 3
    nudge_pacing: float = 1.1  # seconds between messages to one channel
    workspace_rate: float = 20.0  # messages per second across a workspace
    sweep_seconds: int = 60
    claim_lease: float = 120.0  # seconds before an unfinished send is treated as in doubt
    teams_app_id: str = ""
    teams_app_password: str = ""
    teams_tenant_id: str = ""
    teams_anonymous: bool = False
    log_level: str = "INFO"
    log_format: str = "text"  # or "json": one JSON object a line
    export_dir: str = ""  # where the shell saves a /cohort export ("": the current folder)
    backup_dir: str = ""  # nightly backups inside `serve` go here; empty: none
    backup_keep: int = 7  # nightly backups kept
    backup_hour: int = 3  # UTC hour of the nightly backup

    @property
    def slack_oauth(self) -> bool:
        """Distribution mode: workspaces install the app through OAuth, each answered with its own bot token."""
        return bool(self.slack_client_id and self.slack_client_secret and not self.slack_bot_token)

    @property
    def has_slack(self) -> bool:
        """A bot token (or OAuth installs), and a way to receive Slack's requests: signed HTTP or Socket Mode."""
        return bool((self.slack_bot_token or self.slack_oauth) and (self.slack_signing_secret or self.slack_app_token))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        api = env.get("SLACK_API_URL", "").strip() or SLACK_API_DEFAULT
        if not api.endswith("/"):
            api += "/"
        defaults = ScoringRules()
        rules = ScoringRules(
            interview=_int(env, "COHORTBOT_POINTS_INTERVIEW", defaults.interview),
            offer_bonus=_int(env, "COHORTBOT_POINTS_OFFER_BONUS", defaults.offer_bonus),
            informational=_int(env, "COHORTBOT_POINTS_INFORMATIONAL", defaults.informational),
            meeting=_int(env, "COHORTBOT_POINTS_MEETING", defaults.meeting),
            event=_int(env, "COHORTBOT_POINTS_EVENT", defaults.event),
            daily_cap=_int(env, "COHORTBOT_DAILY_CAP", defaults.daily_cap),
        )
        return cls(
            db_path=env.get("COHORTBOT_DB", "").strip() or "cohortbot.db",
            default_tz=_zone(env, "COHORTBOT_TZ", "America/New_York"),
            slack_bot_token=env.get("SLACK_BOT_TOKEN", "").strip(),
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET", "").strip(),
            slack_app_token=env.get("SLACK_APP_TOKEN", "").strip(),
            slack_client_id=env.get("SLACK_CLIENT_ID", "").strip(),
            slack_client_secret=env.get("SLACK_CLIENT_SECRET", "").strip(),
            slack_redirect_uri=env.get("SLACK_REDIRECT_URI", "").strip(),
            slack_api_url=api,
            host=env.get("HOST", "").strip() or "0.0.0.0",
            port=_int(env, "PORT", 3000, least=1),
            rules=rules,
            weekly_goal=_int(env, "COHORTBOT_WEEKLY_GOAL", 3),
            nudge_pacing=_float(env, "COHORTBOT_NUDGE_PACING", 1.1),
            workspace_rate=_float(env, "COHORTBOT_WORKSPACE_RATE", 20.0),
            sweep_seconds=_int(env, "COHORTBOT_SWEEP_SECONDS", 60, least=1),
            claim_lease=_float(env, "COHORTBOT_CLAIM_LEASE", 120.0),
            teams_app_id=env.get("TEAMS_APP_ID", "").strip(),
            teams_app_password=env.get("TEAMS_APP_PASSWORD", "").strip(),
            teams_tenant_id=env.get("TEAMS_TENANT_ID", "").strip(),
            teams_anonymous=env.get("TEAMS_ANONYMOUS", "").strip() in ("1", "true", "yes"),
            log_level=_choice(env, "LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")),
            log_format=_lower_choice(env, "LOG_FORMAT", "text", ("text", "json")),
            export_dir=env.get("COHORTBOT_EXPORT_DIR", "").strip(),
            backup_dir=env.get("COHORTBOT_BACKUP_DIR", "").strip(),
            backup_keep=_int(env, "COHORTBOT_BACKUP_KEEP", 7, least=1),
            backup_hour=_hour(env, "COHORTBOT_BACKUP_HOUR", 3),
        )
