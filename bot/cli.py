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
from storage.export import Workspace

PLATFORMS = ("slack", "teams", "shell")


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
    shell = Shell(deps, sys.stdin, sys.stdout, user=args.user, interactive=interactive, extra=extra,
                  export_dir=settings.export_dir or None)  # where /cohort export saves its file
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
    from bot.nudges import plan_steps
    from bot.scheduler import sweep
    from bot.transports.shell_notify import PrintNotifier, describe

    deps = build_deps(settings, parse_now(args.now))
    if args.dry_run:
        due = 0
        for step in plan_steps(deps.db, deps.clock(), deps.default_tz, kinds=kinds):  # printed as planned
            for out in step:
                print(describe(out))
            due += len(step)
        print(f"{due} due; dry run, nothing sent.")
        return 0

    async def run() -> int:
        notifiers: dict[str, Notifier] = {"shell": PrintNotifier(sys.stdout)}
        notifiers.update(teams_notifier(settings, deps))
        slack = None
        if settings.has_slack:
            from bot.transports.slack.notify import scheduled_notifier

            slack = scheduled_notifier(settings)  # the bot token's client, or each installed workspace's own
            await slack.open()  # keep-alive connections for the whole run
            notifiers["slack"] = slack
        try:
            report = await sweep(deps, make_deliverer(settings, deps, notifiers), kinds=kinds)
        finally:
            if slack is not None:
                await slack.close()
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


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    """Write a workspace's entries (every cohort, or one) as a CSV work-search log; exit 2 when there are none."""
    from datetime import date
    from pathlib import Path

    from storage import export

    db = open_db(settings.db_path)
    try:
        since = date.fromisoformat(args.since) if args.since else None
    except ValueError:
        return _refuse(f"--since must be a date like 2026-09-01, not {args.since!r}.")
    workspace = _one_workspace(export.workspaces(db, args.workspace, args.platform or ""), args.workspace)
    if isinstance(workspace, str):
        return _refuse(workspace)
    cohort = export.find_cohort(db, workspace.key, args.cohort) if args.cohort else None
    if args.cohort and cohort is None:
        names = ", ".join(c.name for c in export.cohorts(db, workspace.key))
        return _refuse(f"No cohort called {args.cohort!r} in workspace {workspace.external_id}; its cohorts: {names}.")
    rows = export.entries(db, workspace.key, cohort_id=cohort.id if cohort else None, since=since, notes=args.notes)
    scope = f"cohort {cohort.name}" if cohort else "every cohort"
    if not rows:
        return _refuse(f"Nothing to export: {scope} of workspace {workspace.external_id} has no entries"
                       f"{f' from {since}' if since else ''}. No file was written.")
    out = Path(args.out)
    if out.is_dir():
        out = out / export.filename(cohort.name if cohort else None, date.today())
    try:
        out.write_bytes(export.to_csv(rows, notes=args.notes))
    except OSError as problem:
        return _refuse(f"Could not write {out}: {problem.strerror or problem}.")
    people = len({row.member_id for row in rows})
    print(f"Wrote {len(rows)} entries by {people} members ({scope}, workspace {workspace.external_id}"
          f"{', private notes included' if args.notes else ''}) to {out}.")
    return 0


def _one_workspace(found: list[Workspace], asked: str) -> Workspace | str:
    """The one workspace meant, or why there is not exactly one."""
    if len(found) == 1:
        return found[0]
    if not found:
        return f"No workspace {asked!r} in the database." if asked else "The database has no workspaces yet."
    listed = ", ".join(f"{w.external_id} ({w.platform})" for w in found)
    return f"Name one workspace with --workspace (and --platform): the database has {listed}."


def _refuse(message: str) -> int:
    print(message, file=sys.stderr)
    return 2


def cmd_erase(settings: Settings, args: argparse.Namespace) -> int:
    """Erase everything stored about one member, at their request: without --yes, only say what would go."""
    from commands.cohort.records import describe
    from storage import erase

    db = open_db(settings.db_path)
    found = erase.find(db, args.workspace, args.user, args.platform or "") or erase.find(
        db, args.workspace, args.user.lower(), args.platform or "")
    if not found:
        return _refuse(f"No member {args.user!r} in workspace {args.workspace!r}: nothing to erase.")
    if len(found) > 1:
        platforms = ", ".join(who.platform for who in found)
        return _refuse(f"{args.user!r} is a member of workspace {args.workspace!r} on {platforms}: name one with "
                       "--platform.")
    if not args.yes:
        print(f"Would erase {describe(erase.preview(db, found[0]))}.")
        print("Nothing was erased: run this again with --yes to erase it.")
        return 0
    print(f"Erased {describe(erase.erase(db, found[0]))}.")
    print("Backups and replicas made before now still hold it until they are replaced.")
    return 0


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
    export = sub.add_parser("export", help="write the entries as a CSV work-search log, one row per entry")
    export.add_argument("--out", required=True, help="the CSV file to write (or a folder to put one in)")
    export.add_argument("--cohort", default="", help="only this cohort (default: every cohort)")
    export.add_argument("--since", default="", help="only entries dated on or after this day (YYYY-MM-DD)")
    export.add_argument("--notes", action="store_true", help="include members' private notes")
    export.add_argument("--workspace", default="", help="the platform's workspace id (needed when there are several)")
    export.add_argument("--platform", choices=PLATFORMS, help="the workspace's platform, if its id is ambiguous")
    erase = sub.add_parser("erase", help="erase everything stored about one member, at their request")
    erase.add_argument("--workspace", required=True, help="the platform's workspace id (Slack team, Teams tenant)")
    erase.add_argument("--user", required=True, help="the member's user id on that platform")
    erase.add_argument("--platform", choices=PLATFORMS, help="the platform, if the workspace id is ambiguous")
    erase.add_argument("--yes", action="store_true", help="erase (without it: only say what would be erased)")
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
    "export": cmd_export,
    "erase": cmd_erase,
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
