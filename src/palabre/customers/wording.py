"""The reasons of a churn-risk score in words, in French and in English.

Each known behaviour and text feature of :mod:`palabre.customers.features` has its own
sentence built from the customer's values ("activité en baisse de 60 % sur 30 jours",
"3 messages de mécontentement ce mois-ci"); any other feature (a CRM attribute) is
named with its value ("Contract : Month-to-month"). Labels given by the caller rename
attributes in each language.
"""

from __future__ import annotations

from collections.abc import Mapping

from palabre.customers.features import CRM_PREFIX, FeatureValue

Labels = Mapping[str, tuple[str, str]]

#: (French noun phrase after "messages ...", English phrase after "messages ...")
SIGNAL_WORDS: dict[str, tuple[str, str]] = {
    "discontent": ("de mécontentement", "of discontent"),
    "drifting_away": ("parlant de partir", "about leaving"),
    "disappointment": ("de déception", "of disappointment"),
    "misunderstanding": ("d'incompréhension", "of misunderstanding"),
}
SIGNAL_NOUNS: dict[str, tuple[str, str]] = {
    "discontent": ("mécontentement", "discontent"),
    "drifting_away": ("envie de partir", "talk of leaving"),
    "disappointment": ("déception", "disappointment"),
    "misunderstanding": ("incompréhension", "misunderstanding"),
}


def _pct(value: float) -> int:
    return round(abs(value) * 100)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.3g}"


def _fr_num(value: float) -> str:
    return _num(value).replace(".", ",")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def _number(row: Mapping[str, FeatureValue], key: str) -> float:
    value = row.get(key)
    return float(value) if isinstance(value, int | float) else 0.0


def _signal_reason(
    feature: str, value: float, row: Mapping[str, FeatureValue]
) -> tuple[str, str] | None:
    for signal, (fr_words, en_words) in SIGNAL_WORDS.items():
        if not feature.startswith(signal + "_"):
            continue
        what = feature.removeprefix(signal + "_")
        fr_noun, en_noun = SIGNAL_NOUNS[signal]
        if what == "count_30d":
            n = int(value)
            fr = f"{_plural(n, 'message')} {fr_words} ce mois-ci"
            en = f"{_plural(n, 'message')} {en_words} in the last 30 days"
            return fr, en
        hits = int(_number(row, f"_{signal}_hits_90d"))
        total = int(_number(row, "messages_90d"))
        if what == "share_90d":
            fr = f"{fr_noun} dans {hits} message{'s' if hits != 1 else ''} sur {total} en 90 jours"
            en = f"{en_noun} in {hits} of {_plural(total, 'message')} over 90 days"
            return fr, en
        if what == "share_change":
            before = int(_number(row, f"_{signal}_hits_baseline"))
            base = int(_number(row, "_messages_baseline"))
            trend_fr = "en hausse" if value >= 0 else "en baisse"
            trend_en = "up" if value >= 0 else "down"
            fr = (
                f"{fr_noun} {trend_fr} : {hits} message{'s' if hits != 1 else ''} sur {total} "
                f"en 90 jours contre {before} sur {base} avant"
            )
            en = (
                f"{en_noun} {trend_en}: {hits} of {total} messages over 90 days, "
                f"{before} of {base} before"
            )
            return fr, en
    return None


def _behaviour_reason(
    feature: str, value: float | None, row: Mapping[str, FeatureValue]
) -> tuple[str, str] | None:
    if feature in ("activity_change_30d", "activity_change_90d"):
        days = 30 if feature.endswith("30d") else 90
        v = value or 0.0
        fr_dir, en_dir = ("en baisse", "down") if v < 0 else ("en hausse", "up")
        return (
            f"activité {fr_dir} de {_pct(v)} % sur {days} jours",
            f"activity {en_dir} {_pct(v)}% over {days} days",
        )
    if feature == "silence_days":
        if value is None:
            return "aucun message reçu de ce client", "no message from this customer yet"
        days = round(value)
        return f"silencieux depuis {days} jours", f"silent for {days} days"
    if feature == "silence_vs_usual":
        usual = _number(row, "_usual_per_30d")
        days = round(_number(row, "silence_days"))
        return (
            f"silencieux depuis {days} jours alors qu'il écrit d'habitude "
            f"{_fr_num(round(usual, 1))} fois par mois",
            f"silent for {days} days while usually writing {_num(round(usual, 1))} times a month",
        )
    if feature == "longest_silence_90d":
        days = round(value or 0.0)
        return (
            f"plus long silence des 90 derniers jours : {days} jours",
            f"longest silence in the last 90 days: {days} days",
        )
    if feature == "messages_90d":
        n = int(value or 0)
        return f"{_plural(n, 'message')} en 90 jours", f"{_plural(n, 'message')} in 90 days"
    if feature == "has_baseline":
        if value:
            return "historique de messages connu", "known message history"
        return "pas d'historique de messages pour comparer", "no message history to compare with"
    if feature == "channel_change":
        return (
            f"canaux de contact changés ({_pct(value or 0.0)} % des messages ailleurs qu'avant)",
            f"contact channels changed ({_pct(value or 0.0)}% of messages moved elsewhere)",
        )
    if feature == "private_share_change":
        now = _pct(_number(row, "_private_share_recent"))
        before = _pct(_number(row, "_private_share_baseline"))
        return (
            f"e-mails et tickets : {now} % de ses messages contre {before} % avant",
            f"e-mails and tickets: {now}% of messages, {before}% before",
        )
    if feature == "reply_ratio_change":
        now = _pct(_number(row, "_reply_ratio_recent"))
        before = _pct(_number(row, "_reply_ratio_baseline"))
        return (
            f"réponses dans les conversations : {now} % de ses messages contre {before} % avant",
            f"replies in conversations: {now}% of messages, {before}% before",
        )
    return None


def _value_words(value: FeatureValue) -> tuple[str, str]:
    if value is None:
        return "non renseigné", "not provided"
    if isinstance(value, bool):
        return ("oui", "yes") if value else ("non", "no")
    if isinstance(value, float):
        return _fr_num(round(value, 2)), _num(round(value, 2))
    return str(value), str(value)


def describe(
    feature: str,
    row: Mapping[str, FeatureValue],
    labels: Labels | None = None,
    median: float | None = None,
) -> tuple[str, str]:
    """(French, English) words for ``feature`` at its value in ``row``.

    ``median`` (numeric CRM attributes) puts the value in context: "tenure : 2
    (médiane 29)".
    """
    raw = row.get(feature)
    number = float(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else None
    if isinstance(raw, bool):
        number = float(raw)
    found = _signal_reason(feature, number or 0.0, row) if number is not None else None
    if found is None:
        found = _behaviour_reason(feature, number, row)
    if found is not None:
        return found
    name = feature.removeprefix(CRM_PREFIX)
    fr_name, en_name = labels[name] if labels and name in labels else (name, name)
    fr_value, en_value = _value_words(raw)
    fr, en = f"{fr_name} : {fr_value}", f"{en_name}: {en_value}"
    if median is not None and number is not None and not isinstance(raw, bool):
        fr += f" (médiane {_fr_num(round(median, 2))})"
        en += f" (median {_num(round(median, 2))})"
    return fr, en
