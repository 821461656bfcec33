"""The demo company's world: its people, teams, hidden causes, trends and initiative.

Everything here is drawn once from the seed, before any message exists: who the
customers are (CRM attributes), how the 300 employees sit in departments and teams,
which root causes hit which segment from which day, who reacts, who drifts away and
when they leave, who the influential complainers are, when trends start, which teams
lose motivation and which support teams run the new returns process. Messages are
then drawn day by day (:mod:`palabre.demo.simulate`) from this plan, so the ground
truth is known before the first message and never depends on the text.

Memory: the world holds the people (a few thousand at most, whatever the number of
messages), never messages.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field

from palabre.connectors.records import AttributeValue
from palabre.demo.names import FIRST_NAMES, LAST_NAMES
from palabre.demo.text import Language, Voice, voice_for
from palabre.errors import ValidationError
from palabre.identity.rules import parse_rule

#: the simulated year: day 0 is 2025-01-01, 365 days
START = dt.date(2025, 1, 1)
DAYS = 365
COMPANY = "Maison Lémanique"
EMPLOYEE_DOMAIN = "maison-lemanique.example"

#: city -> weight, per country
CITIES: dict[str, tuple[tuple[str, float], ...]] = {
    "CH": (
        ("Genève", 0.40),
        ("Lausanne", 0.20),
        ("Nyon", 0.10),
        ("Montreux", 0.08),
        ("Fribourg", 0.08),
        ("Neuchâtel", 0.07),
        ("Sion", 0.07),
    ),
    "FR": (
        ("Lyon", 0.30),
        ("Annecy", 0.20),
        ("Annemasse", 0.15),
        ("Thonon-les-Bains", 0.10),
        ("Paris", 0.15),
        ("Grenoble", 0.10),
    ),
    "UK": (
        ("London", 0.45),
        ("Manchester", 0.20),
        ("Bristol", 0.12),
        ("Edinburgh", 0.12),
        ("Leeds", 0.11),
    ),
}
COUNTRIES: tuple[str, ...] = ("CH", "FR", "UK")
COUNTRY_WEIGHTS: tuple[float, ...] = (0.45, 0.30, 0.25)
LOCALES = {"CH": "fr-CH", "FR": "fr-FR", "UK": "en-GB"}
MAIL_DOMAINS = {"CH": "example.ch", "FR": "example.fr", "UK": "example.co.uk"}

# (team path, size at 300 employees, language, function)
TEAM_LAYOUT: tuple[tuple[tuple[str, ...], int, Language, str], ...] = (
    (("Direction",), 6, "fr", "direction"),
    (("Ventes", "Genève"), 40, "fr", "sales"),
    (("Ventes", "Lausanne"), 28, "fr", "sales"),
    (("Ventes", "Annecy"), 20, "fr", "sales"),
    (("Ventes", "E-commerce"), 18, "fr", "sales"),
    (("Logistique", "Entrepôt Satigny"), 36, "fr", "logistics"),
    (("Logistique", "Transport"), 20, "fr", "logistics"),
    (("Service client", "Genève"), 20, "fr", "support"),
    (("Service client", "Lausanne"), 14, "fr", "support"),
    (("Service client", "Lyon"), 18, "fr", "support"),
    (("Service client", "Londres"), 16, "en", "support"),
    (("IT", "Applications"), 16, "fr", "it"),
    (("IT", "Infrastructure"), 10, "fr", "it"),
    (("Marketing", "Communication"), 10, "fr", "marketing"),
    (("Marketing", "Communauté"), 8, "fr", "community"),
    (("RH",), 10, "fr", "hr"),
    (("Finance",), 10, "fr", "finance"),
)
ROLES: dict[str, tuple[str, ...]] = {
    "direction": ("Directrice générale", "Directeur financier", "Directrice des opérations"),
    "sales": ("Vendeuse", "Vendeur", "Conseillère de vente", "Caissier", "Responsable rayon"),
    "logistics": ("Préparateur de commandes", "Magasinier", "Chauffeur-livreur", "Cariste"),
    "support": ("Conseillère service client", "Conseiller service client", "Agent support"),
    "it": ("Développeuse", "Développeur", "Administrateur système", "Product owner"),
    "marketing": ("Chargée de communication", "Graphiste", "Chef de produit"),
    "community": ("Community manager", "Modératrice"),
    "hr": ("Gestionnaire RH", "Chargée de recrutement", "Responsable formation"),
    "finance": ("Comptable", "Contrôleur de gestion", "Assistante comptable"),
}


@dataclass(frozen=True, slots=True)
class Scale:
    """How big the company is: people, and the number of messages aimed at."""

    name: str
    customers: int
    employees: int
    messages: int


SCALES: dict[str, Scale] = {
    "tiny": Scale("tiny", 150, 40, 2_000),
    "small": Scale("small", 600, 120, 20_000),
    "default": Scale("default", 2_000, 300, 100_000),
}
MAX_MESSAGES = 10_000_000


def resolve_scale(scale: str | int) -> Scale:
    """``tiny``, ``small``, ``default`` or a number of messages (100 to 10 M).

    A number keeps the population of the nearest named scale below it, so that memory
    depends on the population, not on the number of messages.
    """
    if isinstance(scale, str) and not scale.isdigit():
        if scale not in SCALES:
            known = ", ".join(SCALES)
            raise ValidationError(f"unknown demo scale '{scale}' (use {known} or a number)")
        return SCALES[scale]
    target = int(scale)
    if not 100 <= target <= MAX_MESSAGES:
        raise ValidationError(f"demo scale {target} is out of range: 100 to {MAX_MESSAGES:,}")
    base = SCALES["tiny"] if target < 10_000 else SCALES["small"]
    if target >= 60_000:
        base = SCALES["default"]
    return Scale(str(target), base.customers, base.employees, target)


@dataclass(frozen=True, slots=True)
class Cause:
    """A hidden root cause: from ``start`` on, customers in the segment may react to it."""

    key: str
    label: str
    rule: str
    start: int  # day index
    react: float  # share of exposed customers who react
    churn: float  # share of reacting customers who leave
    signals: tuple[tuple[str, float], ...]  # what reacting customers voice


CAUSES: tuple[Cause, ...] = (
    Cause(
        "price",
        "Hausse du prix de l'abonnement mensuel (Suisse)",
        "country = 'CH' and contract = 'monthly'",
        (dt.date(2025, 4, 1) - START).days,
        0.6,
        0.45,
        (("discontent", 0.5), ("disappointment", 0.25), ("misunderstanding", 0.25)),
    ),
    Cause(
        "delivery",
        "Retards et pertes de livraison (France)",
        "country = 'FR'",
        (dt.date(2025, 6, 2) - START).days,
        0.55,
        0.4,
        (("discontent", 0.55), ("disappointment", 0.25), ("misunderstanding", 0.2)),
    ),
    Cause(
        "app",
        "Mise à jour confuse de l'application (tous)",
        "true",
        (dt.date(2025, 8, 4) - START).days,
        0.3,
        0.15,
        (("misunderstanding", 0.55), ("discontent", 0.3), ("disappointment", 0.15)),
    ),
)


@dataclass(frozen=True, slots=True)
class Trend:
    """A topic nobody mentions before ``start``, then more and more people do.

    Like a real emerging topic, it starts with an event (a competitor's launch, a
    newspaper article): on its first day :data:`TREND_ONSET` of its peak share of the
    customers' posts are about it already, and the share grows to the peak over
    :data:`TREND_RAMP_DAYS` days. (A ramp from nothing would give a trend one mention
    in its first two days, which no method can tell from chance.)
    """

    key: str
    label: str
    terms: tuple[str, ...]
    start: int
    strength: str  # "strong" or "weak"
    peak_share: float  # share of customer posts about it once established

    def share(self, day: int) -> float:
        """The share of the customers' posts about this trend on ``day`` (0 before it starts)."""
        if day < self.start:
            return 0.0
        grown = (day - self.start) / TREND_RAMP_DAYS
        return self.peak_share * min(1.0, TREND_ONSET + (1.0 - TREND_ONSET) * grown)


#: share of its peak a trend reaches on its first day, and days to reach the peak
TREND_ONSET = 0.5
TREND_RAMP_DAYS = 21


TRENDS: tuple[Trend, ...] = (
    Trend(
        "click_collect",
        "Click & collect",
        ("click & collect", "retrait en magasin"),
        (dt.date(2025, 5, 12) - START).days,
        "strong",
        0.06,
    ),
    Trend(
        "packaging",
        "Emballages consignés / reusable packaging",
        ("emballages consignés", "emballage consigné", "reusable packaging"),
        (dt.date(2025, 9, 8) - START).days,
        "strong",
        0.05,
    ),
    Trend(
        "cargo",
        "Livraison en vélo cargo / cargo bike delivery",
        ("vélo cargo", "cargo bike"),
        (dt.date(2025, 11, 3) - START).days,
        "weak",
        0.02,
    ),
)


@dataclass(slots=True)
class Customer:
    """One customer: CRM facts, how they write, and what the plan has in store for them."""

    index: int
    external_id: str
    name: str
    email: str
    handle: str
    social: str
    country: str
    city: str
    contract: str
    tenure_months: int
    value_tier: str
    signup_date: dt.date
    loyalty: bool
    followers: int
    voice: Voice
    activity: float
    support_team: tuple[str, ...]
    influencer: bool = False
    cause: str | None = None
    react_day: int | None = None
    churn_day: int | None = None
    silent: bool = False
    churn_reason: str | None = None
    influenced_by: str | None = None
    voiced_days: int = 0  # how long the open discontent lasts before drifting

    @property
    def language(self) -> Language:
        return self.voice.language

    def attributes(self) -> dict[str, AttributeValue]:
        """The CRM attributes (what segment rules see)."""
        return {
            "country": self.country,
            "city": self.city,
            "contract": self.contract,
            "tenure_months": self.tenure_months,
            "value_tier": self.value_tier,
            "signup_date": self.signup_date,
            "loyalty_member": self.loyalty,
            "followers": self.followers,
        }

    def weight(self, day: int) -> float:
        """How active the customer is on ``day`` (0 once they have left)."""
        if self.churn_day is not None and day >= self.churn_day:
            return 0.0
        if self.react_day is None or day < self.react_day:
            return self.activity
        since = day - self.react_day
        if self.silent:
            span = max(1, (self.churn_day or DAYS + 60) - self.react_day)
            return self.activity * max(0.08, 1.0 - since / span)
        if since < self.voiced_days:
            return self.activity * 1.6
        if self.churn_day is None:
            return self.activity * 0.7
        span = max(1, self.churn_day - self.react_day - self.voiced_days)
        return self.activity * max(0.2, 1.2 - (since - self.voiced_days) / span)

    def state(self, day: int) -> str:
        """``normal``, ``voicing`` (open discontent), ``drifting`` or ``silent``."""
        if self.react_day is None or day < self.react_day:
            return "normal"
        if self.silent:
            return "silent"
        if day - self.react_day < self.voiced_days:
            return "voicing"
        return "drifting" if self.churn_day is not None else "settled"


@dataclass(slots=True)
class Employee:
    """One employee: HR facts and how they write."""

    index: int
    external_id: str
    name: str
    email: str
    handle: str
    team: tuple[str, ...]
    function: str
    role: str
    manager: bool
    hire_date: dt.date
    voice: Voice
    activity: float


@dataclass(frozen=True, slots=True)
class Initiative:
    """The new returns process, run by some support teams: a planted effect on a KPI."""

    key: str
    label: str
    start: int
    treated: tuple[tuple[str, ...], ...]
    control: tuple[tuple[str, ...], ...]
    kpi: str
    multiplier: float  # first-response time after / before, treated teams only
    baseline_hours: dict[str, float]


@dataclass
class World:
    """Everything drawn once from the seed."""

    seed: int
    scale: Scale
    customers: list[Customer]
    employees: list[Employee]
    teams: dict[tuple[str, ...], list[Employee]]
    low_morale: dict[tuple[str, ...], int]  # team -> day it starts
    initiative: Initiative
    flag_bearers: list[str]
    anonymous: list[tuple[str, Voice]] = field(default_factory=list)


def _cities(country: str) -> tuple[str, ...]:
    return tuple(name for name, _ in CITIES[country])


def _ascii(text: str) -> str:
    from palabre.demo.text import strip_accents

    return "".join(ch for ch in strip_accents(text).lower() if ch.isalnum())


def _team_sizes(total: int) -> list[int]:
    full = sum(size for _, size, _, _ in TEAM_LAYOUT)
    sizes = [max(2, round(size * total / full)) for _, size, _, _ in TEAM_LAYOUT]
    biggest = max(range(len(sizes)), key=lambda i: sizes[i])
    sizes[biggest] += total - sum(sizes)
    return sizes


def support_team_for(country: str, city: str) -> tuple[str, ...]:
    """The service team that answers a customer's tickets."""
    if country == "UK":
        return ("Service client", "Londres")
    if country == "FR":
        return ("Service client", "Lyon")
    if city in ("Genève", "Nyon"):
        return ("Service client", "Genève")
    return ("Service client", "Lausanne")


def build_world(scale: Scale, seed: int) -> World:
    """Draw the whole plan of the company from ``seed``."""
    rng = random.Random(f"palabre-demo:{seed}:world")
    customers = _customers(rng, scale.customers)
    employees, teams = _employees(rng, scale.employees)
    flag_bearers = _plan_causes(rng, customers)
    _plan_baseline_churn(rng, customers)
    initiative = Initiative(
        key="returns_process",
        label="Nouveau processus de retours",
        start=(dt.date(2025, 7, 1) - START).days,
        treated=(("Service client", "Genève"), ("Service client", "Lyon")),
        control=(("Service client", "Lausanne"), ("Service client", "Londres")),
        kpi="first_response_hours",
        multiplier=0.6,
        baseline_hours={
            "Service client/Genève": 7.0,
            "Service client/Lyon": 8.0,
            "Service client/Lausanne": 6.5,
            "Service client/Londres": 7.5,
        },
    )
    low_morale: dict[tuple[str, ...], int] = {
        ("Logistique", "Entrepôt Satigny"): (dt.date(2025, 6, 9) - START).days,
        ("Ventes", "Lausanne"): (dt.date(2025, 5, 5) - START).days,
    }
    anonymous: list[tuple[str, Voice]] = []
    for i in range(max(10, scale.customers // 10)):
        country = rng.choices(COUNTRIES, COUNTRY_WEIGHTS)[0]
        language: Language = "en" if country == "UK" else "fr"
        city = rng.choice(_cities(country))
        voice = voice_for(rng, language, country, city)
        anonymous.append((f"social:@{_ascii(rng.choice(FIRST_NAMES[country]))}{i}x", voice))
    return World(
        seed=seed,
        scale=scale,
        customers=customers,
        employees=employees,
        teams=teams,
        low_morale=low_morale,
        initiative=initiative,
        flag_bearers=flag_bearers,
        anonymous=anonymous,
    )


def _customers(rng: random.Random, count: int) -> list[Customer]:
    customers: list[Customer] = []
    for i in range(count):
        country = rng.choices(COUNTRIES, COUNTRY_WEIGHTS)[0]
        names = [name for name, _ in CITIES[country]]
        city = rng.choices(names, [weight for _, weight in CITIES[country]])[0]
        first = rng.choice(FIRST_NAMES[country])
        last = rng.choice(LAST_NAMES[country])
        tenure = min(120, int(rng.expovariate(1 / 30)))
        contract = rng.choices(("monthly", "annual", "none"), (0.45, 0.25, 0.30))[0]
        influencer = rng.random() < 0.03
        followers = (
            int(rng.lognormvariate(math.log(8000), 0.8))
            if influencer
            else int(rng.lognormvariate(math.log(60), 1.0))
        )
        language: Language = "en" if country == "UK" else "fr"
        local = f"{_ascii(first)}.{_ascii(last)}"
        customers.append(
            Customer(
                index=i,
                external_id=f"C{i + 1:05d}",
                name=f"{first} {last}",
                email=f"{local}{i + 1}@{MAIL_DOMAINS[country]}",
                handle=f"{_ascii(first)}_{_ascii(last)[:4]}{i + 1}",
                social=f"@{_ascii(first)}{_ascii(last)[:3]}{i + 1}",
                country=country,
                city=city,
                contract=contract,
                tenure_months=tenure,
                value_tier=rng.choices(("bronze", "silver", "gold"), (0.55, 0.3, 0.15))[0],
                signup_date=START - dt.timedelta(days=tenure * 30 + rng.randint(0, 29)),
                loyalty=rng.random() < 0.55,
                followers=followers,
                voice=voice_for(rng, language, country, city),
                activity=rng.lognormvariate(0, 0.9) * (4.0 if influencer else 1.0),
                support_team=support_team_for(country, city),
                influencer=influencer,
            )
        )
    return customers


def _employees(
    rng: random.Random, count: int
) -> tuple[list[Employee], dict[tuple[str, ...], list[Employee]]]:
    employees: list[Employee] = []
    teams: dict[tuple[str, ...], list[Employee]] = {}
    index = 0
    for (path, _, language, function), size in zip(TEAM_LAYOUT, _team_sizes(count), strict=True):
        members: list[Employee] = []
        country = "UK" if language == "en" else "CH"
        for j in range(size):
            first = rng.choice(FIRST_NAMES[country])
            last = rng.choice(LAST_NAMES[country])
            index += 1
            local = f"{_ascii(first)}.{_ascii(last)}{index}"
            city = "London" if language == "en" else "Genève"
            voice = voice_for(rng, language, country, city)
            members.append(
                Employee(
                    index=index - 1,
                    external_id=f"E{index:04d}",
                    name=f"{first} {last}",
                    email=f"{local}@{EMPLOYEE_DOMAIN}",
                    handle=f"{_ascii(first)}.{_ascii(last)}{index}",
                    team=path,
                    function=function,
                    role="Responsable d'équipe" if j == 0 else rng.choice(ROLES[function]),
                    manager=j == 0,
                    hire_date=START - dt.timedelta(days=int(rng.expovariate(1 / 1400)) + 20),
                    voice=voice,
                    activity=rng.lognormvariate(0, 0.6),
                )
            )
        teams[path] = members
        employees.extend(members)
    return employees, teams


def _plan_causes(rng: random.Random, customers: list[Customer]) -> list[str]:
    """Decide who reacts to which cause, when, and who leaves; return the flag bearers."""
    flag_bearers: list[str] = []
    wanted_bearers = max(6, round(len(customers) * 0.0125))
    for cause in CAUSES:
        rule = parse_rule(cause.rule)
        exposed = [c for c in customers if c.cause is None and rule.evaluate(dict(c.attributes()))]
        if not exposed:
            continue
        rng.shuffle(exposed)
        bearers_here = max(2, round(wanted_bearers / len(CAUSES)))
        bearers, others = exposed[:bearers_here], exposed[bearers_here:]
        for bearer in bearers:
            bearer.influencer = True
            bearer.followers = max(bearer.followers, int(rng.lognormvariate(math.log(9000), 0.6)))
            bearer.activity = max(bearer.activity, 3.0) * 1.5
            _react(rng, bearer, cause, cause.start + rng.randint(0, 4), silent=False)
            flag_bearers.append(bearer.external_id)
        pool = [c for c in others if rng.random() < cause.react]
        # Each flag bearer's complaints carry some exposed customers along with them.
        for bearer in bearers:
            assert bearer.react_day is not None
            for follower in pool[: min(len(pool), 2 + int(rng.expovariate(1 / 5)))]:
                follower.influenced_by = bearer.external_id
                _react(rng, follower, cause, bearer.react_day + rng.randint(2, 12))
            pool = [c for c in pool if c.cause is None]
        for customer in pool:
            _react(rng, customer, cause, cause.start + int(rng.expovariate(1 / 14)))
    return flag_bearers


def _react(
    rng: random.Random, customer: Customer, cause: Cause, day: int, silent: bool | None = None
) -> None:
    customer.cause = cause.key
    customer.react_day = min(day, DAYS - 1)
    leaves = rng.random() < cause.churn
    customer.silent = (rng.random() < 0.3) if silent is None and leaves else bool(silent)
    customer.voiced_days = rng.randint(10, 30)
    if leaves:
        churn = customer.react_day + rng.randint(25, 100)
        customer.voiced_days = min(customer.voiced_days, (churn - customer.react_day) // 2)
        if churn < DAYS:
            customer.churn_day = churn
            customer.churn_reason = cause.key


def _plan_baseline_churn(rng: random.Random, customers: list[Customer]) -> None:
    """A few customers leave for reasons nobody voices (moving away, a competitor)."""
    for customer in customers:
        if customer.cause is None and not customer.influencer and rng.random() < 0.04:
            churn = rng.randint(60, DAYS - 1)
            customer.react_day = churn - rng.randint(20, 50)
            customer.churn_day = churn
            customer.silent = True
            customer.churn_reason = "baseline"


__all__ = [
    "CAUSES",
    "DAYS",
    "SCALES",
    "START",
    "TRENDS",
    "Cause",
    "Customer",
    "Employee",
    "Initiative",
    "Scale",
    "Trend",
    "World",
    "build_world",
    "resolve_scale",
]
