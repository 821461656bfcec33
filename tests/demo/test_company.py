"""The demo company: deterministic, scaled, memory-bounded, and true to its ground truth."""

from __future__ import annotations

import datetime as dt
import hashlib
import statistics
import tracemalloc
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import pytest

from palabre.connectors.records import (
    ChannelRecord,
    MessageRecord,
    PersonRecord,
    Record,
    ThreadRecord,
)
from palabre.demo import DemoCompany, MessageTruth, generate_company
from palabre.errors import ValidationError
from palabre.identity.rules import parse_rule, person_values


def fingerprint(records: Iterable[Record | PersonRecord]) -> str:
    digest = hashlib.sha256()
    for record in records:
        digest.update(repr(record).encode())
    return digest.hexdigest()


def message_count(company: DemoCompany) -> int:
    return sum(isinstance(r, MessageRecord) for r in company.records())


@dataclass
class Run:
    company: DemoCompany
    people: dict[str, PersonRecord]
    messages: list[MessageRecord]
    truth: dict[str, MessageTruth]
    records: list[Record]


@pytest.fixture(scope="module")
def small() -> Run:
    company = generate_company("small", seed=7)
    truth: dict[str, MessageTruth] = {}
    records = list(company.records(lambda t: truth.__setitem__(t.id, t)))
    messages = [r for r in records if isinstance(r, MessageRecord)]
    people = {p.external_id: p for p in company.people()}
    return Run(company, people, messages, truth, records)


# -- determinism and scale ---------------------------------------------------------------


def test_the_same_seed_gives_identical_people_records_and_truth() -> None:
    first, second = generate_company("tiny", seed=3), generate_company("tiny", seed=3)
    assert fingerprint(first.people()) == fingerprint(second.people())
    assert fingerprint(first.records()) == fingerprint(second.records())
    assert first.ground_truth() == second.ground_truth()


def test_replaying_one_company_gives_the_same_records() -> None:
    company = generate_company("tiny", seed=5)
    assert fingerprint(company.records()) == fingerprint(company.records())


def test_another_seed_gives_another_company() -> None:
    first, second = generate_company("tiny", seed=1), generate_company("tiny", seed=2)
    assert fingerprint(first.people()) != fingerprint(second.people())
    assert fingerprint(first.records()) != fingerprint(second.records())
    assert first.ground_truth()["churned"] != second.ground_truth()["churned"]


@pytest.mark.parametrize(
    ("scale", "customers", "employees", "target"),
    [("tiny", 150, 40, 2_000), ("small", 600, 120, 20_000), (6_000, 150, 40, 6_000)],
)
def test_a_scale_sets_the_population_and_the_number_of_messages(
    scale: str | int, customers: int, employees: int, target: int
) -> None:
    company = generate_company(scale, seed=11)
    kinds: dict[str, int] = defaultdict(int)
    for person in company.people():
        kinds[person.kind] += 1
    assert kinds == {"customer": customers, "employee": employees}
    assert abs(message_count(company) - target) <= 0.15 * target


@pytest.mark.parametrize("scale", ["huge", 10, 20_000_000, "-5"])
def test_an_unknown_or_out_of_range_scale_is_refused(scale: str | int) -> None:
    with pytest.raises(ValidationError, match="scale"):
        generate_company(scale)


def test_memory_does_not_grow_with_the_number_of_messages() -> None:
    def peak(scale: int) -> tuple[int, int]:
        tracemalloc.start()
        count = message_count(generate_company(scale, seed=9))
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return count, top

    few, few_peak = peak(10_000)
    many, many_peak = peak(25_000)
    assert many > 2.2 * few
    # Two and a half times the messages, same population: the peak stays about the same.
    assert many_peak < 1.3 * few_peak, (few_peak, many_peak)


# -- records -------------------------------------------------------------------------------


def test_records_leave_in_time_order_with_channels_first(small: Run) -> None:
    kinds = [type(r).__name__ for r in small.records]
    first_message = kinds.index("MessageRecord")
    assert all(k in ("ChannelRecord", "IdentityRecord") for k in kinds[:first_message])
    times = [r.created_at for r in small.messages]
    assert times == sorted(times)
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    assert start <= times[0]
    assert times[-1] < start + dt.timedelta(days=365)
    channels = {r.external_id: r.kind for r in small.records if isinstance(r, ChannelRecord)}
    assert {"community", "social", "support", "email", "chat", "intranet", "survey"} <= set(
        channels.values()
    )
    assert {m.channel_external_id for m in small.messages} <= set(channels)


def test_every_message_has_its_truth_and_replies_follow_their_parent(small: Run) -> None:
    assert set(small.truth) == {m.external_id for m in small.messages}
    assert len(small.truth) == len(small.messages)
    by_id = {m.external_id: m for m in small.messages}
    replies = [m for m in small.messages if m.reply_to_external_id]
    assert len(replies) > 0.2 * len(small.messages)
    for reply in replies:
        parent = by_id[reply.reply_to_external_id or ""]
        assert parent.created_at <= reply.created_at
        assert reply.thread_external_id in (parent.thread_external_id, parent.external_id)
    threads = {r.external_id for r in small.records if isinstance(r, ThreadRecord)}
    assert threads
    assert threads <= set(by_id)


def test_authors_are_identities_the_people_declare(small: Run) -> None:
    declared: set[str | None] = set()
    for person in small.people.values():
        declared.update(f"email:{e}" for e in person.emails)
        declared.update(i.external_id for i in person.identities)
    anonymous = {a for a, _ in small.company.world.anonymous}
    authors = {m.author_external_id for m in small.messages}
    assert authors <= declared | anonymous
    assert authors & anonymous, "the public talks about the brand too"
    for message in small.messages:
        for reaction in message.reactions:
            assert reaction.author_external_id in declared
        assert set(message.mentions) <= declared


# -- ground truth ----------------------------------------------------------------------------


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def test_customers_who_leave_never_post_after_their_churn_date(small: Run) -> None:
    truth = small.company.ground_truth()
    churn = {
        c["id"]: dt.date.fromisoformat(c["churn_date"])
        for c in truth["customers"]
        if c["churn_date"]
    }
    assert len(churn) >= 20
    assert set(truth["churned"]) == set(churn)
    for message in small.messages:
        author = small.truth[message.external_id].author
        if author in churn:
            assert message.created_at.date() < churn[author], (author, message.external_id)
    silent = [c for c in truth["customers"] if c["churn_date"] and c["silent"]]
    assert silent, "some customers leave without a word"


def test_cause_messages_come_after_the_cause_starts_in_its_segment(small: Run) -> None:
    truth = small.company.ground_truth()
    causes = {c["key"]: (parse_rule(c["segment_rule"]), _day(c["start"])) for c in truth["causes"]}
    reaction = {c["id"]: _day(c["reaction_date"]) for c in truth["customers"]}
    counted: dict[str, int] = defaultdict(int)
    for message in small.messages:
        meant = small.truth[message.external_id]
        if meant.cause is None:
            continue
        rule, start = causes[meant.cause]
        assert rule.evaluate(person_values(small.people[meant.author])), meant
        assert start is not None
        assert message.created_at.date() >= start, meant
        assert message.created_at.date() >= (reaction[meant.author] or dt.date.max)
        counted[meant.cause] += 1
    assert set(counted) == set(causes)


def test_trends_are_never_mentioned_before_they_start(small: Run) -> None:
    truth = small.company.ground_truth()
    starts = {t["key"]: _day(t["start"]) for t in truth["trends"]}
    terms = {t["key"]: [term.casefold() for term in t["terms"]] for t in truth["trends"]}
    seen: dict[str, int] = defaultdict(int)
    for message in small.messages:
        text = message.text.casefold()
        for key, words in terms.items():
            if any(word in text for word in words if word != "retrait en magasin"):
                start = starts[key]
                assert start is not None
                assert message.created_at.date() >= start, message.text
                seen[key] += 1
    assert seen["click_collect"] > 50
    assert seen["packaging"] > 20
    assert seen["cargo"] > 3


def test_flag_bearers_draw_echoes_from_customers_of_their_cause(small: Run) -> None:
    truth = small.company.ground_truth()
    bearers = {b["id"] for b in truth["flag_bearers"]}
    assert len(bearers) >= 6
    assert bearers <= set(truth["influencers"])
    echoes: dict[str, int] = defaultdict(int)
    for message in small.messages:
        meant = small.truth[message.external_id]
        if meant.kind == "echo":
            parent = small.truth[message.reply_to_external_id or ""]
            assert meant.cause == parent.cause
            assert parent.cause is not None
            echoes[parent.id] += 1
    per_post: dict[bool, list[int]] = defaultdict(list)
    for message in small.messages:
        meant = small.truth[message.external_id]
        if meant.cause and meant.kind == "post" and message.channel_external_id != "idees":
            per_post[meant.author in bearers].append(echoes[meant.id])
    # A flag bearer's complaint is echoed several times more than anyone else's.
    assert statistics.mean(per_post[True]) > 4 * statistics.mean(per_post[False])


def test_the_initiative_shortens_first_responses_in_treated_teams_only(small: Run) -> None:
    truth = small.company.ground_truth()["initiative"]
    start = _day(truth["start"])
    team_of = {f"email:{e}": "/".join(p.team_path) for p in small.people.values() for e in p.emails}
    roots = {m.external_id: m for m in small.messages if m.channel_external_id == "support"}
    first: dict[str, tuple[str, float]] = {}
    for message in small.messages:
        parent = roots.get(message.reply_to_external_id or "")
        author_team = team_of.get(message.author_external_id or "", "")
        if parent is None or parent.reply_to_external_id or not author_team:
            continue
        hours = (message.created_at - parent.created_at).total_seconds() / 3600
        first.setdefault(parent.external_id, (author_team, hours))
    split: dict[tuple[str, bool], list[float]] = defaultdict(list)
    for ticket, (team, hours) in first.items():
        assert start is not None
        split[(team, roots[ticket].created_at.date() >= start)].append(hours)

    def ratio(team: str) -> float:
        return statistics.median(split[(team, True)]) / statistics.median(split[(team, False)])

    for team in truth["treated_teams"]:
        assert 0.45 < ratio(team) < 0.75, team
    for team in truth["control_teams"]:
        assert 0.8 < ratio(team) < 1.25, team


def test_teams_losing_motivation_score_lower_in_pulses(small: Run) -> None:
    truth = small.company.ground_truth()
    low = {t["team"]: _day(t["start"]) for t in truth["low_morale_teams"]}
    team_of = {p.external_id: "/".join(p.team_path) for p in small.people.values()}
    before: dict[str, list[int]] = defaultdict(list)
    after: dict[str, list[int]] = defaultdict(list)
    for message in small.messages:
        meant = small.truth[message.external_id]
        if meant.kind != "pulse":
            continue
        score = int(message.text.split("/10")[0])  # the documented answer format
        assert score == meant.pulse_score
        team = team_of[meant.author]
        started = low.get(team) or dt.date(2025, 6, 1)
        late = message.created_at.date() >= started + dt.timedelta(days=28)
        (after if late else before)[team].append(score)
    for team, scores in after.items():
        drop = statistics.mean(before[team]) - statistics.mean(scores)
        if team in low:
            assert drop > 1.5, team
        elif len(scores) >= 20:
            assert abs(drop) < 1.0, team


def test_ideas_get_votes_in_line_with_their_true_appeal(small: Run) -> None:
    ideas = {i["id"]: i["appeal"] for i in small.company.ground_truth()["ideas"]}
    votes = {m.external_id: len(m.reactions) for m in small.messages if m.external_id in ideas}
    assert set(votes) == set(ideas)
    ranked = sorted(ideas, key=ideas.__getitem__)
    half = len(ranked) // 2
    low = statistics.mean(votes[i] for i in ranked[:half])
    high = statistics.mean(votes[i] for i in ranked[half:])
    assert high > 2 * low


def test_ground_truth_is_written_apart_in_plain_json(tmp_path: pytest.TempPathFactory) -> None:
    import json
    from pathlib import Path

    folder = Path(str(tmp_path)) / "truth"
    company = generate_company("tiny", seed=4)
    company.write_ground_truth(folder)
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    assert truth == json.loads(json.dumps(company.ground_truth()))
    lines = (folder / "messages.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == message_count(company)
    assert {"id", "author", "signals", "language", "kind"} <= set(json.loads(lines[0]))
    assert sorted(p.name for p in folder.iterdir()) == ["messages.jsonl", "truth.json"]
