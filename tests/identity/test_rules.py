"""The segment rule language: parsing, errors with a caret, evaluation, canonical text."""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from palabre.connectors.records import PersonRecord
from palabre.errors import RuleSyntaxError, ValidationError
from palabre.identity.rules import (
    And,
    Compare,
    Constant,
    Flag,
    In,
    IsNull,
    Node,
    Not,
    Or,
    Rule,
    TextMatch,
    parse_rule,
    person_values,
)

GENEVA = {"city": "Genève", "contract": "monthly", "tenure_months": 30, "churned": False}


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("city = 'Genève' and contract = 'monthly'", GENEVA, True),
        ("city = 'Genève' and contract = 'yearly'", GENEVA, False),
        ("tenure_months >= 24 or (value in ('gold', 'platinum') and not churned)", GENEVA, True),
        (
            "tenure_months >= 24 or (value in ('gold', 'platinum') and not churned)",
            {"tenure_months": 3, "value": "gold"},
            True,
        ),
        (
            "tenure_months >= 24 or (value in ('gold', 'platinum') and not churned)",
            {"tenure_months": 3, "value": "gold", "churned": True},
            False,
        ),
        ("signup_date < date('2025-01-01')", {"signup_date": dt.date(2024, 12, 31)}, True),
        ("signup_date < date('2025-01-01')", {"signup_date": dt.date(2025, 1, 1)}, False),
        (
            "signup_date < date('2025-01-01')",
            {"signup_date": dt.datetime(2024, 6, 1, 12, tzinfo=dt.UTC)},
            True,
        ),
        ("email ends with '@example.ch'", {"email": "Ana@EXAMPLE.CH"}, True),
        ("name contains 'Dupont'", {"name": "Amélie dupont"}, True),
        ("name starts with 'amé'", {"name": "Amélie"}, True),
        ("region is null", {}, True),
        ("region is null", {"region": None}, True),
        ("region is null", {"region": "  "}, True),
        ("region is not null", {"region": "VD"}, True),
        ("score > 4.5", {"score": 5}, True),
        ("score = 5", {"score": 5.0}, True),
        ("score <= -1", {"score": -1}, True),
        ("vip = true", {"vip": True}, True),
        ("vip", {"vip": True}, True),
        ("vip", {"vip": "yes"}, False),
        ("tier not in ('gold', 'silver')", {"tier": "bronze"}, True),
        ("tier not in ('gold', 'silver')", {"tier": "gold"}, False),
        ("true", {}, True),
        ("`chiffre d'affaires` > 1000", {"chiffre d'affaires": 12500.5}, True),
        ("City = 'Genève'", {"city": "Genève"}, True),  # unique case-insensitive match
        ("city = 'Genève'", {"city": "  Genève "}, True),  # trimmed
        ("city = 'Genève'", {"city": "Gene\u0300ve"}, True),  # decomposed accent
        ("city = 'Genève'", {"city": "geneve"}, False),  # case- and accent-sensitive
        (
            "kind = 'customer' and locale starts with 'fr'",
            {"kind": "customer", "locale": "fr-CH"},
            True,
        ),
    ],
)
def test_evaluates_rules(text: str, values: dict[str, object], expected: bool) -> None:
    assert parse_rule(text).evaluate(values) is expected


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("city = 'Genève'", {}),
        ("city != 'Genève'", {}),  # missing: every comparison is false, != too
        ("age > 40", {"age": "41"}),  # text is not a number
        ("age != 40", {"age": "41"}),
        ("vip > false", {"vip": True}),  # booleans have no order
        ("tier not in ('gold')", {}),
        ("tier not in (1, 2)", {"tier": "gold"}),
        ("name contains 'x'", {"name": 5}),
        ("d < date('2025-01-01')", {"d": "2024-01-01"}),
        ("n = 1", {"n": True}),  # a boolean is not the number 1
        ("x = 2", {"x ": 2, "x\u00a0": 3, "χ": 4, "x_": 5, "xx": 6, "Χ": 7, "x1": 8}),  # near names
    ],
)
def test_missing_values_and_type_mismatches_compare_false(
    text: str, values: dict[str, object]
) -> None:
    assert parse_rule(text).evaluate(values) is False


def test_not_of_a_false_comparison_is_true() -> None:
    assert parse_rule("not city = 'Genève'").evaluate({}) is True


def test_ambiguous_case_insensitive_key_is_missing() -> None:
    assert parse_rule("city = 'a'").evaluate({"City": "a", "CITY": "a"}) is False


def test_keys_lists_the_attributes_read() -> None:
    rule = parse_rule("a = 1 or (b in (1, 2) and not c) or `d e` is null or name contains 'x'")
    assert rule.keys() == {"a", "b", "c", "d e", "name"}


def test_parses_into_a_flattened_tree() -> None:
    rule = parse_rule("a = 1 and (b = 2 and c = 3) or not d")
    assert rule.node == Or(
        (
            And((Compare("a", "=", 1), Compare("b", "=", 2), Compare("c", "=", 3))),
            Not(Flag("d")),
        )
    )


def test_keywords_are_case_insensitive_and_aliases_accepted() -> None:
    assert parse_rule("A == 1 AND B <> 'x' OR c IS NOT NULL") == parse_rule(
        "A = 1 and B != 'x' or c is not null"
    )


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("city='Genève'  AND contract=\"monthly\"", "city = 'Genève' and contract = 'monthly'"),
        ("x = 'it''s'", "x = 'it''s'"),
        ('x = "say ""hi"""', "x = 'say \"hi\"'"),
        ("x = 12.50", "x = 12.5"),
        ("x in ('a',)", "x in ('a')"),
        ("a or b and c", "a or (b and c)"),
        ("(a or b) and c", "(a or b) and c"),
        ("not (a and b)", "not (a and b)"),
        ("`and` = 1", "`and` = 1"),
        ("`date` < date('2025-01-01')", "`date` < date('2025-01-01')"),
        ("date < date('2025-01-01')", "`date` < date('2025-01-01')"),
        ("`a``b` = 1", "`a``b` = 1"),
        ("`my key` = true", "`my key` = true"),
    ],
)
def test_canonical_text(text: str, canonical: str) -> None:
    assert str(parse_rule(text)) == canonical
    assert parse_rule(canonical) == parse_rule(text)


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("city = ", "expected a value after '='", 8),
        ("", "the rule is empty", 1),
        ("city = 'Genève", "unterminated string", 8),
        ("(a = 1", "expected ')' to close the '(' at column 1", 7),
        ("a = 1)", "closes no '('", 6),
        ("a = 1 b = 2", "join conditions with 'and' or 'or'", 7),
        ("a = null", "use 'is null'", 5),
        ("a is nothing", "expected 'null' after 'is'", 6),
        ("a starts 'x'", "expected 'with' after 'starts'", 10),
        ("a in 'x'", "expected '('", 6),
        ("a in ()", "expected a value in the list", 7),
        ("a contains 3", "'contains' needs a text in quotes", 12),
        ("d < date('2025-13-01')", "'2025-13-01' is not a date", 10),
        ("a ~ 1", "unexpected character '~'", 3),
        ("and = 1", "expected an attribute name", 1),
        ("a not contains 'x'", "expected 'in' after 'not'", 7),
        ("a = 1 and", "expected an attribute name", 10),
        ("`` = 1", "empty attribute name", 1),
        ("a 'b'", "expected an operator after 'a'", 3),
    ],
)
def test_syntax_errors_show_the_column_with_a_caret(text: str, message: str, column: int) -> None:
    with pytest.raises(RuleSyntaxError) as caught:
        parse_rule(text)
    error = str(caught.value)
    first, shown, caret = error.split("\n")
    assert message in first
    assert first.endswith(f"at column {column}")
    assert shown == "  " + text
    assert caret == "  " + " " * (column - 1) + "^"
    assert isinstance(caught.value, ValidationError)


def test_deep_nesting_is_a_syntax_error_not_a_crash() -> None:
    with pytest.raises(RuleSyntaxError, match="nested"):
        parse_rule("(" * 500 + "a" + ")" * 500)
    with pytest.raises(RuleSyntaxError, match="nested"):
        parse_rule("not " * 500 + "a")


def test_person_values_exposes_builtin_fields() -> None:
    person = PersonRecord(
        external_id="1",
        display_name="Amélie Dupont",
        kind="customer",
        locale="fr-CH",
        attributes=(("city", "Genève"), ("name", "shadowed")),
    )
    rule = parse_rule("kind = 'customer' and name contains 'dupont' and city = 'Genève'")
    assert rule.evaluate(person_values(person))


# -- properties ------------------------------------------------------------------

_KEYS = st.one_of(
    st.sampled_from(["city", "âge", "Name", "and", "date", "x_1", "my key", "a`b", "Ville"]),
    # Parsed names are NFC (so that a name matches however its accents were typed).
    st.text(min_size=1, max_size=8)
    .map(lambda k: unicodedata.normalize("NFC", k))
    .filter(lambda k: k.strip() != ""),
)
_LITERALS = st.one_of(
    st.text(max_size=10),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(),
)


def _nodes() -> st.SearchStrategy[Node]:
    leaves: st.SearchStrategy[Node] = st.one_of(
        st.builds(Compare, _KEYS, st.sampled_from(["=", "!=", "<", "<=", ">", ">="]), _LITERALS),
        st.builds(In, _KEYS, st.lists(_LITERALS, min_size=1, max_size=3).map(tuple), st.booleans()),
        st.builds(
            TextMatch,
            _KEYS,
            st.sampled_from(["contains", "starts with", "ends with"]),
            st.text(max_size=8),
        ),
        st.builds(IsNull, _KEYS, st.booleans()),
        st.builds(Flag, _KEYS),
        st.builds(Constant, st.booleans()),
    )

    def extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
        return st.one_of(
            st.builds(Not, children),
            st.lists(children, min_size=2, max_size=3).map(lambda c: And(tuple(c))),
            st.lists(children, min_size=2, max_size=3).map(lambda c: Or(tuple(c))),
        )

    return st.recursive(leaves, extend, max_leaves=12)


@settings(max_examples=300)
@given(node=_nodes())
def test_property_canonical_text_round_trips(node: Node) -> None:
    text = str(Rule(node))
    parsed = parse_rule(text)
    assert str(parsed) == text
    assert parse_rule(str(parsed)) == parsed


_VALUES = st.one_of(
    st.none(),
    st.text(max_size=10),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.datetimes(timezones=st.just(dt.UTC)),
    st.decimals(),
    st.lists(st.integers(), max_size=2),
    st.just(object()),
)


@settings(max_examples=300)
@given(node=_nodes(), values=st.dictionaries(_KEYS, _VALUES, max_size=8))
def test_property_evaluate_never_raises(node: Node, values: dict[str, object]) -> None:
    result = Rule(node).evaluate(values)
    assert isinstance(result, bool)


def test_evaluate_survives_signalling_nan_and_nan() -> None:
    rule = parse_rule("x < 1 or x = 1 or x in (1, 2)")
    assert rule.evaluate({"x": Decimal("sNaN")}) is False
    assert rule.evaluate({"x": math.nan}) is False
