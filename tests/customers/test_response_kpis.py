"""Response-time KPIs per segment, exact on hand-made answer times."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from palabre.customers import inbox
from palabre.errors import ValidationError
from tests.customers.dialogue_world import World, hours


def _kpi_world(session: Session) -> World:
    """Six questions answered by Eve after 1, 2, 3 and 30 hours, one open, one dismissed."""
    w = World(session)
    for name in ("Alice", "Bob", "Carol"):
        w.person(name, "customer")
    w.person("Eve", "employee")
    w.channel("support", "support")
    delays = {"q1": ("Alice", 1), "q2": ("Bob", 2), "q3": ("Carol", 3), "q4": ("Alice", 30)}
    for n, (key, (author, delay)) in enumerate(delays.items()):
        w.say(key, author, "support", key, hours(n), "Why?")
        w.say(f"{key}-answer", "Eve", "support", key, hours(n + delay), "Because.")
    w.say("q5", "Bob", "support", "q5", hours(10), "Anyone?")
    w.say("q6", "Carol", "support", "q6", hours(11), "Spam?")
    # An answer after the reading time does not count yet: q7 is still open then.
    w.say("q7", "Alice", "support", "q7", hours(12), "Late?")
    w.say("q7-answer", "Eve", "support", "q7", hours(200), "Sorry.")
    w.segment("Gold", "Alice", "Carol")
    return w


def test_kpis_give_median_p90_share_within_24h_and_open_count(session: Session) -> None:
    w = _kpi_world(session)
    analyst = w.account("analyst", "ana")
    inbox.dismiss(session, analyst, w.messages["q6"].id, "spam")
    overall, gold = inbox.response_kpis(session, "analyst", as_of=hours(100), days=30)
    # Answered after 1, 2, 3 and 30 hours; q5 and q7 open; q6 dismissed.
    assert (overall.segment_id, overall.questions, overall.answered) == (None, 6, 4)
    assert (overall.open, overall.dismissed) == (2, 1)
    assert overall.median_hours == pytest.approx(2.5)
    assert overall.p90_hours == pytest.approx(30)
    assert overall.within_24h == pytest.approx(3 / 6)
    # Gold (Alice and Carol): q1 (1 h), q3 (3 h), q4 (30 h), q7 open, q6 dismissed.
    assert (gold.segment, gold.questions, gold.answered, gold.open, gold.dismissed) == (
        "Gold",
        4,
        3,
        1,
        1,
    )
    assert (gold.median_hours, gold.p90_hours) == (pytest.approx(3), pytest.approx(30))
    assert gold.within_24h == pytest.approx(2 / 4)


def test_kpis_count_only_questions_posted_in_the_window(session: Session) -> None:
    _kpi_world(session)
    (overall, _gold) = inbox.response_kpis(session, "analyst", as_of=hours(11), days=1)
    # Posted in [hours(-13), hours(11)): q1..q4 and q5; q4's answer (hour 33) is later.
    assert (overall.questions, overall.answered, overall.open) == (5, 3, 2)
    assert overall.within_24h == pytest.approx(3 / 5)


def test_an_empty_period_has_no_figures_and_a_bad_window_is_refused(session: Session) -> None:
    _kpi_world(session)
    (overall, gold) = inbox.response_kpis(session, "analyst", as_of=hours(-100), days=1)
    assert (overall.questions, overall.median_hours, overall.within_24h) == (0, None, None)
    assert gold.p90_hours is None
    with pytest.raises(ValidationError, match="days"):
        inbox.response_kpis(session, "analyst", days=0)


def test_nearest_rank_percentile() -> None:
    assert inbox.nearest_rank([5.0, 1.0, 3.0], 0.9) == 5.0
    assert inbox.nearest_rank(list(map(float, range(1, 11))), 0.9) == 9.0
    assert inbox.nearest_rank([2.0], 0.9) == 2.0


def test_the_window_ends_now_while_questions_are_recent_else_after_the_newest(
    session: Session,
) -> None:
    _kpi_world(session)
    # q7, the newest question, was posted at hours(12) = 2026-03-02 21:00 UTC.
    assert inbox.latest_question_at(session, "analyst") == hours(12)
    assert inbox.question_period(session, "analyst", days=30, now=hours(100)) == inbox.Period(
        hours(100 - 30 * 24), hours(100), shifted=False
    )
    # Nothing in the 30 days before hours(1000): the 30 days up to the newest's day.
    period = inbox.question_period(session, "analyst", days=30, now=hours(1000))
    assert period.shifted
    end = period.end
    assert period.start == end - dt.timedelta(days=30)
    assert end.isoformat() == "2026-03-03T00:00:00+00:00"
    (overall, _gold) = inbox.response_kpis(session, "analyst", as_of=end, days=30)
    assert overall.questions == 7


def test_without_a_question_the_window_ends_now(session: Session) -> None:
    assert inbox.latest_question_at(session, "analyst") is None
    assert not inbox.question_period(session, "analyst", days=30).shifted
    with pytest.raises(ValidationError, match="days"):
        inbox.question_period(session, "analyst", days=0)


def test_the_newest_question_is_found_behind_many_newer_messages_that_are_not(
    session: Session,
) -> None:
    w = _kpi_world(session)
    # 300 later employee messages (more than a first batch) in their own threads.
    for n in range(300):
        w.say(f"e{n}", "Eve", "support", f"news{n}", hours(20 + n), "News.")
    assert inbox.latest_question_at(session, "analyst") == hours(12)
