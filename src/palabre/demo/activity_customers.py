"""One day of customer activity: posts, tickets, e-mails, mentions, and what they start.

Who posts is drawn by activity weight (a customer drifting away posts less and less,
one who has left never posts again); what they say follows their state in the plan
(:meth:`palabre.demo.world.Customer.state`): a customer hit by a root cause voices it
with that cause's signals, then talks of leaving; a silent leaver only fades. Posts
start replies: other customers echo a flag bearer's complaint, peers help, service
agents answer tickets after a delay that the returns-process initiative shortens in
the treated teams only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random
from typing import TYPE_CHECKING

from palabre.connectors.records import MessageRecord, Reaction
from palabre.demo.simulate import SIGNAL_NAMES, Day, MessageTruth
from palabre.demo.text import Register, Voice
from palabre.demo.world import CAUSES, START, TRENDS, Customer, Employee

if TYPE_CHECKING:
    from palabre.demo.simulate import Simulator

CAUSE_BY_KEY = {cause.key: cause for cause in CAUSES}
#: Monday .. Sunday: retail customers write most on Saturdays
WEEKDAY_FACTOR = (0.95, 0.95, 1.0, 1.0, 1.05, 1.3, 0.75)
NORMAL_SIGNALS = (
    ("question", "praise", "suggestion", "discontent", "disappointment", "misunderstanding"),
    (0.42, 0.2, 0.1, 0.12, 0.06, 0.1),
)
CHANNELS_NORMAL = (("community", "social", "support", "email"), (0.38, 0.17, 0.27, 0.18))
CHANNELS_DRIFTING = (("community", "social", "support", "email"), (0.2, 0.1, 0.35, 0.35))


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (normal approximation above 30)."""
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def day_of(when: dt.datetime) -> int:
    """The simulated day index of a moment."""
    return (when.date() - START).days


def customer_day(sim: Simulator, day: Day) -> None:
    """Draw every customer post of ``day`` and queue it with what it starts."""
    world, rng = sim.world, day.rng
    weights = [c.weight(day.index) for c in world.customers]
    total = sum(weights)
    if total <= 0:
        return
    initial = sim.initial_weight
    season = WEEKDAY_FACTOR[day.start.weekday()] * (1.25 if day.start.month == 12 else 1.0)
    count = poisson(rng, sim._budget * season * total / initial)
    for customer in rng.choices(world.customers, weights=weights, k=count):
        _post(sim, day, customer)
    for _ in range(poisson(rng, sim._budget * season * 0.05)):
        key, voice = rng.choice(world.anonymous)
        signal = rng.choices(*NORMAL_SIGNALS)[0]
        when = day.at()
        text = sim.composer.customer(rng, voice, signal, register="social")
        truth = _truth(sim, "social", key, "unknown", voice.language, "post", signal)
        sim.message(when, "social", key, text, truth)


def _truth(
    sim: Simulator,
    channel: str,
    author: str,
    kind: str,
    language: str,
    what: str,
    signal: str | None,
    **extra: str | None,
) -> MessageTruth:
    signals = (SIGNAL_NAMES[signal],) if signal in SIGNAL_NAMES else ()
    truth = MessageTruth(
        id=sim.next_id(),
        created_at="",
        channel=channel,
        author=author,
        author_kind=kind,
        language=language,
        kind=what,
        signals=signals,
    )
    truth.cause = extra.pop("cause", None)
    truth.trend = extra.pop("trend", None)
    truth.team = extra.pop("team", None)
    return truth


def _choose(rng: random.Random, customer: Customer, day: int) -> tuple[str, str | None, str | None]:
    """(signal, cause, trend) of a customer's post on ``day``."""
    state = customer.state(day)
    cause = CAUSE_BY_KEY.get(customer.cause or "")
    if cause is not None and state in ("voicing", "drifting", "settled"):
        roll = rng.random()
        if state == "drifting" and roll < 0.45:
            return "drifting", cause.key, None
        threshold = {"voicing": 0.75, "drifting": 0.75, "settled": 0.2}[state]
        if roll < threshold:
            names, weights = zip(*cause.signals, strict=True)
            return rng.choices(names, weights)[0], cause.key, None
    if state == "silent":
        return rng.choices(("question", "praise", "suggestion"), (0.8, 0.1, 0.1))[0], None, None
    for trend in TRENDS:
        if day >= trend.start and rng.random() < trend.share(day):
            signal = rng.choices(("question", "suggestion", "praise"), (0.4, 0.35, 0.25))[0]
            return signal, None, trend.key
    return rng.choices(*NORMAL_SIGNALS)[0], None, None


def _title(text: str) -> str:
    # A formal post opens with a greeting paragraph: the title comes from the body.
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    first = paragraphs[1] if len(paragraphs) > 1 else paragraphs[0]
    words = first.split()
    return " ".join(words[:8]) + ("…" if len(words) > 8 else "")


def _post(sim: Simulator, day: Day, customer: Customer) -> None:
    rng = day.rng
    state = customer.state(day.index)
    channels = CHANNELS_DRIFTING if state in ("drifting", "silent") else CHANNELS_NORMAL
    where = rng.choices(*channels)[0]
    signal, cause, trend = _choose(rng, customer, day.index)
    voice = customer.voice
    register: Register | None = None
    if where == "social":
        register = "social"
    elif where == "email" and rng.random() < 0.7:
        register = "formal"
    text = sim.composer.customer(rng, voice, signal, cause=cause, trend=trend, register=register)
    when = day.at()
    language = customer.language
    if where in ("community", "social"):
        channel = (
            ("communaute" if language == "fr" else "community")
            if where == "community"
            else "social"
        )
        author = f"forum:{customer.handle}" if where == "community" else f"social:{customer.social}"
        truth = _truth(
            sim,
            channel,
            customer.external_id,
            "customer",
            language,
            "post",
            signal,
            cause=cause,
            trend=trend,
        )
        reactions = _reactions(sim, rng, customer, when, where, signal)
        title = _title(text) if where == "community" else None
        root = sim.message(
            when,
            channel,
            author,
            text,
            truth,
            title=title,
            reactions=reactions,
            thread_title=title is not None,
        )
        _replies(sim, rng, customer, root, signal, cause, where)
        return
    truth = _truth(
        sim,
        where,
        customer.external_id,
        "customer",
        language,
        "ticket" if where == "support" else "email",
        signal,
        cause=cause,
        trend=trend,
    )
    subject = sim.composer.pick(rng, voice, "ticket_subject")
    title = f"[#{rng.randint(10000, 99999)}] {subject}" if where == "support" else subject
    root = sim.message(
        when, where, f"email:{customer.email}", text, truth, title=title, thread_title=True
    )
    _service(sim, rng, customer, root, where)


def _reactions(
    sim: Simulator, rng: random.Random, author: Customer, when: dt.datetime, where: str, signal: str
) -> tuple[Reaction, ...]:
    count = poisson(rng, 0.5 + math.sqrt(author.followers) / 25)
    if not count:
        return ()
    emojis = ("👍", "❤️", "👏") if signal in ("praise", "suggestion") else ("👍", "😡", "😢", "👍")
    found: dict[str, Reaction] = {}
    customers = sim.world.customers
    for _ in range(count):
        other = rng.choice(customers)
        later = when + dt.timedelta(minutes=rng.randint(2, 600))
        if other is author or other.weight(day_of(later)) <= 0:
            continue
        key = f"forum:{other.handle}" if where == "community" else f"social:{other.social}"
        found.setdefault(key, Reaction(rng.choice(emojis), key, later))
    return tuple(found.values())


def _after(
    rng: random.Random, when: dt.datetime, median_hours: float, sigma: float = 0.8
) -> dt.datetime:
    hours = rng.lognormvariate(math.log(median_hours), sigma)
    return when + dt.timedelta(seconds=int(hours * 3600) + 60)


def _replies(
    sim: Simulator,
    rng: random.Random,
    author: Customer,
    root: MessageRecord,
    signal: str,
    cause: str | None,
    where: str,
) -> None:
    world = sim.world
    channel = root.channel_external_id
    language = author.language
    bearer = author.external_id in world.flag_bearers
    if cause is not None:
        # Echoes: customers hit by the same cause join in, a flag bearer's followers first.
        candidates = list(sim.followers.get(author.external_id, ())) if bearer else []
        candidates += rng.sample(
            sim.reacting.get(cause, []), min(12, len(sim.reacting.get(cause, [])))
        )
        wanted = poisson(rng, 3.5 if bearer else 0.35)
        done: set[int] = {author.index}
        for index in candidates:
            if wanted <= 0:
                break
            other = world.customers[index]
            when = _after(rng, root.created_at, 4.0, 1.0)
            today = day_of(when)
            if (
                index in done
                or other.language != language
                or other.react_day is None
                or other.react_day > today
                or other.weight(today) <= 0
            ):
                continue
            done.add(index)
            wanted -= 1
            key = f"forum:{other.handle}" if where == "community" else f"social:{other.social}"
            text = sim.composer.reply(rng, other.voice, "echo", extra="detail")
            mentions: tuple[str, ...] = ()
            if rng.random() < 0.3:
                mentions = (root.author_external_id or "",)
                handle = (root.author_external_id or "").split(":", 1)[1].lstrip("@")
                text = f"@{handle} {text}"
            truth = _truth(
                sim,
                channel,
                other.external_id,
                "customer",
                language,
                "echo",
                "discontent",
                cause=cause,
            )
            truth.extra["echoes"] = root.external_id
            sim.message(when, channel, key, text, truth, parent=root, mentions=mentions)
    helpers = poisson(rng, 0.35 if signal in ("question", "misunderstanding") else 0.12)
    for _ in range(helpers):
        other = rng.choice(world.customers)
        when = _after(rng, root.created_at, 3.0)
        if other is author or other.language != language or other.weight(day_of(when)) <= 0:
            continue
        key = f"forum:{other.handle}" if where == "community" else f"social:{other.social}"
        text = sim.composer.reply(rng, other.voice, "peer_help")
        truth = _truth(sim, channel, other.external_id, "customer", language, "reply", None)
        sim.message(when, channel, key, text, truth, parent=root)
    negative = signal in (
        "discontent",
        "disappointment",
        "drifting",
        "misunderstanding",
        "question",
    )
    if rng.random() < (0.75 if bearer else (0.3 if negative else 0.1)):
        managers = world.teams.get(("Marketing", "Communauté"), [])
        if managers:
            agent = rng.choice(managers)
            when = _after(rng, root.created_at, 5.0)
            voice = dataclasses.replace(agent.voice, language=language, country=author.country)
            text = sim.composer.agent(rng, voice, agent.name.split()[0], _address(rng, author))
            truth = _truth(
                sim,
                channel,
                agent.external_id,
                "employee",
                language,
                "answer",
                None,
                team="/".join(agent.team),
            )
            sim.message(when, channel, f"forum:{agent.handle}", text, truth, parent=root)


def _address(rng: random.Random, customer: Customer) -> str:
    """How an agent addresses the customer: first name, or full name."""
    return customer.name.split()[0] if rng.random() < 0.6 else customer.name


def _agent(rng: random.Random, team: list[Employee]) -> Employee:
    staff = [e for e in team if not e.manager] or team
    return rng.choices(staff, weights=[e.activity for e in staff])[0]


def _service(
    sim: Simulator, rng: random.Random, customer: Customer, root: MessageRecord, where: str
) -> None:
    """A ticket or an e-mail gets its answer; tickets sometimes go back and forth."""
    world = sim.world
    team_path = customer.support_team
    team = world.teams.get(team_path)
    if not team:
        return
    initiative = world.initiative
    team_name = "/".join(team_path)
    median = initiative.baseline_hours.get(team_name, 7.0)
    treated = team_path in initiative.treated and day_of(root.created_at) >= initiative.start
    if where == "support":
        if treated:
            median *= initiative.multiplier
    else:
        median = 20.0
    agent = _agent(rng, team)
    when = _after(rng, root.created_at, median, 0.55)
    voice: Voice = agent.voice
    text = sim.composer.agent(rng, voice, agent.name.split()[0], _address(rng, customer))
    truth = _truth(
        sim, where, agent.external_id, "employee", customer.language, "answer", None, team=team_name
    )
    if where == "support":
        hours = (when - root.created_at).total_seconds() / 3600
        truth.extra["first_response_hours"] = round(hours, 3)
        truth.extra["treated"] = treated
    answer = sim.message(when, where, f"email:{agent.email}", text, truth, parent=root)
    if where != "support" or rng.random() >= 0.35:
        return
    later = _after(rng, when, 6.0)
    if customer.weight(day_of(later)) <= 0:
        return
    signal = rng.choice(("question", "misunderstanding", "praise", "discontent"))
    text = sim.composer.customer(rng, customer.voice, signal)
    truth = _truth(sim, where, customer.external_id, "customer", customer.language, "reply", signal)
    follow = sim.message(later, where, f"email:{customer.email}", text, truth, parent=answer)
    if rng.random() < 0.8:
        again = _after(rng, later, median)
        text = sim.composer.agent(rng, voice, agent.name.split()[0], _address(rng, customer))
        truth = _truth(
            sim,
            where,
            agent.external_id,
            "employee",
            customer.language,
            "answer",
            None,
            team=team_name,
        )
        sim.message(again, where, f"email:{agent.email}", text, truth, parent=follow)
