"""Applications and the fair board: offers and rejections are outcomes of an application, organisation names match
loosely (rapidfuzz, precision first), entries typed long after they happened don't score, and the daily cap holds
by the day an entry was typed as well as the day it happened."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlite_utils import Database

from commands.model import Deps
from storage import activities, applications, board, members
from storage.members import ScoringRules
from tests.conftest import clock_of, say, text_of

RULES = ScoringRules()  # interview 3, offer bonus 5, daily cap 10
MONDAY = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 10:00 in New York


@pytest.mark.parametrize(("a", "b", "same"), [
    ("Cravath", "Cravath, Swaine & Moore", True),
    ("Latham", "Latham & Watkins", True),
    ("Latham and Watkins LLP", "Latham & Watkins", True),
    ("Kirkland", "Kirkland & Ellis", True),
    ("Skaden", "Skadden, Arps, Slate, Meagher & Flom", True),  # a typo
    ("Paul Weiss", "Paul, Weiss, Rifkind, Wharton & Garrison", True),
    ("Kirkland", "Milbank", False),
    ("Jones Day", "Jones Walker", False),
    ("Sullivan & Cromwell", "Sullivan & Worcester", False),
    ("US Attorney SDNY", "US Attorney EDNY", False),  # one letter in a short word is another office
    ("Cooley", "Covington", False),
    ("A&O", "A&O Shearman", False),  # too short to stand for a longer name
])
def test_organisations_match_loosely_precision_first(a: str, b: str, same: bool) -> None:
    assert applications.same_organisation(a, b) is same
    assert applications.same_organisation(b, a) is same


def test_a_name_matching_two_applications_joins_neither() -> None:
    candidates = [(1, "Davis Polk & Wardwell"), (2, "Davis Wright Tremaine")]
    assert applications.best_match("Davis", candidates) is None
    assert applications.best_match("Davis Polk", candidates) == 1
    # A word-for-word match beats a shorter name that is only the start of another.
    assert applications.best_match("Latham", [(1, "Latham & Watkins"), (2, "Latham")]) == 2


class Log:
    """Log entries straight through storage, as a member with the default rules, at a moment of our choosing."""

    def __init__(self, db: Database) -> None:
        self.db = db
        made = members.ensure_member(db, platform="shell", workspace="local", user_id="alice", display_name="alice",
                                     tz="America/New_York", now=MONDAY, rules=RULES,
                                     weekly_goal=3)
        self.workspace, self.cohort, self.member = made.workspace_key, made.cohort.id, made.member.id

    def __call__(self, org: str, subtype: str, day: date, *, at: datetime = MONDAY,
                 kind: str = "interview", status: str = "done") -> activities.Logged:
        return activities.log_activity(
            self.db, workspace_key=self.workspace, cohort_id=self.cohort, member_id=self.member, kind=kind,
            subtype=subtype, org=org, happened_on=day, notes="", status=status, source="test", now=at,
            rules=RULES)

    def sums(self, start: date, end: date) -> tuple[int, int, int]:
        row = board.member_sums(self.db, self.member, start, end)
        assert row is not None
        return row.points, row.interviews, row.meetings

    def boards(self, today: date) -> list[tuple[int, int, int]]:
        """This member's (points, interviews, meetings) on the weekly, monthly and all-time boards."""
        out = []
        for start in (today - timedelta(days=today.weekday()), today.replace(day=1), None):
            [row] = board.board(self.db, self.cohort, start, today)
            out.append((row.points, row.interviews, row.meetings))
        return out


def test_offer_and_rejection_are_outcomes_two_interviews_eleven_points(db: Database) -> None:
    """Callback + offer at one firm, screener + rejection at another: 2 interviews and 11 points."""
    log = Log(db)
    monday, tuesday = date(2026, 11, 23), date(2026, 11, 24)
    callback = log("Cravath", "callback", monday)
    screener = log("Latham", "screener", monday)
    later = MONDAY + timedelta(days=1)
    offer = log("Cravath, Swaine & Moore", "offer", tuesday, at=later)
    rejection = log("Latham & Watkins", "rejection", tuesday, at=later)
    assert [x.activity.points for x in (callback, screener, offer, rejection)] == [3, 3, 5, 0]
    assert log.boards(tuesday) == [(11, 2, 0)] * 3
    assert log.sums(monday, tuesday) == (11, 2, 0)
    # Each outcome is one entry, linked to its firm's one application.
    assert offer.application == callback.application and offer.application is not None
    assert rejection.application == screener.application and rejection.application is not None
    assert offer.application.org == "Cravath"
    assert [(s.subtype, s.happened_on) for s in offer.history] == [("callback", monday), ("offer", tuesday)]
    assert [s.subtype for s in rejection.history] == ["screener", "rejection"]
    assert not offer.implied_interview and not offer.duplicate_of_day and not offer.capped
    assert rejection.full_points == 0 and not rejection.activity.counted
    assert db.execute("SELECT COUNT(*) FROM activities").fetchone()[0] == 4  # nothing stored besides


def test_an_offer_with_no_interview_logged_counts_the_one_it_implies(db: Database) -> None:
    log = Log(db)
    monday = date(2026, 11, 23)
    offer = log("Skadden", "offer", monday)
    assert offer.implied_interview and offer.activity.counted
    assert (offer.activity.points, offer.full_points) == (8, 8)  # interview 3 + offer bonus 5
    assert log.sums(monday, monday) == (8, 1, 0)
    assert db.execute("SELECT COUNT(*) FROM activities").fetchone()[0] == 1  # counted, not stored


def test_logging_the_interview_afterwards_takes_over_the_implied_one(db: Database) -> None:
    """No double count: once the callback before the offer is logged, the offer is the bonus only."""
    log = Log(db)
    offer = log("Skadden", "offer", date(2026, 11, 23))
    assert offer.implied_interview
    callback = log("Skadden Arps", "callback", date(2026, 11, 16))
    assert callback.application == offer.application
    again = activities.get_by_id(db, offer.activity.id)
    assert again is not None and (again.points, again.counted) == (5, False)
    assert log.sums(date(2026, 11, 1), date(2026, 11, 30)) == (8, 1, 0)
    # Deleting the callback gives the offer its implied interview back.
    activities.soft_delete(db, callback.activity, MONDAY, RULES)
    again = activities.get_by_id(db, offer.activity.id)
    assert again is not None and (again.points, again.counted) == (8, True)


def test_an_interview_more_than_six_months_before_the_offer_does_not_count_for_it(db: Database) -> None:
    log = Log(db)
    may = datetime(2026, 5, 20, 15, tzinfo=UTC)
    log("Cravath", "screener", date(2026, 5, 20), at=may)
    within = log("Cravath", "offer", date(2026, 11, 19), at=may + timedelta(days=183))  # 183 days later
    assert not within.implied_interview and within.activity.points == 5
    beyond = log("Cravath", "offer", date(2026, 11, 20), at=may + timedelta(days=184))  # 184 days
    assert beyond.implied_interview and beyond.activity.points == 8


def test_a_rejection_scores_nothing_and_adds_no_interview(db: Database) -> None:
    log = Log(db)
    monday = date(2026, 11, 23)
    rejection = log("Milbank", "rejection", monday)
    assert (rejection.activity.points, rejection.activity.counted, rejection.full_points) == (0, False, 0)
    assert rejection.application is not None and rejection.application.org == "Milbank"
    assert log.sums(monday, monday) == (0, 0, 0)
    assert board.board(db, log.cohort, None, monday) == []


def test_networking_has_no_application(db: Database) -> None:
    log = Log(db)
    coffee = log("Latham", "coffee", date(2026, 11, 23), kind="networking")
    assert coffee.application is None and coffee.history == () and coffee.activity.application_id is None
    assert db.execute("SELECT COUNT(*) FROM applications").fetchone()[0] == 0


def test_same_firm_same_day_counts_once_across_spellings(db: Database) -> None:
    log = Log(db)
    monday = date(2026, 11, 23)
    first = log("Kirkland & Ellis", "screener", monday)
    second = log("Kirkland", "callback", monday)
    assert second.duplicate_of_day and second.activity.points == 0 and not second.activity.counted
    other = log("Milbank", "screener", monday)
    assert not other.duplicate_of_day and other.activity.points == 3
    assert first.application != other.application
    assert log.sums(monday, monday) == (6, 2, 0)


def test_an_entry_dated_more_than_30_days_before_it_was_typed_is_stored_but_does_not_score(db: Database) -> None:
    log = Log(db)
    today = date(2026, 11, 23)
    old = log("Cooley", "screener", today - timedelta(days=31))
    assert old.too_old and (old.activity.points, old.activity.counted, old.full_points) == (0, False, 0)
    edge = log("Covington", "screener", today - timedelta(days=30))
    assert not edge.too_old and edge.activity.points == 3
    assert log.sums(date(2026, 1, 1), today) == (3, 1, 0)
    assert [(r.points, r.interviews) for r in board.board(db, log.cohort, None, today)] == [(3, 1)]
    assert board.active_days(db, log.member, today) == [today - timedelta(days=30)]


def test_backdating_many_entries_into_different_days_moves_the_board_by_one_cap(db: Database) -> None:
    log = Log(db)
    today = date(2026, 11, 23)
    logged = [log(f"Firm {i}", "screener", today - timedelta(days=i)) for i in range(1, 8)]
    assert [x.activity.points for x in logged] == [3, 3, 3, 1, 0, 0, 0]
    assert [x.capped for x in logged] == [False, False, False, True, True, True, True]
    assert {x.capped_by for x in logged[3:]} == {"typed"}  # each day had room; the day they were typed had none
    assert log.sums(date(2026, 11, 1), today) == (10, 7, 0)  # every interview counts; the points are capped
    # The next day has a cap of its own.
    tomorrow = log("Firm 9", "screener", today - timedelta(days=2), at=MONDAY + timedelta(days=1))
    assert tomorrow.activity.points == 3


def test_the_cap_of_the_day_it_happened_still_holds(db: Database) -> None:
    log = Log(db)
    monday = date(2026, 11, 23)
    logged = [log(f"Firm {i}", "screener", monday, at=MONDAY + timedelta(days=i)) for i in range(4)]
    assert [x.activity.points for x in logged] == [3, 3, 3, 1]
    assert (logged[3].capped, logged[3].capped_by, logged[3].full_points) == (True, "day", 3)


def test_a_planned_entry_scores_under_the_day_it_happens_not_the_day_it_was_planned(db: Database) -> None:
    log = Log(db)
    monday, friday = date(2026, 11, 23), date(2026, 11, 27)
    for i in range(4):
        log(f"Firm {i}", "screener", monday)  # Monday's typed-day cap is used up: 10 of 12
    planned = log("Cravath", "callback", friday, status="planned")
    assert planned.activity.points == 0
    done = activities.update_activity(db, planned.activity, MONDAY + timedelta(days=5), RULES, status="done")
    assert done.points == 3  # under Friday's caps


def test_thank_you_and_happened_still_score(deps: Deps, db: Database) -> None:
    say(deps, "alice", "/interview Latham callback")
    assert "+1 point" in text_of(say(deps, "alice", "/cohort thanks 1"))
    assert db.execute("SELECT points FROM activities WHERE seq = 1").fetchone() == (4,)
    say(deps, "alice", "/interview Cooley screener next mon")
    clock_of(deps).set("2026-12-01T15:00:00")
    assert "+3 points" in text_of(say(deps, "alice", "/cohort happened 2 yes"))
    assert db.execute("SELECT status, points, counted FROM activities WHERE seq = 2").fetchone() == ("done", 3, 1)


def test_progress_shows_each_application_s_steps_newest_first(deps: Deps) -> None:
    clock_of(deps).set(MONDAY)
    say(deps, "alice", "/interview Cravath screener")
    say(deps, "alice", "/interview Latham screener")
    say(deps, "alice", "/network Dana Lee coffee")
    clock_of(deps).set(MONDAY + timedelta(days=1))
    say(deps, "alice", "/interview Latham & Watkins rejection")
    say(deps, "alice", "/interview Cravath callback")
    clock_of(deps).set(MONDAY + timedelta(days=2))
    say(deps, "alice", '/interview "Cravath, Swaine & Moore" offer')
    say(deps, "alice", "/interview Milbank callback next mon")
    lines = text_of(say(deps, "alice", "/progress")).splitlines()
    at = lines.index("Your applications")
    assert lines[at + 1:at + 4] == ["Milbank: callback (upcoming)", "Cravath: screener \u2192 callback \u2192 offer",
                                    "Latham: screener \u2192 rejection"]
    assert "Your applications" not in text_of(say(deps, "bob", "/progress"))


def test_progress_shows_at_most_five_applications(deps: Deps) -> None:
    for i in range(7):
        say(deps, "alice", f"/interview Firm{i} screener")
    lines = text_of(say(deps, "alice", "/progress")).splitlines()
    at = lines.index("Your applications")
    assert [line.split(":")[0] for line in lines[at + 1:at + 6]] == [f"Firm{i}" for i in (6, 5, 4, 3, 2)]
    assert not lines[at + 6].startswith("Firm")


def test_a_time_of_day_is_stored_and_shown_never_in_the_name(deps: Deps) -> None:
    reply = say(deps, "alice", "/interview callback at Cravath tomorrow 2pm")
    assert text_of(reply).startswith("Logged callback interview at Cravath, Sat 28 Nov at 2:00pm (upcoming)")
    assert deps.db.execute("SELECT org, subtype, happened_on, time_of_day, status FROM activities").fetchall() == [
        ("Cravath", "callback", "2026-11-28", "14:00", "planned")]


def test_a_rejection_gets_a_kind_practical_reply_and_the_path_so_far(deps: Deps) -> None:
    say(deps, "alice", "/interview Milbank screener yesterday")
    text = text_of(say(deps, "alice", "/interview rejected by Milbank"))
    assert "scores nothing and isn't one more interview" in text
    assert "the people you met are contacts now" in text
    assert "Path so far: screener → rejection." in text


def test_a_backdated_entry_is_stored_and_says_it_does_not_score(deps: Deps) -> None:
    text = text_of(say(deps, "alice", "/interview Cravath screener 2026-09-01"))
    assert "Saved, but it doesn't score" in text
    assert deps.db.execute("SELECT points FROM activities").fetchone() == (0,)
