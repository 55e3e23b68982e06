"""Log an interview: /interview <organisation> [stage] [when] [-- notes]

Stages: screener (on-campus, OCI, first round), callback (second round, office visit), clerkship, offer,
rejection, other. When: today (default), yesterday, a weekday, last fri, 11/20 or 2026-11-20.
"""

from __future__ import annotations

from datetime import date

from commands.context import Context
from commands.logs import LogArgs, parse_log, store
from commands.model import Reply
from commands.parsing import STAGE_SYNONYMS, STAGES_HELP

NAME = "interview"
USAGE = "/interview <organisation> [stage] [when] [-- notes]"
EXAMPLES = ("/interview Latham callback yesterday -- met two partners", '/interview "Wachtell, Lipton" screener')
VOCABULARY = STAGES_HELP  # the words it takes for a stage, for /cohort help interview


def parse(text: str, today: date) -> LogArgs:
    return parse_log(text, kind="interview", synonyms=STAGE_SYNONYMS, default="other", today=today,
                     what="organisation", kind_word="stage")


def run(args: LogArgs, ctx: Context) -> Reply:
    return store(args, ctx, source=ctx.request.source)
