"""Log a networking meeting: /network <person or organisation> [type] [when] [-- notes]

Types: informational interview (the default), coffee, alumni call, event, referral, other.
When: today (default), yesterday, a weekday, last fri, 11/20 or 2026-11-20.
"""

from __future__ import annotations

from datetime import date

from commands.context import Context
from commands.logs import LogArgs, parse_log, store
from commands.model import Reply
from commands.parsing import TYPE_SYNONYMS, TYPES_HELP

NAME = "network"
USAGE = "/network <person or organisation> [type] [when] [-- notes]"
EXAMPLES = ('/network "Dana Lee, Ropes & Gray" informational tuesday', "/network Cooley alumni call last fri")
VOCABULARY = TYPES_HELP  # the words it takes for a meeting type, for /cohort help network


def parse(text: str, today: date) -> LogArgs:
    return parse_log(text, kind="networking", synonyms=TYPE_SYNONYMS, default="informational", today=today,
                     what="person or organisation", kind_word="meeting type")


def run(args: LogArgs, ctx: Context) -> Reply:
    return store(args, ctx, source=ctx.request.source)
