"""Customers at risk: the reference model ranks a customer who fades and talks of leaving
above a steady, happy one, and says why in both languages."""

from __future__ import annotations

import datetime as dt

from palabre.customers import risk
from palabre.customers.features import CustomerRow, MessageRow

AS_OF = dt.date(2025, 6, 1)


def _history() -> tuple[list[MessageRow], list[dict[str, float]]]:
    messages: list[MessageRow] = []
    signals: list[dict[str, float]] = []
    start = dt.datetime(2024, 9, 1, 10, tzinfo=dt.UTC)
    for week in range(39):
        when = start + dt.timedelta(weeks=week)
        messages.append(MessageRow("steady", when, "community"))
        signals.append({"praise": 0.8})
        # "leaving" wrote every week too, then went quiet and came back angry.
        if week < 30 or week in (36, 38):
            late = week >= 36
            messages.append(MessageRow("leaving", when, "support" if late else "community"))
            signals.append({"drifting_away": 0.9, "discontent": 0.8} if late else {})
    return messages, signals


def test_a_fading_customer_who_talks_of_leaving_ranks_first_with_reasons() -> None:
    messages, signals = _history()
    customers = [CustomerRow("steady"), CustomerRow("leaving")]
    ranked = risk.score_customers(risk.reference_model(), customers, messages, signals, AS_OF)
    assert [r.customer for r in ranked] == ["leaving", "steady"]
    leaving, steady = ranked
    assert 0.0 < steady.probability < leaving.probability < 1.0
    assert leaving.reasons
    assert all(r.text_fr and r.text_en for r in leaving.reasons)
    assert any(r.contribution > 0 for r in leaving.reasons)
    top = risk.score_customers(risk.reference_model(), customers, messages, signals, AS_OF, top=1)
    assert [r.customer for r in top] == ["leaving"]
