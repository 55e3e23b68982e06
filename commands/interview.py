"""Log an interview: /interview <organisation> [stage] [when] [time] [-- notes], in any order

Stages: screener (on-campus, OCI, first round, phone screen), callback (second round, office visit), clerkship,
offer, rejection, other. When: today (default), yesterday, 3 days ago, a weekday, last fri, Dec 3, 12/3 or
2026-12-03; a time like 2pm or 14:30. "callback at Cravath tomorrow 2pm" and "got an offer from Wachtell!" work as
typed; a line I am unsure of is shown back with Save, Change and Cancel, and nothing is stored until you choose.
"""

from __future__ import annotations

from datetime import date

from commands.context import Context
from commands.lexicon import INTERVIEW
from commands.logs import Entry, parse_entry, run_entry
from commands.model import Reply
from commands.parsing import STAGES_HELP

NAME = "interview"
USAGE = "/interview <organisation> [stage] [when] [time] [-- notes]"
EXAMPLES = ("/interview Latham callback yesterday -- met two partners", '/interview "Wachtell, Lipton" screener')
VOCABULARY = STAGES_HELP  # the words it takes for a stage, for /cohort help interview


def parse(text: str, today: date) -> Entry:
    return parse_entry(text, INTERVIEW, today)


def run(args: Entry, ctx: Context) -> Reply:
    return run_entry(args, ctx)
