"""The demo company as canonical records, its ground truth, and the connector that loads it.

``generate_company(scale, seed)`` draws the plan (cheap) and returns a
:class:`DemoCompany` that streams people and records on demand: each call to
:meth:`DemoCompany.records` replays the same year from the seed, so nothing is held.

The ground truth (who leaves and why, causes, influencers, trends, morale, the
initiative, ideas' true appeal, and optionally each message's intended signals) is
written apart, in a folder the caller chooses, never in the store.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import orjson

from palabre.connectors.base import Connector
from palabre.connectors.records import MessageRecord, PersonIdentity, PersonRecord, Record
from palabre.demo.activity_staff import CAMPAIGNS, PULSE_BASE, PULSE_DROP, plan_ideas, pulse_days
from palabre.demo.crowd_plan import plan_crowd
from palabre.demo.simulate import MessageTruth, Simulator
from palabre.demo.world import (
    CAUSES,
    COMPANY,
    DAYS,
    LOCALES,
    START,
    TRENDS,
    World,
    build_world,
    resolve_scale,
)
from palabre.errors import ValidationError
from palabre.identity.rules import parse_rule

TruthSink = Callable[[MessageTruth], None]


def _date(day: int | None) -> str | None:
    return None if day is None else (START + dt.timedelta(days=day)).isoformat()


class DemoCompany:
    """One simulated company: people, records (streamed) and ground truth."""

    def __init__(self, world: World, source: str = "demo") -> None:
        self.world = world
        self.source = source

    @property
    def seed(self) -> int:
        """The seed everything was drawn from."""
        return self.world.seed

    def people(self) -> Iterator[PersonRecord]:
        """Customers (CRM) and employees (HR), with the identities they use on each channel."""
        observed = dt.datetime.combine(START, dt.time(), tzinfo=dt.UTC)
        src = self.source
        for c in self.world.customers:
            yield PersonRecord(
                external_id=c.external_id,
                display_name=c.name,
                kind="customer",
                locale=LOCALES[c.country],
                emails=(c.email,),
                identities=(
                    PersonIdentity(src, f"forum:{c.handle}", handle=c.handle),
                    PersonIdentity(src, f"social:{c.social}", handle=c.social),
                ),
                attributes=tuple(c.attributes().items()),
                observed_at=observed,
            )
        for e in self.world.employees:
            identities = [PersonIdentity(src, f"chat:{e.handle}", handle=e.handle)]
            if e.function == "community":
                identities.append(PersonIdentity(src, f"forum:{e.handle}", handle=e.handle))
            yield PersonRecord(
                external_id=e.external_id,
                display_name=e.name,
                kind="employee",
                locale="en-GB" if e.voice.language == "en" else "fr-CH",
                emails=(e.email,),
                identities=tuple(identities),
                attributes=(
                    ("hire_date", e.hire_date),
                    ("role", e.role),
                    ("department", e.team[0]),
                    ("manager", e.manager),
                ),
                team_path=e.team,
                team_role="manager" if e.manager else "member",
                team_since=e.hire_date,
                observed_at=observed,
            )

    def records(self, truth: TruthSink | None = None) -> Iterator[Record]:
        """Channels, identities, threads and messages in time order (replayed from the seed).

        ``truth`` receives each message's :class:`MessageTruth` as it leaves.
        """
        for record, message_truth in Simulator(self.world, self.source).stream():
            if truth is not None and message_truth is not None:
                truth(message_truth)
            yield record

    def ground_truth(self) -> dict[str, Any]:
        """Everything planted, as plain JSON-ready data (no per-message part)."""
        world = self.world
        customers = world.customers
        reacting = [c for c in customers if c.react_day is not None]
        followers: dict[str, list[str]] = {}
        for c in customers:
            if c.influenced_by:
                followers.setdefault(c.influenced_by, []).append(c.external_id)
        by_id = {c.external_id: c for c in customers}
        causes = []
        for cause in CAUSES:
            rule = parse_rule(cause.rule)
            segment = [c for c in customers if rule.evaluate(dict(c.attributes()))]
            mine = [c for c in customers if c.cause == cause.key]
            causes.append(
                {
                    "key": cause.key,
                    "label": cause.label,
                    "segment_rule": cause.rule,
                    "segment_size": len(segment),
                    "start": _date(cause.start),
                    "reacting": len(mine),
                    "churned": sum(1 for c in mine if c.churn_day is not None),
                    "signals": dict(cause.signals),
                }
            )
        sim = Simulator(world, self.source)
        ideas = plan_ideas(world, sim)
        return {
            "company": COMPANY,
            "seed": world.seed,
            "scale": {
                "name": world.scale.name,
                "customers": world.scale.customers,
                "employees": world.scale.employees,
                "messages_target": world.scale.messages,
            },
            "source": self.source,
            "period": {"start": _date(0), "end": _date(DAYS - 1)},
            "causes": causes,
            "customers": [
                {
                    "id": c.external_id,
                    "cause": c.cause,
                    "reaction_date": _date(c.react_day),
                    "churn_date": _date(c.churn_day),
                    "churn_reason": c.churn_reason,
                    "silent": c.silent,
                    "influenced_by": c.influenced_by,
                }
                for c in reacting
            ],
            "churned": sorted(c.external_id for c in customers if c.churn_day is not None),
            "influencers": sorted(c.external_id for c in customers if c.influencer),
            "flag_bearers": [
                {
                    "id": bearer,
                    "cause": by_id[bearer].cause,
                    "followers": by_id[bearer].followers,
                    "influenced": sorted(followers.get(bearer, [])),
                }
                for bearer in world.flag_bearers
            ],
            "trends": [
                {
                    "key": t.key,
                    "label": t.label,
                    "terms": list(t.terms),
                    "start": _date(t.start),
                    "strength": t.strength,
                }
                for t in TRENDS
            ],
            "low_morale_teams": [
                {"team": "/".join(team), "start": _date(day), "pulse_drop": PULSE_DROP}
                for team, day in sorted(world.low_morale.items())
            ],
            "pulse": {
                "channel": "barometre",
                "base_score": PULSE_BASE,
                "dates": [_date(d) for d in pulse_days()],
                "format": "answer text starts with 'N/10'; an optional comment follows",
            },
            "initiative": {
                "key": world.initiative.key,
                "label": world.initiative.label,
                "start": _date(world.initiative.start),
                "treated_teams": ["/".join(t) for t in world.initiative.treated],
                "control_teams": ["/".join(t) for t in world.initiative.control],
                "kpi": world.initiative.kpi,
                "effect_multiplier": world.initiative.multiplier,
                "baseline_median_hours": dict(world.initiative.baseline_hours),
            },
            "campaigns": [
                {"key": key, "start": first.isoformat(), "end": last.isoformat()}
                for key, first, last in CAMPAIGNS
            ],
            "ideas": [
                {
                    "id": idea.external_id,
                    "campaign": idea.campaign,
                    "title": idea.title,
                    "author": idea.author,
                    "appeal": idea.appeal,
                }
                for idea in ideas
            ],
            "teams": {
                "/".join(path): [e.external_id for e in members]
                for path, members in world.teams.items()
            },
            "crowd": plan_crowd(world),
        }

    def write_ground_truth(self, folder: Path | str, *, messages: bool = True) -> Path:
        """Write ``truth.json`` (and ``messages.jsonl`` unless ``messages=False``) in ``folder``.

        Each file is written under a temporary name and renamed when complete.
        """
        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        _write_atomic(
            target / "truth.json",
            lambda out: out.write(orjson.dumps(self.ground_truth(), option=orjson.OPT_INDENT_2)),
        )
        if messages:

            def write(out: Any) -> None:
                for _ in self.records(lambda t: out.write(orjson.dumps(t.as_dict()) + b"\n")):
                    pass

            _write_atomic(target / "messages.jsonl", write)
        return target


def _write_atomic(path: Path, write: Callable[[Any], object]) -> None:
    temporary = path.with_name(path.name + ".part")
    try:
        with temporary.open("wb") as out:
            write(out)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def generate_company(
    scale: str | int = "default", seed: int = 42, source: str = "demo"
) -> DemoCompany:
    """Draw the demo company for ``scale`` (tiny, small, default or a message count)."""
    if not source:
        raise ValidationError("the demo source name must not be empty")
    return DemoCompany(build_world(resolve_scale(scale), int(seed)), source)


class DemoConnector(Connector):
    """Loads the demo company through the ordinary import path.

    ``run_import(sessions, DemoConnector(scale="tiny", seed=42))``. With ``truth_dir``,
    each message's intended signals are written to ``truth_dir/messages.jsonl`` as the
    records stream (renamed into place once the last record has left).
    """

    kind: ClassVar[str] = "demo"
    description: ClassVar[str] = "the simulated demo company (palabre demo)"
    default_channel_kind = "chat"

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        scale: str | int = "tiny",
        seed: int = 42,
        source: str = "demo",
        truth_dir: Path | str | None = None,
        **options: object,
    ) -> None:
        super().__init__(path or f"demo:{scale}:seed-{seed}", **options)
        self.company = generate_company(scale, seed, source)
        self.truth_dir = Path(truth_dir) if truth_dir is not None else None

    @property
    def default_source(self) -> str:
        """Records are keyed under the company's source name (``demo``)."""
        return self.company.source

    def check(self) -> None:
        """Nothing to check: the input is drawn, not read."""

    def total(self) -> int | None:
        """Roughly how many records will come (people plus the messages aimed at)."""
        scale = self.company.world.scale
        return scale.customers + scale.employees + scale.messages

    def records(self) -> Iterator[Record]:
        """People first (so that their declared identities exist), then the year."""
        for person in self.company.people():
            self.position += 1
            yield person
        if self.truth_dir is None:
            for record in self.company.records():
                self.position += isinstance(record, MessageRecord)
                yield record
            return
        self.truth_dir.mkdir(parents=True, exist_ok=True)
        final = self.truth_dir / "messages.jsonl"
        temporary = final.with_name(final.name + ".part")
        try:
            with temporary.open("wb") as out:

                def sink(meant: MessageTruth) -> None:
                    out.write(orjson.dumps(meant.as_dict()) + b"\n")

                for record in self.company.records(sink):
                    self.position += isinstance(record, MessageRecord)
                    yield record
            os.replace(temporary, final)
        finally:
            temporary.unlink(missing_ok=True)
