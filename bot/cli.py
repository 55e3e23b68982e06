"""The `cohortbot` command line: run (the default), shell, serve, and the operations commands."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from bot.config import Settings, SettingsError
from bot.delivery import Notifier, Report
from bot.logs import setup_logging
from commands.model import Deps
from storage import DatabaseUnavailable, open_db


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
    return Deps(db=open_db(settings.db_path), clock=clock, default_tz=settings.default_tz, rules=settings.rules,
                weekly_goal=settings.weekly_goal)


def cmd_shell(settings: Settings, args: argparse.Namespace) -> int:
    from bot.transports.shell import Shell

    deps = build_deps(settings, parse_now(args.now))
    interactive = sys.stdin.isatty()
    extra = {"nudge": shell_job(settings, deps, ("nudge", "follow_up")),
             "summary": shell_job(settings, deps, ("summary",))}
    shell = Shell(deps, sys.stdin, sys.stdout, user=args.user, interactive=interactive, extra=extra)
    if interactive:
        print(f"Database: {settings.db_path}")
    return shell.run()


def shell_job(settings: Settings, deps: Deps, kinds: tuple[str, ...]) -> Callable[[str], str]:
    """`:nudge [ISO-DATETIME]` and `:summary [...]` in the shell: run the job now (or at that moment)."""

    def run(arg: str) -> str:
        import asyncio
        import io

        from bot.app import make_deliverer
        from bot.scheduler import sweep
        from bot.transports.shell_notify import PrintNotifier

        try:
            moment = parse_now(arg)() if arg else deps.clock()
        except SystemExit as problem:
            return str(problem)
        out = io.StringIO()
        deliverer = make_deliverer(settings, deps, {"shell": PrintNotifier(out)})
        deliverer.channel_interval = deliverer.workspace_rate = 0
        deliverer.clock = lambda: moment  # claims are stamped with the moment asked about
        report = asyncio.run(sweep(deps, deliverer, kinds=kinds, now=moment))
        if not report.sent:
            return (f"Nothing due at {moment:%a %d %b %H:%M} UTC that was not sent already. Nudges go out on the "
                    "cohort's nudge day (Monday unless /cohort setup changed it) from its hour; try "
                    ":nudge 2026-11-30T15:00.")
        return out.getvalue().rstrip()

    return run


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


def _jobs(settings: Settings, args: argparse.Namespace, kinds: tuple[str, ...]) -> int:
    import asyncio

    from bot.app import make_deliverer
    from bot.nudges import plan
    from bot.scheduler import sweep
    from bot.transports.shell_notify import PrintNotifier, describe

    deps = build_deps(settings, parse_now(args.now))
    if args.dry_run:
        planned = plan(deps.db, deps.clock(), deps.default_tz, kinds=kinds)
        for out in planned:
            print(describe(out))
        print(f"{len(planned)} due; dry run, nothing sent.")
        return 0

    async def run() -> int:
        notifiers: dict[str, Notifier] = {"shell": PrintNotifier(sys.stdout)}
        notifiers.update(teams_notifier(settings, deps))
        client = None
        if settings.has_slack:
            from bot.transports.slack.client import make_client, open_session
            from bot.transports.slack.notify import SlackNotifier

            client = make_client(settings, sends=True)
            await open_session(client)  # keep-alive connections for the whole run
            notifiers["slack"] = SlackNotifier(client)
        try:
            report = await sweep(deps, make_deliverer(settings, deps, notifiers), kinds=kinds)
        finally:
            if client is not None:
                from bot.transports.slack.client import close_session

                await close_session(client)
        print(job_report(report, settings.claim_lease))
        return 1 if report.failed or report.in_doubt else 0

    return asyncio.run(run())


def job_report(report: Report, lease: float) -> str:
    """One line for an operator; sends in doubt are named as such, never counted as sent."""
    parts = [f"sent {report.sent}", f"recovered {report.recovered}", f"already sent {report.skipped}"]
    if report.in_doubt:
        parts.append(f"in doubt {report.in_doubt}, checked again after the lease ({lease:g} s): run this again "
                     "then, nothing is sent twice")
    parts.append(f"failed {report.failed}")
    if report.no_notifier:
        parts.append(f"{report.no_notifier} for platforms not configured here")
    return ", ".join(parts)


def teams_notifier(settings: Settings, deps: Deps) -> dict[str, Notifier]:
    """The Teams notifier when Teams is configured (and its extra installed), so jobs reach Teams members too."""
    if not (settings.teams_app_id or settings.teams_anonymous):
        return {}
    try:
        from bot.conversations import TeamsDirectory
        from bot.transports.teams.auth import mode_of
        from bot.transports.teams.notify import TeamsNotifier
    except ImportError:
        logging.getLogger(__name__).warning("TEAMS_* is set but Teams support is not installed: "
                                            "pip install 'cohortbot[teams]'")
        return {}
    if mode_of(settings) == "refuse":
        return {}
    return {"teams": TeamsNotifier(settings, TeamsDirectory(deps.db))}


def cmd_nudge(settings: Settings, args: argparse.Namespace) -> int:
    return _jobs(settings, args, ("nudge", "follow_up"))


def cmd_summary(settings: Settings, args: argparse.Namespace) -> int:
    return _jobs(settings, args, ("summary",))


def cmd_teams_package(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.transports.teams.package import build_package

    app_id = args.app_id or settings.teams_app_id
    if not app_id:
        print("Give the bot's Microsoft App ID: set TEAMS_APP_ID or pass --app-id.", file=sys.stderr)
        return 2
    try:
        path = build_package(app_id, Path(args.out))
    except ValueError as problem:
        print(str(problem), file=sys.stderr)
        return 2
    print(f"Teams app package written to {path}. Upload it in Teams: Apps > Manage your apps > Upload an app.")
    return 0


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    from storage.backup import backup

    copy = backup(settings.db_path, args.out)
    print(f"Backup written to {copy.path} ({copy.size} bytes, {copy.activities} activities).")
    return 0


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    from storage.backup import restore

    done = restore(args.file, settings.db_path, force=args.force, keep_replaced=not args.discard_replaced)
    kept = f"; the database it replaced is kept as {done.replaced}" if done.replaced else ""
    print(f"Restored {done.path} from {args.file} ({done.activities} activities){kept}.")
    if done.was_in_use:
        print("A server was using the database: restart it (systemctl restart cohortbot) so it starts afresh from "
              "the restored record.")
    return 0


def cmd_healthcheck(settings: Settings, args: argparse.Namespace) -> int:
    """Exit 0 when the server on HOST:PORT answers GET /healthz with 200 (a container's health check)."""
    import urllib.error
    import urllib.request

    host = "127.0.0.1" if settings.host in ("", "0.0.0.0", "::") else settings.host
    url = f"http://{f'[{host}]' if ':' in host else host}:{settings.port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=args.timeout) as response:
            print(f"{url}: {response.status}")
            return 0
    except urllib.error.HTTPError as problem:
        print(f"{url}: {problem.code} {problem.read(300).decode(errors='replace')}", file=sys.stderr)
    except (urllib.error.URLError, OSError) as problem:
        print(f"{url}: {getattr(problem, 'reason', problem)}", file=sys.stderr)
    return 1


def default_user() -> str:
    """The shell starts as the person at the terminal (their login name), so the board reads "ana (you)"."""
    import getpass

    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        return "me"
    return name if name and name.isprintable() and " " not in name and len(name) <= 40 else "me"


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cohortbot", description="Accountability bot for a job-search cohort.")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="serve Slack when credentials are set, else open the shell workspace")
    shell = sub.add_parser("shell", help="a local workspace in this terminal (no Slack needed)")
    for p in (parser, run, shell):
        p.add_argument("--user", default=default_user(), help="the member you act as at the start (shell)")
        p.add_argument("--now", default=None, help="freeze the clock at this ISO date-time (for demos)")
    sub.add_parser("serve", help="the HTTP server for Slack (and Teams)")
    for name, what in (("nudge", "weekly nudges and follow-ups"), ("summary", "the weekly cohort summary")):
        job = sub.add_parser(name, help=f"send the {what} due now that were not sent yet")
        job.add_argument("--dry-run", action="store_true", help="print what would be sent and to whom")
        job.add_argument("--now", default=None, help="act as if it were this ISO date-time")
    package = sub.add_parser("teams-package", help="zip the Teams app package with the app id filled in")
    package.add_argument("--app-id", default="", help="the bot's Microsoft App ID (default: TEAMS_APP_ID)")
    package.add_argument("--out", default="cohortbot-teams.zip", help="zip file or folder to write")
    backup = sub.add_parser("backup", help="copy the database safely, even while the server writes to it")
    backup.add_argument("--out", required=True, help="the backup file to write (or a folder to put one in)")
    restore = sub.add_parser("restore", help="replace the database with a checked backup")
    restore.add_argument("file", help="the backup to restore")
    restore.add_argument("--force", action="store_true", help="replace it even while a server is using it")
    restore.add_argument("--discard-replaced", action="store_true",
                         help="do not keep the replaced database as <database>.replaced-<time>")
    health = sub.add_parser("healthcheck", help="exit 0 when the server on PORT answers /healthz (containers)")
    health.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for the answer")
    return parser


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "run": cmd_run,
    "shell": cmd_shell,
    "serve": cmd_serve,
    "nudge": cmd_nudge,
    "summary": cmd_summary,
    "teams-package": cmd_teams_package,
    "backup": cmd_backup,
    "restore": cmd_restore,
    "healthcheck": cmd_healthcheck,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        setup_logging(settings)
        return COMMANDS[args.command or "run"](settings, args)
    except (SettingsError, DatabaseUnavailable) as problem:
        print(f"cohortbot: {problem}", file=sys.stderr)
        return 2
