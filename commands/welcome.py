"""The welcome, defined once for every platform: what a member is told the first time they use cohortbot, what an
empty Slack App Home shows, and what Teams says when the bot is installed.

A member hears it once, privately, with the answer to the first thing they typed (`greet`, called by dispatch when
the command created them). Someone whose first command made them a coordinator (setup, create) gets the
coordinator's version instead: they are not on the board and get no nudges.
"""

from __future__ import annotations

from dataclasses import replace

from commands.context import Context
from commands.model import Para, Reply, Strong, UserText
from storage import cohorts, members

EXAMPLES = ("/interview Sidley callback yesterday", '/network "Mara Ellis" coffee')  # what to type, two ways
HEADING = Para(("Welcome to cohortbot",), style="heading")
MEMBER = (
    Para(("Log every interview and networking meeting in one line, like ", Strong(EXAMPLES[0]), " or ",
          Strong(EXAMPLES[1]), ". /progress shows your week and streak, /leaderboard the cohort's.")),
    Para(("Privacy: /cohort privacy anonymous or hidden changes how the board shows you (coordinators see "
          "everyone). Exams or a holiday? /cohort pause 2w stops reminders and freezes your streak. /cohort help "
          "lists everything.",), style="muted"),
)
COORDINATOR = (
    Para(("You coordinate: you're not on the board and get no nudges. /cohort report shows how everyone is doing "
          "(anonymous and hidden members included), and /cohort help coordinators is a short guide. To take part "
          "yourself, log an entry or type /cohort join.",)),
)


def welcome_reply() -> Reply:
    """The greeting when the bot is installed (Teams), the same words a member gets the first time."""
    return Reply(blocks=(HEADING, *MEMBER))


def getting_started(ctx: Context) -> tuple[Para, ...]:
    """The getting-started section of an empty home page."""
    body = MEMBER if ctx.member.takes_part else COORDINATOR
    return (Para(("Getting started",), style="heading"), *body, *_which_cohort(ctx))


def _which_cohort(ctx: Context) -> tuple[Para, ...]:
    if len(cohorts.cohorts(ctx.deps.db, ctx.membership.workspace_key)) < 2 or not ctx.member.takes_part:
        return ()
    return (Para(("You're in ", UserText(ctx.cohort.name), ". /cohort list shows this workspace's cohorts; "
                  "/cohort join <name> moves you to another.",), style="muted"),)


def greet(reply: Reply, ctx: Context) -> Reply:
    """The first reply a member gets, with the welcome after the answer to what they typed (private; a reply for
    the channel is posted as a share, so the welcome never is)."""
    member = members.find_member(ctx.deps.db, ctx.membership.workspace_key, ctx.member.user_id)
    if member is None:  # the command erased them (erase-me): nothing to welcome
        return reply
    # Read again: the command may have made them a coordinator, or moved them to another cohort.
    now = Context(ctx.request, ctx.deps, replace(ctx.membership, member=member,
                                                   cohort=members.get_cohort(ctx.deps.db, member.cohort_id)))
    welcome = (HEADING, *(MEMBER if member.takes_part else COORDINATOR), *_which_cohort(now))
    if not reply.private:
        return replace(reply, blocks=welcome, private=True, share=reply.blocks)
    return replace(reply, blocks=(*reply.blocks, *welcome))
