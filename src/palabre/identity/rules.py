"""The segment rule language: which persons belong to a segment.

A rule is a condition over a person's attributes, for example::

    city = 'Genève' and contract = 'monthly'
    tenure_months >= 24 or (value in ('gold', 'platinum') and not churned)
    signup_date < date('2025-01-01')
    email ends with '@example.ch'
    region is null

The full language and its semantics are documented in ``docs/segment-rules.md``.
Parsing is a hand-written tokenizer and recursive-descent parser (never ``eval``):
a rule comes from a user and must not be able to do anything but compare values.

Evaluation is total: a missing attribute or a value of another type makes a
comparison false; nothing raises, whatever the attribute values are.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, TypeAlias

from palabre.connectors.records import AttributeValue, PersonRecord
from palabre.errors import RuleSyntaxError

#: keys that name person fields rather than imported attributes
BUILTIN_KEYS: frozenset[str] = frozenset({"kind", "locale", "name"})

#: words that cannot be bare attribute names (write them in backquotes: `in`)
RESERVED_WORDS: frozenset[str] = frozenset(
    {"and", "or", "not", "in", "is", "null", "true", "false"}
)
# Words with a meaning only in some positions; canonical output backquotes them too
# so that a printed rule never depends on that subtlety.
_CONTEXTUAL_WORDS = frozenset({"contains", "starts", "ends", "with", "date"})

#: deepest nesting of parentheses / ``not`` accepted (keeps recursion bounded)
MAX_DEPTH = 64

Literal_: TypeAlias = str | int | float | bool | dt.date
CompareOp = Literal["=", "!=", "<", "<=", ">", ">="]
TextOp = Literal["contains", "starts with", "ends with"]

_OPERATORS: dict[str, CompareOp] = {
    "=": "=",
    "==": "=",
    "!=": "!=",
    "<>": "!=",
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
}
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MISSING = object()


# -- syntax tree ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Compare:
    """``key op value`` with ``op`` among = != < <= > >=."""

    key: str
    op: CompareOp
    value: Literal_


@dataclass(frozen=True, slots=True)
class In:
    """``key in (v1, v2...)`` or, negated, ``key not in (...)``."""

    key: str
    values: tuple[Literal_, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class TextMatch:
    """``key contains / starts with / ends with 'text'`` (case-insensitive)."""

    key: str
    op: TextOp
    value: str


@dataclass(frozen=True, slots=True)
class IsNull:
    """``key is null`` or ``key is not null``."""

    key: str
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Flag:
    """A bare ``key``: true when the attribute is the boolean true."""

    key: str


@dataclass(frozen=True, slots=True)
class Constant:
    """``true`` or ``false`` on its own (``true`` selects everyone)."""

    value: bool


@dataclass(frozen=True, slots=True)
class Not:
    """``not operand``."""

    operand: Node


@dataclass(frozen=True, slots=True)
class And:
    """``a and b and ...`` (nested ``and`` are flattened)."""

    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """``a or b or ...`` (nested ``or`` are flattened)."""

    operands: tuple[Node, ...]


Node: TypeAlias = Compare | In | TextMatch | IsNull | Flag | Constant | Not | And | Or


# -- the public object ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rule:
    """A parsed rule: evaluate it on a person's values, list the keys it reads, print it.

    Two rules are equal when their syntax trees are (``str`` gives the canonical
    text, which parses back to an equal rule).
    """

    node: Node

    def evaluate(self, attributes: Mapping[str, object]) -> bool:
        """Whether a person with these values matches; never raises.

        ``attributes`` holds the person's attributes and, under ``kind``, ``locale``
        and ``name``, its fields (:func:`person_values` builds it from a record).
        A key not found exactly is looked up ignoring case, when that is unambiguous.
        """
        return _evaluate(self.node, attributes)

    def keys(self) -> set[str]:
        """The attribute keys the rule reads (builtin keys included)."""
        return set(_keys(self.node))

    def __str__(self) -> str:
        return _format(self.node)


def parse_rule(text: str) -> Rule:
    """Parse a rule; raise :class:`RuleSyntaxError` showing where it went wrong.

    The message names the problem and the column (1-based) and repeats the rule
    with a caret under that column.
    """
    parser = _Parser(text)
    return Rule(parser.parse())


def person_values(person: PersonRecord) -> dict[str, AttributeValue]:
    """The mapping a rule is evaluated on for an imported person.

    Attributes come first; the builtin keys ``kind``, ``locale`` and ``name`` (the
    display name) then take precedence over attributes of the same name.
    """
    values: dict[str, AttributeValue] = dict(person.attributes)
    values["kind"] = person.kind
    values["locale"] = person.locale
    values["name"] = person.display_name
    return values


# -- tokenizer -----------------------------------------------------------------

TokenKind = Literal["ident", "string", "number", "op", "(", ")", ",", "end"]


@dataclass(frozen=True, slots=True)
class _Token:
    kind: TokenKind
    text: str  # as written (for messages)
    column: int  # 1-based
    value: str | int | float = ""
    bare: bool = False  # an identifier written without backquotes (may be a keyword)

    def word(self) -> str | None:
        """The lower-cased keyword this token could be, or None."""
        return self.text.lower() if self.kind == "ident" and self.bare else None


def _is_name_start(char: str) -> bool:
    return char.isalpha() or char == "_"


def _is_name_char(char: str) -> bool:
    # Combining marks too: a name typed with decomposed accents stays one name.
    return char.isalnum() or char == "_" or unicodedata.category(char).startswith("M")


def _tokenize(text: str) -> Iterator[_Token]:
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        column = index + 1
        if char.isspace():
            index += 1
        elif char in "'\"":
            value, end = _read_quoted(text, index, char, "string")
            yield _Token("string", text[index:end], column, value)
            index = end
        elif char == "`":
            name, end = _read_quoted(text, index, "`", "name")
            if not name.strip():
                raise _error(text, column, "empty attribute name between backquotes")
            yield _Token("ident", text[index:end], column, unicodedata.normalize("NFC", name))
            index = end
        elif char.isdigit() or (char == "-" and index + 1 < length and text[index + 1].isdigit()):
            end = index + 1
            while end < length and text[end].isdigit() and text[end].isascii():
                end += 1
            is_decimal = end + 1 < length and text[end] == "." and text[end + 1].isdigit()
            if is_decimal:
                end += 1
                while end < length and text[end].isdigit() and text[end].isascii():
                    end += 1
            written = text[index:end]
            yield _Token("number", written, column, _number(text, column, written, is_decimal))
            index = end
        elif _is_name_start(char):
            end = index + 1
            while end < length and _is_name_char(text[end]):
                end += 1
            name = unicodedata.normalize("NFC", text[index:end])
            yield _Token("ident", text[index:end], column, name, bare=True)
            index = end
        elif text.startswith(("<=", ">=", "!=", "<>", "=="), index):
            yield _Token("op", text[index : index + 2], column)
            index += 2
        elif char in "=<>":
            yield _Token("op", char, column)
            index += 1
        elif char in "(),":
            yield _Token(char, char, column)  # type: ignore[arg-type]
            index += 1
        else:
            raise _error(text, column, f"unexpected character '{char}'")
    yield _Token("end", "", length + 1)


def _read_quoted(text: str, start: int, quote: str, what: str) -> tuple[str, int]:
    """Read a quoted string or name from ``start``; a doubled quote stands for itself."""
    parts: list[str] = []
    index = start + 1
    while True:
        end = text.find(quote, index)
        if end < 0:
            raise _error(text, start + 1, f"unterminated {what}: the {quote} is never closed")
        parts.append(text[index:end])
        if text.startswith(quote * 2, end):
            parts.append(quote)
            index = end + 2
        else:
            return "".join(parts), end + 1


def _number(text: str, column: int, written: str, is_decimal: bool) -> int | float:
    try:
        number: int | float = float(written) if is_decimal else int(written)
    except ValueError:  # more digits than Python converts
        raise _error(text, column, "this number is too long") from None
    if isinstance(number, float) and number in (float("inf"), float("-inf")):
        raise _error(text, column, "this number is too large")
    return number


# -- parser --------------------------------------------------------------------


class _Parser:
    """Recursive descent over: or_expr := and_expr ('or' and_expr)*;
    and_expr := not_expr ('and' not_expr)*; not_expr := 'not' not_expr | primary;
    primary := '(' or_expr ')' | 'true' | 'false' | condition."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = list(_tokenize(text))
        self.index = 0
        self.depth = 0

    def tok(self) -> _Token:
        """The current token (a method, not a property: it changes as parsing advances)."""
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    def fail(self, message: str, token: _Token | None = None) -> RuleSyntaxError:
        return _error(self.text, (token or self.tok()).column, message)

    def parse(self) -> Node:
        if self.tok().kind == "end":
            raise self.fail("the rule is empty")
        node = self.or_expr()
        if self.tok().kind != "end":
            if self.tok().kind == ")":
                raise self.fail("this ')' closes no '('")
            raise self.fail(
                f"unexpected {_describe(self.tok())}: join conditions with 'and' or 'or'"
            )
        return node

    def or_expr(self) -> Node:
        operands = [self.and_expr()]
        while self.tok().word() == "or":
            self.advance()
            operands.append(self.and_expr())
        return _combine(Or, operands)

    def and_expr(self) -> Node:
        operands = [self.not_expr()]
        while self.tok().word() == "and":
            self.advance()
            operands.append(self.not_expr())
        return _combine(And, operands)

    def not_expr(self) -> Node:
        if self.tok().word() == "not":
            self.advance()
            with self.nested():
                return Not(self.not_expr())
        return self.primary()

    def nested(self) -> _Depth:
        return _Depth(self)

    def primary(self) -> Node:
        token = self.tok()
        if token.kind == "(":
            self.advance()
            with self.nested():
                node = self.or_expr()
            if self.tok().kind != ")":
                raise self.fail(
                    f"expected ')' to close the '(' at column {token.column}, "
                    f"found {_describe(self.tok())}"
                )
            self.advance()
            return node
        word = token.word()
        if word in ("true", "false"):
            self.advance()
            return Constant(word == "true")
        if token.kind != "ident" or word in RESERVED_WORDS:
            raise self.fail(f"expected an attribute name, 'not' or '(', found {_describe(token)}")
        self.advance()
        return self.condition(str(token.value), token)

    def condition(self, key: str, key_token: _Token) -> Node:
        token = self.tok()
        word = token.word()
        if token.kind == "op":
            self.advance()
            op = _OPERATORS[token.text]
            if self.tok().word() == "null":
                raise self.fail(f"use 'is null' or 'is not null' rather than '{token.text} null'")
            return Compare(key, op, self.literal(f"after '{token.text}'"))
        if word == "in":
            self.advance()
            return In(key, self.literal_tuple())
        if word == "not":
            self.advance()
            if self.tok().word() != "in":
                raise self.fail(
                    f"expected 'in' after 'not' (to negate a condition write: not {key} ...)"
                )
            self.advance()
            return In(key, self.literal_tuple(), negated=True)
        if word == "is":
            self.advance()
            negated = self.tok().word() == "not"
            if negated:
                self.advance()
            if self.tok().word() != "null":
                raise self.fail(f"expected 'null' after 'is{' not' if negated else ''}'")
            self.advance()
            return IsNull(key, negated)
        if word in ("contains", "starts", "ends"):
            self.advance()
            text_op: TextOp = "contains"
            if word != "contains":
                if self.tok().word() != "with":
                    raise self.fail(f"expected 'with' after '{token.text}'")
                self.advance()
                text_op = "starts with" if word == "starts" else "ends with"
            value_token = self.tok()
            value = self.literal(f"after '{text_op}'")
            if not isinstance(value, str):
                raise self.fail(f"'{text_op}' needs a text in quotes", value_token)
            return TextMatch(key, text_op, value)
        if token.kind in ("end", ")") or word in ("and", "or"):
            return Flag(key)
        raise self.fail(
            f"expected an operator after '{key_token.text}' "
            "(=, !=, <, <=, >, >=, in, not in, contains, starts with, ends with, is null), "
            f"found {_describe(token)}"
        )

    def literal(self, where: str) -> Literal_:
        token = self.tok()
        word = token.word()
        if token.kind == "string":
            self.advance()
            return str(token.value)
        if token.kind == "number":
            self.advance()
            return token.value
        if word in ("true", "false"):
            self.advance()
            return word == "true"
        if word == "date" and self.tokens[self.index + 1].kind == "(":
            self.advance()
            self.advance()
            text_token = self.tok()
            if text_token.kind != "string":
                raise self.fail("expected a date in quotes: date('YYYY-MM-DD')")
            self.advance()
            if self.tok().kind != ")":
                raise self.fail("expected ')' after the date: date('YYYY-MM-DD')")
            self.advance()
            return _date(self.text, text_token)
        raise self.fail(f"expected a value {where}, found {_describe(token)}")

    def literal_tuple(self) -> tuple[Literal_, ...]:
        if self.tok().kind != "(":
            raise self.fail("expected '(' and a list of values, e.g. in ('a', 'b')")
        self.advance()
        values = [self.literal("in the list")]
        while self.tok().kind == ",":
            self.advance()
            if self.tok().kind == ")":
                break  # a trailing comma is harmless
            values.append(self.literal("after ','"))
        if self.tok().kind != ")":
            raise self.fail(f"expected ',' or ')' in the list, found {_describe(self.tok())}")
        self.advance()
        return tuple(values)


class _Depth:
    """Count nesting while parsing so that a hostile rule cannot exhaust the stack."""

    def __init__(self, parser: _Parser) -> None:
        self.parser = parser

    def __enter__(self) -> None:
        self.parser.depth += 1
        if self.parser.depth > MAX_DEPTH:
            raise self.parser.fail(f"the rule is nested more than {MAX_DEPTH} levels deep")

    def __exit__(self, *exc: object) -> None:
        self.parser.depth -= 1


def _combine(cls: type[And] | type[Or], operands: list[Node]) -> Node:
    if len(operands) == 1:
        return operands[0]
    flat: list[Node] = []
    for operand in operands:
        # `a and (b and c)` is `a and b and c`: one shape per meaning, so that
        # the canonical text round-trips to an equal tree.
        flat.extend(operand.operands if isinstance(operand, cls) else (operand,))
    return cls(tuple(flat))


def _date(text: str, token: _Token) -> dt.date:
    value = str(token.value)
    if _DATE_TEXT.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise _error(text, token.column, f"'{value}' is not a date in the form YYYY-MM-DD")


def _describe(token: _Token) -> str:
    if token.kind == "end":
        return "the end of the rule"
    return f"'{token.text}'"


def _error(text: str, column: int, message: str) -> RuleSyntaxError:
    # Tabs and newlines would break the caret's alignment: show them as spaces.
    shown = "".join(" " if char in "\t\r\n" else char for char in text)
    return RuleSyntaxError(f"{message} at column {column}\n  {shown}\n  {' ' * (column - 1)}^")


# -- canonical text ------------------------------------------------------------


def _format(node: Node) -> str:
    match node:
        case Compare(key, op, value):
            return f"{_format_key(key)} {op} {_format_literal(value)}"
        case In(key, values, negated):
            items = ", ".join(_format_literal(value) for value in values)
            return f"{_format_key(key)} {'not in' if negated else 'in'} ({items})"
        case TextMatch(key, op, value):
            return f"{_format_key(key)} {op} {_format_literal(value)}"
        case IsNull(key, negated):
            return f"{_format_key(key)} is {'not null' if negated else 'null'}"
        case Flag(key):
            return _format_key(key)
        case Constant(value):
            return "true" if value else "false"
        case Not(operand):
            inner = _format(operand)
            return f"not ({inner})" if isinstance(operand, And | Or) else f"not {inner}"
        case And(operands):
            return " and ".join(
                f"({_format(op)})" if isinstance(op, Or) else _format(op) for op in operands
            )
        case Or(operands):
            # Parentheses around an inner `and` are not needed but read better.
            return " or ".join(
                f"({_format(op)})" if isinstance(op, And) else _format(op) for op in operands
            )


def _format_key(key: str) -> str:
    bare = (
        key
        and _is_name_start(key[0])
        and all(_is_name_char(char) for char in key[1:])
        and key.lower() not in RESERVED_WORDS | _CONTEXTUAL_WORDS
    )
    return key if bare else "`" + key.replace("`", "``") + "`"


def _format_literal(value: Literal_) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Plain decimal notation: the rule language has no exponents.
        text = format(Decimal(repr(value)), "f")
        return text if "." in text else text + ".0"
    return f"date('{value.isoformat()}')"


# -- evaluation ----------------------------------------------------------------


def _keys(node: Node) -> Iterator[str]:
    match node:
        case Compare(key) | In(key) | TextMatch(key) | IsNull(key) | Flag(key):
            yield key
        case Not(operand):
            yield from _keys(operand)
        case And(operands) | Or(operands):
            for operand in operands:
                yield from _keys(operand)
        case Constant():
            pass


def _evaluate(node: Node, values: Mapping[str, object]) -> bool:
    match node:
        case Compare(key, op, literal):
            return _compare(_lookup(values, key), op, literal)
        case In(key, literals, negated):
            value = _lookup(values, key)
            if any(_compare(value, "=", literal) for literal in literals):
                return not negated
            # `not in` needs a value of a type found in the list, like `!=`.
            return negated and any(_comparable(value, literal) for literal in literals)
        case TextMatch(key, op, literal):
            value = _lookup(values, key)
            if not isinstance(value, str):
                return False
            text, wanted = _text(value).casefold(), _text(literal).casefold()
            if op == "contains":
                return wanted in text
            return text.startswith(wanted) if op == "starts with" else text.endswith(wanted)
        case IsNull(key, negated):
            value = _lookup(values, key)
            null = (
                value is _MISSING or value is None or (isinstance(value, str) and not value.strip())
            )
            return null != negated
        case Flag(key):
            return _lookup(values, key) is True
        case Constant(value):
            return value
        case Not(operand):
            return not _evaluate(operand, values)
        case And(operands):
            return all(_evaluate(operand, values) for operand in operands)
        case Or(operands):
            return any(_evaluate(operand, values) for operand in operands)


def _lookup(values: Mapping[str, object], key: str) -> object:
    try:
        return values[key]
    except KeyError:
        pass
    except Exception:  # a strange mapping must not break a segment computation
        return _MISSING
    wanted = _fold_key(key)
    found = [
        value
        for name, value in values.items()
        if isinstance(name, str) and _fold_key(name) == wanted
    ]
    return found[0] if len(found) == 1 else _MISSING


def _fold_key(key: str) -> str:
    return unicodedata.normalize("NFC", key).casefold()


def _text(value: str) -> str:
    # Trimmed and NFC: "Genève" typed on a Mac (decomposed è) equals "Genève".
    return unicodedata.normalize("NFC", value.strip())


def _kind(value: object) -> str | None:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float | Decimal):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dt.date):  # datetimes too: compared by their date
        return "date"
    return None


def _comparable(value: object, literal: Literal_) -> bool:
    kind = _kind(value)
    return kind is not None and kind == _kind(literal)


def _compare(value: object, op: CompareOp, literal: Literal_) -> bool:
    if not _comparable(value, literal):
        return False  # missing, null, or another type: false, whatever the operator
    left: object = value
    right: object = literal
    if isinstance(value, str):
        left, right = _text(value), _text(str(literal))
    elif isinstance(value, dt.datetime):
        left = value.date()
    elif isinstance(value, bool) and op not in ("=", "!="):
        return False  # booleans have no order
    try:
        if op == "=":
            return bool(left == right)
        if op == "!=":
            return bool(left != right)
        if op == "<":
            return bool(left < right)  # type: ignore[operator]
        if op == "<=":
            return bool(left <= right)  # type: ignore[operator]
        if op == ">":
            return bool(left > right)  # type: ignore[operator]
        return bool(left >= right)  # type: ignore[operator]
    except (TypeError, ArithmeticError):  # Decimal('sNaN'), exotic subclasses
        return False
