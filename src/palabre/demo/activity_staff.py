"""One day of employee activity: team chat, kudos, intranet, pulse surveys, idea campaigns.

Pulse answers are replies to the monthly pulse question in the ``barometre`` survey
channel; each answer's text starts with its score, ``7/10``, optionally followed by a
comment on the next line. Ideas are root messages of the ``idees`` channel (their
title is the idea's title), votes are 👍 reactions on them and comments are replies.
Teams losing motivation (from a planted day on) write more weary chat lines, give and
receive fewer kudos, and score lower in pulses.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from palabre.connectors.records import MessageRecord, Reaction
from palabre.demo.activity_customers import _after, _truth, day_of, poisson
from palabre.demo.simulate import END, Day, team_channel
from palabre.demo.text import BANKS, MONTHS
from palabre.demo.world import DAYS, START, Customer, Employee, World

if TYPE_CHECKING:
    from palabre.demo.simulate import Simulator

#: (key, first day, last day) of the idea campaigns
CAMPAIGNS: tuple[tuple[str, dt.date, dt.date], ...] = (
    ("durable", dt.date(2025, 3, 3), dt.date(2025, 3, 30)),
    ("service", dt.date(2025, 9, 15), dt.date(2025, 10, 12)),
)
PULSE_BASE = 7.3
PULSE_DROP = 2.5  # points lost by a team losing motivation, once the drop has set in


@dataclass(frozen=True, slots=True)
class IdeaPlan:
    """One idea of a campaign, drawn before the simulation: its true appeal is known."""

    external_id: str
    campaign: str
    day: int
    author: str  # person external id
    author_kind: str
    language: str
    title: str
    body: str
    appeal: float  # latent preference: votes grow with exp(appeal)


def plan_ideas(world: World, sim: Simulator) -> list[IdeaPlan]:
    """Draw both campaigns' ideas (authors, titles, appeal) from the seed."""
    rng = random.Random(f"palabre-demo:{world.seed}:ideas")
    ideas: list[IdeaPlan] = []
    per_campaign = len(world.employees) // 10 + 5
    for key, first, last in CAMPAIGNS:
        span = (last - first).days
        for n in range(per_campaign):
            day = (first - START).days + rng.randint(0, span)
            person: Customer | Employee
            if rng.random() < 0.5:
                person = rng.choice(world.employees)
                kind = "employee"
            else:
                person = rng.choice(world.customers)
                kind = "customer"
                if person.churn_day is not None and person.churn_day <= day:
                    person = rng.choice(world.employees)
                    kind = "employee"
            voice = person.voice
            title = sim.composer.idea_title(rng, voice)
            body = sim.composer.pick(rng, voice, "idea_body")
            if rng.random() < 0.5:
                body += " " + sim.composer.pick(rng, voice, "suggestion")
            ideas.append(
                IdeaPlan(
                    external_id=f"idea-{key}-{n + 1:03d}",
                    campaign=key,
                    day=day,
                    author=person.external_id,
                    author_kind=kind,
                    language=voice.language,
                    title=title,
                    body=body,
                    appeal=round(rng.gauss(0.0, 1.0), 4),
                )
            )
    return ideas


def pulse_days() -> list[int]:
    """The first Tuesday of each month: when the pulse question goes out."""
    days = []
    for month in range(1, 13):
        first = dt.date(START.year, month, 1)
        tuesday = first + dt.timedelta(days=(1 - first.weekday()) % 7)
        days.append((tuesday - START).days)
    return days


class StaffPlan:
    """Employee activity over the year; :meth:`day` draws one day of it."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        world = sim.world
        self.ideas: dict[int, list[IdeaPlan]] = {}
        for idea in plan_ideas(world, sim):
            self.ideas.setdefault(idea.day, []).append(idea)
        self.pulses = set(pulse_days())
        rng = random.Random(f"palabre-demo:{world.seed}:staff")
        # Stable offsets: some teams and people are happier than others.
        self.team_mood = {team: rng.gauss(0.0, 0.4) for team in world.teams}
        self.person_mood = {e.external_id: rng.gauss(0.0, 0.9) for e in world.employees}
        self.by_id = {e.external_id: e for e in world.employees}
        self.customers = {c.external_id: c for c in world.customers}
        self._cumulative: dict[tuple[int, float], list[float]] = {}

    def weary(self, team: tuple[str, ...], day: int) -> float:
        """How far a team has lost motivation on ``day``: 0 (not at all) to 1."""
        start = self.sim.world.low_morale.get(team)
        if start is None or day < start:
            return 0.0
        return min(1.0, (day - start + 1) / 28)

    def day(self, day: Day) -> None:
        """Draw one day of employee activity."""
        index = day.index
        weekday = day.start.weekday() < 5
        if weekday:
            self._chat(day)
            self._kudos(day)
            # Two news a week at full size; fewer in a small company.
            if day.start.weekday() in (0, 3) and day.rng.random() < 0.25 + self.sim._budget / 50:
                self._intranet(day)
        if index in self.pulses:
            self._pulse(day)
        for key, first, _ in CAMPAIGNS:
            if index == (first - START).days:
                self._campaign(day, key)
        for idea in self.ideas.get(index, ()):
            self._idea(day, idea)

    def _author(self, rng: random.Random, day: int, morale_factor: float) -> Employee:
        # Cumulative weights are computed once per day and factor: a chat day has hundreds
        # of messages and the company hundreds of employees.
        key = (day, morale_factor)
        cumulative = self._cumulative.get(key)
        if cumulative is None:
            self._cumulative = {}
            total = 0.0
            cumulative = []
            for e in self.sim.world.employees:
                total += e.activity * (1.0 - morale_factor * self.weary(e.team, day))
                cumulative.append(total)
            self._cumulative[key] = cumulative
        return rng.choices(self.sim.world.employees, cum_weights=cumulative)[0]

    def _chat(self, day: Day) -> None:
        sim, rng = self.sim, day.rng
        count = poisson(rng, sim._budget * 0.95)
        for _ in range(count):
            author = self._author(rng, day.index, 0.3)
            channel = team_channel(author.team) if rng.random() < 0.75 else "chat-general"
            weary = self.weary(author.team, day.index)
            low = rng.random() < (0.03 + 0.4 * weary)
            key = "chat_low" if low else "chat_work"
            signal = "discontent" if low else "question"
            text = sim.composer.simple(rng, author.voice, key, signal=signal)
            when = day.at((7.0, 18.0))
            truth = _truth(
                sim,
                channel,
                author.external_id,
                "employee",
                author.voice.language,
                "chat",
                signal if low else None,
                team="/".join(author.team),
            )
            parent = sim.chat_roots.get(channel)
            reply_to: MessageRecord | None = None
            if parent is not None and rng.random() < 0.45:
                root_id, root_time = parent
                if root_time < when:
                    reply_to = MessageRecord(root_id, channel, None, root_time, "")
            record = sim.message(
                when, channel, f"chat:{author.handle}", text, truth, parent=reply_to
            )
            if reply_to is None:
                sim.chat_roots[channel] = (record.external_id, when)

    def _kudos(self, day: Day) -> None:
        sim, rng = self.sim, day.rng
        world = sim.world
        for _ in range(poisson(rng, sim._budget * 0.09)):
            author = self._author(rng, day.index, 0.6)
            team = world.teams[author.team]
            pool = team if rng.random() < 0.6 and len(team) > 1 else world.employees
            recipient = rng.choice(pool)
            if recipient is author or rng.random() < 0.6 * self.weary(recipient.team, day.index):
                continue
            mention = f"chat:{recipient.handle}"
            text = sim.composer.simple(
                rng, author.voice, "kudos", signal="praise", colleague="@" + recipient.handle
            )
            when = day.at((7.0, 18.0))
            claps = tuple(
                Reaction(
                    "👏",
                    f"chat:{rng.choice(team).handle}",
                    when + dt.timedelta(minutes=rng.randint(1, 240)),
                )
                for _ in range(poisson(rng, 2.0))
            )
            claps = tuple({r.author_external_id: r for r in claps}.values())
            truth = _truth(
                sim,
                "chat-bravo",
                author.external_id,
                "employee",
                author.voice.language,
                "kudos",
                "praise",
                team="/".join(author.team),
            )
            truth.extra["recipient"] = recipient.external_id
            sim.message(
                when,
                "chat-bravo",
                f"chat:{author.handle}",
                text,
                truth,
                mentions=(mention,),
                reactions=claps,
            )

    def _intranet(self, day: Day) -> None:
        sim, rng = self.sim, day.rng
        world = sim.world
        writers = (
            world.teams.get(("Marketing", "Communication"), [])
            + world.teams.get(("RH",), [])
            + world.teams.get(("Direction",), [])
        )
        if not writers:
            return
        author = rng.choice(writers)
        text = sim.composer.simple(rng, author.voice, "intranet_post")
        when = day.at((7.0, 10.0))
        truth = _truth(
            sim,
            "intranet",
            author.external_id,
            "employee",
            author.voice.language,
            "post",
            None,
            team="/".join(author.team),
        )
        likes = tuple(
            {
                e.handle: Reaction(
                    "👍", f"chat:{e.handle}", when + dt.timedelta(hours=rng.randint(1, 30))
                )
                for e in rng.sample(world.employees, min(len(world.employees), poisson(rng, 5.0)))
            }.values()
        )
        title = text.split("\n")[0][:120]
        root = sim.message(
            when,
            "intranet",
            f"chat:{author.handle}",
            text,
            truth,
            title=title,
            reactions=likes,
            thread_title=True,
        )
        for _ in range(poisson(rng, 1.5)):
            other = rng.choice(world.employees)
            later = _after(rng, when, 5.0)
            text = sim.composer.simple(rng, other.voice, "intranet_comment")
            truth = _truth(
                sim,
                "intranet",
                other.external_id,
                "employee",
                other.voice.language,
                "reply",
                None,
                team="/".join(other.team),
            )
            sim.message(later, "intranet", f"chat:{other.handle}", text, truth, parent=root)

    def _pulse(self, day: Day) -> None:
        sim, rng = self.sim, day.rng
        world = sim.world
        hr = world.teams.get(("RH",)) or world.employees
        asker = hr[0]
        month = MONTHS["fr"][day.start.month - 1]
        question = sim.composer.pick(rng, asker.voice, "pulse_question", month=month)
        when = day.start + dt.timedelta(hours=7)
        truth = _truth(
            sim,
            "barometre",
            asker.external_id,
            "employee",
            "fr",
            "pulse_question",
            None,
            team="/".join(asker.team),
        )
        title = f"Baromètre {month} {day.start.year}"
        root = sim.message(
            when,
            "barometre",
            f"chat:{asker.handle}",
            question,
            truth,
            title=title,
            thread_title=True,
        )
        for employee in world.employees:
            if rng.random() >= 0.72:
                continue
            answered = when + dt.timedelta(hours=rng.uniform(0.5, 140))
            weary = self.weary(employee.team, day_of(answered))
            mean = (
                PULSE_BASE + self.team_mood[employee.team] + self.person_mood[employee.external_id]
            )
            score = round(rng.gauss(mean - PULSE_DROP * weary, 1.0))
            score = max(0, min(10, score))
            text = f"{score}/10"
            if rng.random() < 0.35:
                key = (
                    "pulse_pos"
                    if score >= 7
                    else ("pulse_neg" if score <= 5 else rng.choice(("pulse_pos", "pulse_neg")))
                )
                text += "\n" + sim.composer.simple(rng, employee.voice, key)
            truth = _truth(
                sim,
                "barometre",
                employee.external_id,
                "employee",
                employee.voice.language,
                "pulse",
                None,
                team="/".join(employee.team),
            )
            truth.pulse_score = score
            truth.extra["pulse"] = title
            sim.message(answered, "barometre", f"chat:{employee.handle}", text, truth, parent=root)

    def _campaign(self, day: Day, key: str) -> None:
        sim, _rng = self.sim, day.rng
        world = sim.world
        team = world.teams.get(("Marketing", "Communication")) or world.employees
        author = team[0]
        number = 0 if key == CAMPAIGNS[0][0] else 1
        text = BANKS["fr"]["campaign_question"][number]
        when = day.start + dt.timedelta(hours=8)
        truth = _truth(
            sim,
            "idees",
            author.external_id,
            "employee",
            "fr",
            "campaign",
            None,
            team="/".join(author.team),
        )
        truth.extra["campaign"] = key
        sim.message(
            when, "idees", f"chat:{author.handle}", text, truth, title=text, thread_title=True
        )

    def _identity(self, person_id: str, kind: str) -> str:
        if kind == "employee":
            return f"chat:{self.by_id[person_id].handle}"
        return f"forum:{self.customers[person_id].handle}"

    def _idea(self, day: Day, idea: IdeaPlan) -> None:
        sim, rng = self.sim, day.rng
        world = sim.world
        when = day.at((7.0, 21.0))
        votes = min(80, poisson(rng, 3.0 * math.exp(idea.appeal)))
        reactions: dict[str, Reaction] = {}
        for _ in range(votes):
            voted = when + dt.timedelta(hours=rng.uniform(0.2, 24 * 10))
            if voted >= END:
                continue
            if rng.random() < 0.5:
                voter = rng.choice(world.employees)
                key = f"chat:{voter.handle}"
            else:
                customer = rng.choice(world.customers)
                if customer.weight(min(DAYS - 1, day_of(voted))) <= 0:
                    continue
                key = f"forum:{customer.handle}"
            reactions.setdefault(key, Reaction("👍", key, voted))
        author = self._identity(idea.author, idea.author_kind)
        truth = _truth(
            sim, "idees", idea.author, idea.author_kind, idea.language, "idea", "suggestion"
        )
        sim._counter -= 1  # ideas carry their planned id, not a counter id
        truth.id = idea.external_id
        truth.extra.update({"title": idea.title, "appeal": idea.appeal, "votes": len(reactions)})
        root = sim.message(
            when,
            "idees",
            author,
            idea.body,
            truth,
            title=idea.title,
            reactions=tuple(reactions.values()),
            thread_title=True,
        )
        for _ in range(poisson(rng, 1.5)):
            if rng.random() < 0.5:
                employee = rng.choice(world.employees)
                person, kind, voice, key = (
                    employee.external_id,
                    "employee",
                    employee.voice,
                    f"chat:{employee.handle}",
                )
            else:
                customer = rng.choice(world.customers)
                person, kind, voice, key = (
                    customer.external_id,
                    "customer",
                    customer.voice,
                    f"forum:{customer.handle}",
                )
            later = _after(rng, when, 20.0)
            if (
                kind == "customer"
                and self.customers[person].weight(min(DAYS - 1, day_of(later))) <= 0
            ):
                continue
            text = sim.composer.simple(rng, voice, "idea_comment")
            truth = _truth(sim, "idees", person, kind, voice.language, "comment", None)
            sim.message(later, "idees", key, text, truth, parent=root)
