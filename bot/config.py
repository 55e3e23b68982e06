"""Settings: every value cohortbot reads from the environment, read here and nowhere else."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from storage.members import ScoringRules

SLACK_API_DEFAULT = "https://slack.com/api/"


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {raw!r}.") from None


@dataclass(frozen=True)
class Settings:
    db_path: str = "cohortbot.db"
    default_tz: str = "America/New_York"
    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
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

    @property
    def has_slack(self) -> bool:
        """A bot token, and a way to receive Slack's requests: signed HTTP or Socket Mode."""
        return bool(self.slack_bot_token and (self.slack_signing_secret or self.slack_app_token))

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
            default_tz=env.get("COHORTBOT_TZ", "").strip() or "America/New_York",
            slack_bot_token=env.get("SLACK_BOT_TOKEN", "").strip(),
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET", "").strip(),
            slack_app_token=env.get("SLACK_APP_TOKEN", "").strip(),
            slack_api_url=api,
            host=env.get("HOST", "").strip() or "0.0.0.0",
            port=_int(env, "PORT", 3000),
            rules=rules,
            weekly_goal=_int(env, "COHORTBOT_WEEKLY_GOAL", 3),
            nudge_pacing=float(env.get("COHORTBOT_NUDGE_PACING", "1.1") or 1.1),
            workspace_rate=float(env.get("COHORTBOT_WORKSPACE_RATE", "20") or 20),
            sweep_seconds=_int(env, "COHORTBOT_SWEEP_SECONDS", 60),
            claim_lease=float(env.get("COHORTBOT_CLAIM_LEASE", "120") or 120),
            teams_app_id=env.get("TEAMS_APP_ID", "").strip(),
            teams_app_password=env.get("TEAMS_APP_PASSWORD", "").strip(),
            teams_tenant_id=env.get("TEAMS_TENANT_ID", "").strip(),
            teams_anonymous=env.get("TEAMS_ANONYMOUS", "").strip() in ("1", "true", "yes"),
            log_level=env.get("LOG_LEVEL", "").strip().upper() or "INFO",
        )
