"""build_features: what a customer looks like at a date, from what was known before it."""

from __future__ import annotations

import datetime as dt

import pytest

from palabre.customers.features import (
    BEHAVIOUR_FEATURES,
    TEXT_FEATURES,
    CustomerRow,
    MessageRow,
    build_features,
)
from palabre.errors import ValidationError

AS_OF = dt.datetime(2025, 9, 1, tzinfo=dt.UTC)


def at(days_before: float) -> dt.datetime:
    return AS_OF - dt.timedelta(days=days_before)


def test_each_row_holds_crm_behaviour_and_text_features() -> None:
    customers = [CustomerRow("c1", {"contract": "monthly", "signup_date": dt.date(2025, 8, 2)})]
    table = build_features(customers, [], None, AS_OF)
    row = table.rows[0]
    assert table.ids == ["c1"]
    assert row["crm:contract"] == "monthly"
    assert row["crm:signup_date"] == 30.0  # dates become days before as_of
    assert set(BEHAVIOUR_FEATURES) | set(TEXT_FEATURES) <= set(row)


def test_messages_on_or_after_as_of_are_ignored() -> None:
    customers = [CustomerRow("c1")]
    past = [
        MessageRow("c1", at(200), "community"),
        MessageRow("c1", at(10), "email"),
    ]
    future = [
        MessageRow("c1", AS_OF, "email"),  # at as_of: not known yet
        MessageRow("c1", at(-5), "email"),
        MessageRow("c1", at(-40), "support"),
    ]
    angry = {"discontent": 0.9, "drifting_away": 0.9}
    calm: dict[str, float] = {}
    before = build_features(customers, past, [calm, angry], AS_OF)
    with_future = build_features(
        customers, past + future, [calm, angry, angry, angry, angry], AS_OF
    )
    assert with_future.rows == before.rows
    assert before.rows[0]["discontent_count_30d"] == 1
    assert before.rows[0]["messages_90d"] == 1


def test_activity_drift_compares_recent_weeks_with_the_customer_s_own_baseline() -> None:
    # Four messages a month for the baseline (days 91-270), none in the last 60 days.
    history = [MessageRow("c1", at(270 - 7.5 * i), "community") for i in range(24)]
    history += [MessageRow("c1", at(61), "community"), MessageRow("c1", at(75), "community")]
    row = build_features([CustomerRow("c1")], history, None, AS_OF).rows[0]
    assert row["has_baseline"] is True
    assert row["activity_change_30d"] == pytest.approx((0 + 1) / (4 + 1) - 1)
    assert row["silence_days"] == pytest.approx(61)
    assert row["silence_vs_usual"] == pytest.approx(61 * 4 / 30)
    assert row["longest_silence_90d"] == pytest.approx(61)


def test_channel_changes_and_replies_are_measured_against_the_baseline() -> None:
    history = [MessageRow("c1", at(100 + d), "community", is_reply=True) for d in range(0, 60, 6)]
    history += [MessageRow("c1", at(5 + d), "email") for d in range(0, 40, 8)]
    row = build_features([CustomerRow("c1")], history, None, AS_OF).rows[0]
    assert row["channel_change"] == pytest.approx(1.0)
    assert row["private_share_change"] == pytest.approx(1.0)
    assert row["reply_ratio_change"] == pytest.approx(-1.0)


def test_a_customer_who_never_wrote_has_no_silence_value_and_no_baseline() -> None:
    row = build_features([CustomerRow("c1")], [], None, AS_OF).rows[0]
    assert row["silence_days"] is None
    assert row["has_baseline"] is False
    assert row["messages_90d"] == 0


def test_signals_must_be_aligned_with_messages() -> None:
    with pytest.raises(ValidationError, match="aligned"):
        build_features([CustomerRow("c1")], [MessageRow("c1", at(3), "email")], [], AS_OF)


def test_a_naive_as_of_or_a_duplicate_customer_is_refused() -> None:
    with pytest.raises(ValidationError, match="time zone"):
        build_features([CustomerRow("c1")], [], None, dt.datetime(2025, 9, 1))
    with pytest.raises(ValidationError, match="appears twice"):
        build_features([CustomerRow("c1"), CustomerRow("c1")], [], None, AS_OF)
