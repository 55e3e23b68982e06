"""Show your progress: /progress

Your week against your weekly goal, your streak, your applications (each organisation's steps so far, like
"Cravath: screener → callback → offer"), and your latest entries with their ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from commands.context import Context
from commands.model import Actions, Button, Inline, Para, Reply, Strong, Table, UserText
from commands.parsing import UsageError, describe_day, label
from commands.replies import plural
from storage import activities, applications, board, streaks
from storage.clock import week_start

if TYPE_CHECKING:
    from sqlite_utils import Database

NAME = "progress"
USAGE = "/progress"
EXAMPLES = ("/progress", "/cohort goal 4")
RECENT = 5
APPLICATIONS = 5  # the most recently active


@dataclass(frozen=True)
class Args:
    pass


def parse(text: str, today: date) -> Args:
    if text.strip():
        raise UsageError("/progress takes no options; it shows your own week.")
    return Args()


def pipeline_paras(db: Database, member_id: int, today: date) -> list[Para]:
    """One line per application, most recently active first: "Cravath: screener → callback → offer"."""
    lines: list[Para] = []
    for pipe in applications.pipelines(db, member_id, APPLICATIONS):
        steps = [label("interview", s.subtype) + (" (upcoming)" if s.happened_on > today else
                                                    " (to confirm)" if s.status == "planned" else "")
                 for s in pipe.steps]
        lines.append(Para((UserText(pipe.application.org), ": " + " \u2192 ".join(steps))))
    if lines:
        lines.insert(0, Para(("Your applications",), style="heading"))
    return lines


def run(args: Args, ctx: Context) -> Reply:
    db, member, today = ctx.deps.db, ctx.member, ctx.today
    week = board.member_sums(db, member.id, week_start(today), today)
    done = (week.interviews + week.meetings) if week else 0
    points = week.points if week else 0
    goal = member.weekly_goal
    bar = "\u25cf" * min(done, goal) + "\u25cb" * max(goal - done, 0)
    head: list[Inline] = ["This week: ", Strong(f"{done} of {goal}"), f" toward your goal  {bar}  "]
    head.append(f"({plural(week.interviews if week else 0, 'interview')}, "
                f"{plural(week.meetings if week else 0, 'meeting')}, {plural(points, 'point')})")
    blocks: list[Para | Table | Actions] = [Para(("Your progress",), style="heading"), Para(tuple(head))]
    if member.role == "coordinator":
        blocks.append(Para(("You coordinate the cohort and aren't on its board. Log an entry, or /cohort join, to "
                            "take part too; /cohort report shows how everyone is doing.",), style="muted"))
    # The same rule as the nudges: a week that ended empty broke the streak; a pause freezes it.
    blocks.append(Para((streaks.progress_line(streaks.member_streak(db, member.id, today)),)))
    if done >= goal:
        blocks.append(Para(("Goal met for this week. \U0001f389",)))
    blocks.extend(pipeline_paras(db, member.id, today))
    entries = activities.recent(db, member.id, RECENT)
    if entries:
        rows: list[tuple[Inline, ...]] = []
        for act in entries:
            rows.append((f"#{act.seq}", describe_day(act.happened_on, today), label(act.kind, act.subtype),
                         UserText(act.org), str(act.points) if act.happened_on <= today else "–"))
        blocks.append(Table(columns=("Id", "When", "What", "With", "Points"), rows=tuple(rows),
                            numeric=(False, False, False, False, True)))
        blocks.append(Para(("Change one: /cohort edit <id> <field> <value>, or /cohort delete <id>.",),
                           style="muted"))
    else:
        blocks.append(Para(("Nothing logged yet. Try /interview or /network.",)))
    if not member.active:
        blocks.append(Para(("You have left the cohort; /cohort join brings you back to the leaderboard.",),
                           style="muted"))
    blocks.append(Actions((Button("Log an interview", "interview", ""), Button("Log a meeting", "network", ""))))
    return Reply(blocks=tuple(blocks), private=True)
