"""The `cohortbot` command line: run (the default), shell, serve, and the operations commands."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from bot.config import Settings
from commands.model import Deps
from storage import open_db


def parse_now(value: str | None) -> Callable[[], datetime]:
    """A clock: the real one, or one frozen at an ISO date-time (naive means UTC)."""
    if not value:
        return lambda: datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise SystemExit(f"--now must be an ISO date-time like 2026-11-30T09:00, not {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return lambda: moment


def build_deps(settings: Settings, clock: Callable[[], datetime]) -> Deps:
    return Deps(db=open_db(settings.db_path), clock=clock, default_tz=settings.default_tz, rules=settings.rules)


def cmd_shell(settings: Settings, args: argparse.Namespace) -> int:
    from bot.transports.shell import Shell

    deps = build_deps(settings, parse_now(args.now))
    interactive = sys.stdin.isatty()
    shell = Shell(deps, sys.stdin, sys.stdout, user=args.user, interactive=interactive)
    if interactive:
        print(f"Database: {settings.db_path}")
    return shell.run()


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import serve

    return serve(settings)


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    if settings.has_slack:
        return cmd_serve(settings, args)
    print(
        "No Slack credentials (SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are not set), so cohortbot opens the "
        f"shell workspace on the SQLite file {settings.db_path}. See the README to connect Slack.",
        file=sys.stderr,
    )
    return cmd_shell(settings, args)


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cohortbot", description="Accountability bot for a job-search cohort.")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="serve Slack when credentials are set, else open the shell workspace")
    shell = sub.add_parser("shell", help="a local workspace in this terminal (no Slack needed)")
    for p in (parser, run, shell):
        p.add_argument("--user", default="you", help="the member you act as at the start (shell)")
        p.add_argument("--now", default=None, help="freeze the clock at this ISO date-time (for demos)")
    sub.add_parser("serve", help="the HTTP server for Slack (and Teams)")
    return parser


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "run": cmd_run,
    "shell": cmd_shell,
    "serve": cmd_serve,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return COMMANDS[args.command or "run"](settings, args)
