"""Alert findings from the watch's daily counts: rules with threshold, volume and
persistence; anomalies that need a significant, lasting rise; severity from the size."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from palabre.customers import alerting, watch

START = dt.date(2025, 1, 1)
DAYS = 42


def _daily(spikes: dict[int, int], *, volume: int = 60, usual: int = 6) -> pl.DataFrame:
    """One segment (id 7), all-channel rows: ``usual`` discontented messages a day out of
    ``volume``, except on the days (offsets from START) given in ``spikes``."""
    rows = []
    for offset in range(DAYS):
        counts = dict.fromkeys(watch.COUNT_COLUMNS, 0)
        counts["volume"] = volume
        counts["n_discontent"] = spikes.get(offset, usual)
        rows.append(
            {
                "segment_id": 7,
                "channel_id": None,
                "day": START + dt.timedelta(days=offset),
                **counts,
                "sentiment_sum": 0.0,
            }
        )
    return pl.DataFrame(rows, schema_overrides={"channel_id": pl.Int64})


def _day(offset: int) -> dt.date:
    return START + dt.timedelta(days=offset)


def _rule(**fields: object) -> alerting.RuleSpec:
    values: dict[str, object] = {
        "id": 1,
        "segment_id": None,
        "signal": "discontent",
        "threshold": 0.2,
        "min_volume": 10,
        "persistence_days": 1,
    }
    values.update(fields)
    return alerting.RuleSpec(**values)  # type: ignore[arg-type]


def test_a_rule_fires_on_the_days_the_share_is_above_its_threshold() -> None:
    daily = _daily({40: 30})  # 50 % on day 40, 10 % on the others
    days = [_day(39), _day(40), _day(41)]
    found = alerting.rule_findings(daily, [_rule()], days)
    assert [(f.day, f.segment_id, f.key) for f in found] == [(_day(40), 7, "rule:1")]
    assert found[0].value == pytest.approx(0.5)
    assert found[0].baseline == pytest.approx(0.1)
    assert found[0].severity == "high"  # 2.5 times the threshold


def test_persistence_needs_consecutive_days_above_the_threshold() -> None:
    blip = _daily({40: 30})
    lasting = _daily({39: 15, 40: 15})
    rule = _rule(persistence_days=2)
    assert alerting.rule_findings(blip, [rule], [_day(40)]) == []
    found = alerting.rule_findings(lasting, [rule], [_day(40)])
    assert len(found) == 1
    assert found[0].severity == "low"  # 25 % is 1.25 times the threshold
    assert found[0].value == pytest.approx(0.25)


def test_days_with_too_few_messages_never_fire_a_rule() -> None:
    daily = _daily({40: 3}, volume=4)  # 75 % of 4 messages
    assert alerting.rule_findings(daily, [_rule(min_volume=10)], [_day(40)]) == []
    assert len(alerting.rule_findings(daily, [_rule(min_volume=4)], [_day(40)])) == 1


def test_a_rule_on_another_segment_or_signal_stays_quiet() -> None:
    daily = _daily({40: 30})
    assert alerting.rule_findings(daily, [_rule(segment_id=8)], [_day(40)]) == []
    assert alerting.rule_findings(daily, [_rule(signal="praise")], [_day(40)]) == []
    with pytest.raises(ValueError, match="unknown signal"):
        alerting.rule_findings(daily, [_rule(signal="anger")], [_day(40)])


def test_a_one_day_blip_is_no_anomaly_but_a_lasting_rise_is() -> None:
    blip = _daily({41: 24})
    lasting = _daily({40: 24, 41: 24})
    assert alerting.anomaly_findings(blip, [_day(41)], persistence=2) == []
    # With a persistence of one day the same blip would page.
    assert len(alerting.anomaly_findings(blip, [_day(41)], persistence=1)) == 1
    found = alerting.anomaly_findings(lasting, [_day(41)], persistence=2)
    assert [(f.kind, f.signal, f.day) for f in found] == [("anomaly", "discontent", _day(41))]
    finding = found[0]
    assert finding.change == pytest.approx(3.0)  # 24 observed, 6 expected
    assert finding.severity == "high"
    assert finding.p_value is not None
    assert finding.p_value < 0.01


def test_variation_within_the_usual_range_raises_nothing() -> None:
    daily = _daily({40: 8, 41: 9})  # 13-15 % against 10 %: within noise at 60 a day
    assert alerting.anomaly_findings(daily, [_day(40), _day(41)], persistence=1) == []


def test_rises_of_good_signals_and_falls_are_no_anomaly() -> None:
    falling = _daily({40: 0, 41: 0}, usual=20)
    assert alerting.anomaly_findings(falling, [_day(41)], persistence=1) == []
    praise = _daily({}).with_columns(
        pl.when(pl.col("day") >= _day(40)).then(40).otherwise(5).alias("n_praise")
    )
    assert alerting.anomaly_findings(praise, [_day(41)], persistence=1) == []


@pytest.mark.parametrize(
    ("change", "severity"), [(0.3, "low"), (0.5, "medium"), (0.99, "medium"), (1.0, "high")]
)
def test_severity_grows_with_the_size_of_the_change(change: float, severity: str) -> None:
    assert alerting.change_severity(change) == severity
    assert alerting.excess_severity(0.2 * (1 + change), 0.2) == severity


def test_a_signal_rising_from_nothing_is_a_high_anomaly_without_a_ratio() -> None:
    daily = _daily({40: 30, 41: 30}, usual=0)
    [finding] = alerting.anomaly_findings(daily, [_day(41)], persistence=2)
    assert finding.change is None
    assert finding.baseline == pytest.approx(30 / (28 * 60))  # day 40 is in the baseline
    assert finding.severity == "high"
