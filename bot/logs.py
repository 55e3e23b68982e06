"""Logging: plain text or one JSON object a line (LOG_FORMAT), with secrets redacted from every record.

`setup_logging(settings)` puts one handler on the root logger. Its filter rewrites each record before any
formatter sees it: anything shaped like a Slack token (xoxb-, xoxp-, xoxa-, xoxr-, xoxe.xoxp-, xapp-), a Bearer
credential, a JWT, or the literal value of a configured secret becomes `[redacted]`, in the message, the
exception text and the request fields alike.

Requests are logged through `log_request`, which takes a command's name, never its text: what a member typed
(organisations, contacts, notes) does not reach a log line. The chat libraries, which log whole payloads at DEBUG,
are held at INFO.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO, Any

from bot.config import Settings

REDACTED = "[redacted]"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REQUEST_FIELDS = ("request_id", "workspace", "command", "status", "ms")
# At DEBUG these libraries log whole payloads (a command's text, a reply with a member's notes): they stay at
# INFO whatever LOG_LEVEL says, so LOG_LEVEL=DEBUG debugs cohortbot's own code without logging what members typed.
PAYLOAD_LOGGERS = ("slack_bolt", "slack_sdk", "microsoft_agents", "msal", "aiohttp.client")
SECRET_SHAPES = re.compile(
    r"xox(?:e\.xox)?[a-z]-[A-Za-z0-9-]+"  # Slack bot, user, app and refresh tokens
    r"|xapp-[A-Za-z0-9-]+"  # Slack app-level tokens (Socket Mode)
    r"|\b(?P<scheme>(?i:bearer)\s+)[A-Za-z0-9._~+/=-]+"  # an Authorization header's credential
    r"|\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"  # a JWT (Teams, Azure AD)
)


def _shape(match: re.Match[str]) -> str:
    return (match.group("scheme") or "") + REDACTED


class RedactSecrets(logging.Filter):
    """Rewrites every record so no token, Bearer credential or configured secret survives into the output."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if len(s) >= 8}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return SECRET_SHAPES.sub(_shape, text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # bad %-arguments: keep what can be shown rather than raise at the call site
            message = f"{record.msg!s} {record.args!r}"
        record.msg, record.args = self.redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for name in REQUEST_FIELDS:
            value = getattr(record, name, None)
            if isinstance(value, str):
                setattr(record, name, self.redact(value))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, the request fields when present, error."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in REQUEST_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["error"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False, default=str)


def secrets_of(settings: Settings) -> tuple[str, ...]:
    return (settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token,
            settings.slack_client_secret, settings.teams_app_password)


def make_handler(settings: Settings, stream: IO[str] | None = None) -> logging.Handler:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RedactSecrets(secrets_of(settings)))
    handler.set_name("cohortbot")
    return handler


def setup_logging(settings: Settings, stream: IO[str] | None = None, *, force: bool = False) -> None:
    """Log to stderr (or `stream`) in LOG_FORMAT at LOG_LEVEL.

    Like `logging.basicConfig`, it leaves a root logger that someone else already configured alone (a test
    runner's capture, an embedding program) unless `force`; a handler it added before is replaced.
    """
    root = logging.getLogger()
    ours = [h for h in root.handlers if h.get_name() == "cohortbot"]
    if len(ours) != len(root.handlers) and not force:
        return
    for handler in ours:
        root.removeHandler(handler)
        handler.close()
    root.addHandler(make_handler(settings, stream))
    root.setLevel(settings.log_level)
    for name in PAYLOAD_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.INFO, root.level))
    logging.captureWarnings(True)


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


def log_request(logger: logging.Logger, *, request_id: str, workspace: str, command: str, status: str | int,
                ms: float, level: int = logging.INFO) -> None:
    """One line for one handled request. `command` is the command's name: only its first word is kept, so a
    caller that passes the typed line by mistake still logs no organisation, contact or note."""
    words = command.strip().split(maxsplit=1)
    name = words[0][:40] if words else ""
    logger.log(level, "request %s: %s in %s -> %s (%.1f ms)", request_id, name or "-", workspace, status, ms,
               extra={"request_id": request_id, "workspace": workspace, "command": name, "status": status,
                      "ms": round(ms, 1)})
