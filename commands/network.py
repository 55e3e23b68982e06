"""Log a networking meeting: /network <person or organisation> [type] [when] [time] [-- notes], in any order

Types: informational interview (the default), coffee (lunch, drinks), alumni call, event (reception, mixer, career
fair), referral, other. When: today (default), yesterday, last night, a weekday, last fri, Dec 3, 12/3 or
2026-12-03; a time like 2pm. "coffee w/ Jane from Kirkland" is stored as Jane (Kirkland); a line I am unsure of is
shown back with Save, Change and Cancel, and nothing is stored until you choose.
"""

from __future__ import annotations

from datetime import date

from commands.context import Context
from commands.lexicon import NETWORKING
from commands.logs import Entry, parse_entry, run_entry
from commands.model import Reply
from commands.parsing import TYPES_HELP

NAME = "network"
USAGE = "/network <person or organisation> [type] [when] [time] [-- notes]"
EXAMPLES = ('/network "Dana Lee, Ropes & Gray" informational tuesday',
            "/network coffee w/ Jane from Kirkland yesterday")
VOCABULARY = TYPES_HELP  # the words it takes for a meeting type, for /cohort help network


def parse(text: str, today: date) -> Entry:
    return parse_entry(text, NETWORKING, today)


def run(args: Entry, ctx: Context) -> Reply:
    return run_entry(args, ctx)
