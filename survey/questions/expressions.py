"""The XLSForm expressions a campaign's questions may carry in ``relevant`` and ``constraint``, parsed into a tree
and evaluated from it (never ``eval``): the small part of ODK's XPath the issue allows.

    ${name} = 'x'   ${name} != 3   . >= 0   < <= > >=     comparisons of two values
    selected(${name}, 'x')   count-selected(${name})   string-length(.)   regex(., '^[0-9]+$')
    a and b   a or b   not(a)   ( … )

Values are treated as XPath 1.0 and ODK treat them. An answer is its text: a blank answer is ""; a
select_multiple answer is its choice names joined by a space; a yes/no answer is 'true' or 'false'; a date is its
ISO text. ``=`` and ``!=`` compare as numbers when both sides are numbers (a number literal, ``count-selected``,
``string-length`` or an answer whose text is a number), else as texts (so ``${x} = ''`` tests a blank answer).
``<``, ``<=``, ``>`` and ``>=`` compare numbers as numbers and two texts as texts (ISO dates in date order),
and are false when either side is blank or one side is a number and the other a text that is none (XPath's NaN).
A value standing alone as a condition holds when it is a non-blank text or a non-zero number (XPath's
``boolean()``). A decimal answer reads as it was given ("12.50"), a number of the expression as XPath writes it
(3.0: "3").

The tree (``Expression.as_json``), which the pages' script evaluates the same way:
    ["ref", name] | ["here"] | ["num", 3.5] | ["str", "x"] | ["cmp", op, a, b] | ["and", a, b] | ["or", a, b] |
    ["not", a] | ["selected", a, "x"] | ["count-selected", a] | ["string-length", a] | ["regex", a, "pattern"]
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

OPERATORS = ("=", "!=", "<", "<=", ">", ">=")
BOOLEAN = ("cmp", "and", "or", "not", "selected", "regex")
NAME = r"[A-Za-z_][A-Za-z0-9_.\-]*"
_TOKEN = re.compile(rf"""
    \s*(?:
      (?P<ref>\$\{{\s*(?P<name>{NAME})\s*\}})
    | (?P<num>-?(?:\d+(?:\.\d*)?|\.\d+))
    | (?P<str>'[^']*'|"[^"]*")
    | (?P<op>!=|<=|>=|=|<|>)
    | (?P<punct>[(),])
    | (?P<here>\.)
    | (?P<word>[A-Za-z][A-Za-z0-9\-]*)
    )""", re.VERBOSE)
_FUNCTIONS = {"selected": 2, "count-selected": 1, "string-length": 1, "regex": 2, "not": 1}
MAX_LENGTH = 2000
MAX_DEPTH = 40


class ExpressionError(ValueError):
    """An expression that cannot be read; ``message`` is translatable and names what is wrong."""

    def __init__(self, message: Any):
        super().__init__(str(message))
        self.message = message


class Expression:
    """A parsed expression: ``text`` as written, ``tree`` as described above."""

    def __init__(self, text: str, tree: list):
        self.text, self.tree = text, tree
        self.names = frozenset(_names(tree))

    def __repr__(self) -> str:
        return f"<Expression {self.text!r}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Expression) and other.tree == self.tree

    def __hash__(self) -> int:
        return hash(repr(self.tree))

    @property
    def uses_here(self) -> bool:
        return _uses_here(self.tree)

    def as_json(self) -> list:
        return self.tree

    def holds(self, answers: Mapping[str, Any], here: Any = None) -> bool:
        """Whether the expression is true for these answers (by question name) and this answer (``.``)."""
        return _truth(_evaluate(self.tree, answers, here))


def parse(text: str) -> Expression:
    """The expression ``text`` as a tree; raises ``ExpressionError`` for anything outside the allowed part."""
    text = (text or "").strip()
    if not text:
        raise ExpressionError(_l("The expression is empty."))
    if len(text) > MAX_LENGTH:
        raise ExpressionError(_l("The expression is longer than %(limit)s characters.", limit=MAX_LENGTH))
    parser = _Parser(_tokens(text))
    tree = parser.expression()
    if parser.peek() is not None:
        raise ExpressionError(_l("Unexpected “%(token)s” after a complete expression.", token=parser.peek()[1]))
    return Expression(text, tree)


# ---- reading -----------------------------------------------------------------------------------------------------

def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        found = _TOKEN.match(text, position)
        if found is None:
            raise ExpressionError(_l("“%(text)s” cannot be read in an expression.",
                                     text=text[position:].strip()[:20]))
        kind = found.lastgroup if found.lastgroup != "name" else "ref"
        value = found.group("name") if kind == "ref" else found.group(kind)
        if kind == "word" and value in ("and", "or"):
            kind = value
        tokens.append((kind, value))
        position = found.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]):
        self.tokens, self.at, self.depth = tokens, 0, 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise ExpressionError(_l("The expression ends too early."))
        self.at += 1
        return token

    def expect(self, value: str) -> None:
        token = self.peek()
        if token is None or token[1] != value:
            raise ExpressionError(_l("“%(expected)s” is missing in the expression.", expected=value))
        self.at += 1

    def expression(self) -> list:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(_l("The expression nests too deeply."))
        tree = self._chain("or", self._and)
        self.depth -= 1
        return tree

    def _and(self) -> list:
        return self._chain("and", self._comparison)

    def _chain(self, word: str, operand) -> list:
        tree = operand()
        while (token := self.peek()) is not None and token[0] == word:
            self.take()
            tree = [word, tree, operand()]
        return tree

    def _comparison(self) -> list:
        left = self._operand()
        token = self.peek()
        if token is None or token[0] != "op":
            return left
        self.take()
        right = self._operand()
        if (after := self.peek()) is not None and after[0] == "op":
            raise ExpressionError(_l("Join two comparisons with “and” or “or”; “%(op)s” cannot follow one.",
                                     op=after[1]))
        for side in (left, right):
            if side[0] in BOOLEAN:
                raise ExpressionError(_l("A comparison compares two values, not conditions."))
        return ["cmp", token[1], left, right]

    def _operand(self) -> list:
        kind, value = self.take()
        if kind == "ref":
            return ["ref", value]
        if kind == "here":
            return ["here"]
        if kind == "num":
            return ["num", float(value)]
        if kind == "str":
            return ["str", value[1:-1]]
        if value == "(":
            tree = self.expression()
            self.expect(")")
            return tree
        if kind == "word":
            return self._function(value)
        raise ExpressionError(_l("“%(token)s” is not expected here in the expression.", token=value))

    def _function(self, name: str) -> list:
        if name not in _FUNCTIONS:
            raise ExpressionError(_l("The function or word “%(name)s” is not supported; expressions may use "
                                     "selected(), count-selected(), string-length(), regex(), not(), and, or.",
                                     name=name))
        self.expect("(")
        arguments = []
        if not (self.peek() is not None and self.peek()[1] == ")"):
            arguments.append(self.expression())
            while self.peek() is not None and self.peek()[1] == ",":
                self.take()
                arguments.append(self.expression())
        self.expect(")")
        if name == "string-length" and not arguments:
            arguments = [["here"]]  # string-length() is the length of the answer itself
        if len(arguments) != _FUNCTIONS[name]:
            raise ExpressionError(_l("%(name)s() takes %(count)s argument(s).", name=name, count=_FUNCTIONS[name]))
        if name == "not":
            return ["not", arguments[0]]
        value = arguments[0]
        if value[0] in BOOLEAN:
            raise ExpressionError(_l("%(name)s() needs an answer, not a condition.", name=name))
        if name in ("count-selected", "string-length"):
            return [name, value]
        if arguments[1][0] != "str":
            raise ExpressionError(_l("The second argument of %(name)s() must be a quoted text.", name=name))
        text = arguments[1][1]
        if name == "regex":
            try:
                re.compile(text)
            except re.error as exc:
                raise ExpressionError(_l("The pattern of regex() cannot be read: %(reason)s", reason=str(exc))) \
                    from exc
        return [name, value, text]


def _names(tree: list):
    if tree[0] == "ref":
        yield tree[1]
    for item in tree[1:]:
        if isinstance(item, list):
            yield from _names(item)


def _uses_here(tree: list) -> bool:
    return tree[0] == "here" or any(isinstance(item, list) and _uses_here(item) for item in tree[1:])


# ---- evaluating ----------------------------------------------------------------------------------------------

def text_of(value: Any) -> str:
    """An answer as XPath reads it (see the module's description)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return " ".join(text_of(item) for item in value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float):  # a number of the expression: 3.0 reads "3", as XPath's string() writes it
        return format(Decimal(repr(value)).normalize(), "f") if value == value else "NaN"
    if isinstance(value, Decimal):  # an answer: as it was given ("12.50")
        return format(value, "f")
    return str(value)


_NUMBER = re.compile(r"^\s*-?(?:\d+(?:\.\d*)?|\.\d+)\s*$")


def _number(value: Any) -> float | None:
    """The value as a number, if it is one (a number, or a text that reads as one)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, Decimal)):
        return float(value)
    if isinstance(value, str) and _NUMBER.match(value):
        return float(value)
    return None


def _evaluate(tree: list, answers: Mapping[str, Any], here: Any) -> Any:
    kind = tree[0]
    if kind == "ref":
        return text_of(answers.get(tree[1]))
    if kind == "here":
        return text_of(here)
    if kind in ("num", "str"):
        return tree[1]
    if kind == "and":
        return _truth(_evaluate(tree[1], answers, here)) and _truth(_evaluate(tree[2], answers, here))
    if kind == "or":
        return _truth(_evaluate(tree[1], answers, here)) or _truth(_evaluate(tree[2], answers, here))
    if kind == "not":
        return not _truth(_evaluate(tree[1], answers, here))
    if kind == "cmp":
        return _compare(tree[1], _evaluate(tree[2], answers, here), _evaluate(tree[3], answers, here))
    value = _evaluate(tree[1], answers, here)
    if kind == "selected":
        return tree[2] in text_of(value).split()
    if kind == "count-selected":
        return float(len(text_of(value).split()))
    if kind == "string-length":
        return float(len(text_of(value)))
    if kind == "regex":
        return re.search(tree[2], text_of(value)) is not None
    raise ValueError(f"unknown node {kind} in an expression")


def _compare(op: str, left: Any, right: Any) -> bool:
    a, b = _number(left), _number(right)
    if a is not None and b is not None:
        pair: tuple[Any, Any] = (a, b)
    else:
        pair = (text_of(left), text_of(right))
        if op not in ("=", "!=") and ("" in pair or a is not None or b is not None):
            return False  # XPath's NaN: a blank, or a text that is no number beside a number
    x, y = pair
    return {"=": x == y, "!=": x != y, "<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]


def _truth(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return value != 0 and value == value
    return value != ""
