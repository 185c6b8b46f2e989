"""The XLSForm expressions of campaign questions (``relevant``, ``constraint``): a table of cases from the XLSForm
specification and ODK's documentation, the refusals, and a hypothesis test comparing random expressions over random
answers with a reference evaluator written here, apart from the module's own."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey.questions.expressions import ExpressionError, parse

# ---- the specification's examples ------------------------------------------------------------------------------

SPEC = [
    # (expression, answers, the answer itself, holds)
    (". >= 18", {}, 18, True),
    (". >= 18", {}, 17, False),
    (". > 0 and . < 100", {}, 50, True),
    (". > 0 and . < 100", {}, 100, False),
    ("${age} >= 18", {"age": 20}, None, True),
    ("${age} >= 18", {"age": None}, None, False),  # not answered: XPath's NaN
    ("${age} < 18", {"age": ""}, None, False),
    ("${age} != 18", {"age": ""}, None, True),
    ("${has_child} = 'yes'", {"has_child": "yes"}, None, True),
    ("${has_child} = 'yes'", {"has_child": "no"}, None, False),
    ("${name} = ''", {}, None, True),  # = '' tests a blank answer
    ("${name} != ''", {"name": "Айгүл"}, None, True),
    ("selected(${toppings}, 'pepperoni')", {"toppings": ["cheese", "pepperoni"]}, None, True),
    ("selected(${toppings}, 'pepperoni')", {"toppings": "cheese pepperoni"}, None, True),  # as ODK stores it
    ("selected(${toppings}, 'pepper')", {"toppings": ["cheese", "pepperoni"]}, None, False),
    ("not(selected(${toppings}, 'none'))", {"toppings": []}, None, True),
    ("count-selected(${toppings}) <= 2", {"toppings": ["a", "b", "c"]}, None, False),
    ("count-selected(${toppings}) = 0", {}, None, True),
    ("string-length(.) <= 10", {}, "0123456789", True),
    ("string-length(.) <= 10", {}, "0123456789X", False),
    ("string-length() = 3", {}, "abc", True),
    ("regex(., '^[0-9]{10}$')", {}, "0123456789", True),
    ("regex(., '^[0-9]{10}$')", {}, "012345678", False),
    ("regex(${email}, '@')", {"email": "a@b.kz"}, None, True),
    ("${ai_use} = 'true'", {"ai_use": True}, None, True),  # a core yes/no answer
    ("${ai_use} = 'true'", {"ai_use": False}, None, False),
    ("${ai_use} = 'true'", {}, None, False),
    ("${post} = 'teacher' or ${post} = 'educator'", {"post": "educator"}, None, True),
    ("${teaching_hours} > 18 and ${ai_use} = 'false'", {"teaching_hours": 20, "ai_use": False}, None, True),
    ("${rate} = 1.5", {"rate": Decimal("1.50")}, None, True),  # numbers compare as numbers
    ("${rate} = '1.5'", {"rate": "1.50"}, None, True),
    ("${share} = '12.5'", {"share": "12.50"}, None, True),
    ("${code} = '007'", {"code": "7"}, None, True),  # two numbers: as numbers
    ("${code} = 'abc'", {"code": "7"}, None, False),
    ("${code} < 5", {"code": "abc"}, None, False),  # a text that is no number: NaN
    ("${start} < ${end}", {"start": dt.date(2026, 1, 5), "end": "2026-02-01"}, None, True),  # ISO dates
    ("${start} >= '2026-01-06'", {"start": dt.date(2026, 1, 5)}, None, False),
    ("(${a} = 1 or ${b} = 2) and not(${c} = 3)", {"a": 1, "c": 4}, None, True),
    ("${a} = 1 or ${b} = 2 and ${c} = 3", {"a": 1, "b": 0, "c": 0}, None, True),  # and binds tighter than or
    ("-1 < ${a}", {"a": "0"}, None, True),
    (". = \"двойные кавычки\"", {}, "двойные кавычки", True),
    ("${x}", {"x": "a"}, None, True),  # a value standing alone: boolean()
    ("${x}", {"x": ""}, None, False),
    ("count-selected(${t})", {"t": ["a"]}, None, True),
    ("count-selected(${t})", {"t": []}, None, False),
]


@pytest.mark.parametrize(("text", "answers", "here", "holds"), SPEC, ids=[case[0] + f" #{i}"
                                                                         for i, case in enumerate(SPEC)])
def test_cases_of_the_specification(text, answers, here, holds):
    assert parse(text).holds(answers, here) is holds


def test_the_tree_as_the_page_script_reads_it():
    expression = parse("selected(${tools}, 'other') and (count-selected(${tools}) > 1 or not(. = ''))")
    assert expression.as_json() == [
        "and", ["selected", ["ref", "tools"], "other"],
        ["or", ["cmp", ">", ["count-selected", ["ref", "tools"]], ["num", 1.0]],
         ["not", ["cmp", "=", ["here"], ["str", ""]]]]]
    assert expression.names == {"tools"} and expression.uses_here
    assert expression.text == "selected(${tools}, 'other') and (count-selected(${tools}) > 1 or not(. = ''))"
    assert parse("regex(${ a }, '^x$')").as_json() == ["regex", ["ref", "a"], "^x$"]
    assert parse("string-length(${b}) >= 2").as_json() == ["cmp", ">=", ["string-length", ["ref", "b"]],
                                                           ["num", 2.0]]


@pytest.mark.parametrize(("text", "fragment"), [
    ("", "empty"),
    ("${a} + 1 = 2", "cannot be read"),
    ("${a} * 2", "cannot be read"),
    ("${a} = 1 = 2", "Join two comparisons"),
    ("today() > .", "today"),
    ("concat(${a}, 'x') = 'yx'", "concat"),
    ("pulldata('towns', 'name', 'id', ${a})", "pulldata"),
    ("jr:choice-name(${a}, '${a}')", "cannot be read"),
    ("${a} = 1 and", "ends too early"),
    ("(${a} = 1", "“)” is missing"),
    ("${a} = 1)", "Unexpected"),
    ("selected(${a})", "takes 2"),
    ("selected(${a}, ${b})", "quoted text"),
    ("count-selected(${a} = 1)", "not a condition"),
    ("(${a} = 1) = (${b} = 2)", "two values"),
    ("regex(., '[')", "pattern"),
    ("'unterminated", "cannot be read"),
    ("${}", "cannot be read"),
    ("${a} mod 2 = 0", "mod"),
    ("${a} div 2 = 0", "div"),
    ("position(..) = 1", "position"),
    ("${a} = 1 or " * 200 + "${a} = 1", "longer than"),
    ("not(" * 50 + "${a}" + ")" * 50, "nests too deeply"),
])
def test_what_is_not_in_the_allowed_part_is_refused_with_a_reason(text, fragment):
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert fragment in str(caught.value)


# ---- random expressions against a reference evaluator --------------------------------------------------------
# The reference works on its own tree (tuples), rendered to text for the parser; it follows the rules of the
# issue's contract (XPath 1.0 as ODK reads answers), written again from them, not from the module.

NAMES = ("a", "b", "c", "d")
CHOICES = ("x", "y", "z", "3")
NUMBERS = (0, 1, 2.5, 3, 10, -1, 0.5)


def ref_text(value) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, list):
        return " ".join(ref_text(item) for item in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def ref_number(value):
    if isinstance(value, float):
        return value
    if re.fullmatch(r"\s*-?(\d+(\.\d*)?|\.\d+)\s*", value):
        return float(value)
    return None


def ref_value(node, answers, here):
    kind = node[0]
    if kind == "ref":
        return ref_text(answers.get(node[1]))
    if kind == "here":
        return ref_text(here)
    if kind == "num":
        return float(node[1])
    if kind == "str":
        return node[1]
    if kind == "count":
        return float(len(ref_text(ref_value(node[1], answers, here)).split()))
    if kind == "len":
        return float(len(ref_text(ref_value(node[1], answers, here))))
    raise AssertionError(kind)


def ref_holds(node, answers, here) -> bool:
    kind = node[0]
    if kind == "and":
        return ref_holds(node[1], answers, here) and ref_holds(node[2], answers, here)
    if kind == "or":
        return ref_holds(node[1], answers, here) or ref_holds(node[2], answers, here)
    if kind == "not":
        return not ref_holds(node[1], answers, here)
    if kind == "selected":
        return node[2] in ref_text(ref_value(node[1], answers, here)).split(" ")
    if kind == "regex":
        return re.search(node[2], ref_text(ref_value(node[1], answers, here))) is not None
    if kind == "cmp":
        op, left, right = node[1], ref_value(node[2], answers, here), ref_value(node[3], answers, here)
        x, y = ref_number(left if isinstance(left, float) else ref_text(left)), \
            ref_number(right if isinstance(right, float) else ref_text(right))
        if x is None or y is None:
            if op in ("<", "<=", ">", ">="):
                if x is not None or y is not None or ref_text(left) == "" or ref_text(right) == "":
                    return False
            x, y = ref_text(left), ref_text(right)
        return {"=": x == y, "!=": x != y, "<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]
    value = ref_value(node, answers, here)  # a value standing alone: XPath's boolean()
    return value != 0 if isinstance(value, float) else value != ""


def render(node) -> str:
    kind = node[0]
    if kind == "ref":
        return "${" + node[1] + "}"
    if kind == "here":
        return "."
    if kind == "num":
        return ref_text(float(node[1]))
    if kind == "str":
        return f"'{node[1]}'"
    if kind == "count":
        return f"count-selected({render(node[1])})"
    if kind == "len":
        return f"string-length({render(node[1])})"
    if kind in ("and", "or"):
        return f"({render(node[1])}) {kind} ({render(node[2])})"
    if kind == "not":
        return f"not({render(node[1])})"
    if kind == "selected":
        return f"selected({render(node[1])}, '{node[2]}')"
    if kind == "regex":
        return f"regex({render(node[1])}, '{node[2]}')"
    if kind == "cmp":
        return f"{render(node[2])} {node[1]} {render(node[3])}"
    raise AssertionError(kind)


texts = st.sampled_from(["", "x", "y", "3", "2.5", "abc", "2026-01-05", "x y", "-1", "10"])
atoms = st.one_of(
    st.tuples(st.just("ref"), st.sampled_from(NAMES)),
    st.just(("here",)),
    st.tuples(st.just("num"), st.sampled_from(NUMBERS)),
    st.tuples(st.just("str"), texts),
)
values = st.one_of(atoms, st.tuples(st.sampled_from(["count", "len"]), atoms))
conditions = st.recursive(
    st.one_of(
        st.tuples(st.just("cmp"), st.sampled_from(["=", "!=", "<", "<=", ">", ">="]), values, values),
        st.tuples(st.just("selected"), values, st.sampled_from(CHOICES)),
        st.tuples(st.just("regex"), values, st.sampled_from(["^x", "[0-9]", "^$", "y$", "^-?[0-9.]+$"])),
        values,
    ),
    lambda inner: st.one_of(st.tuples(st.sampled_from(["and", "or"]), inner, inner), st.tuples(st.just("not"), inner)),
    max_leaves=8,
)
answer_values = st.one_of(
    st.none(), texts, st.sampled_from(CHOICES), st.lists(st.sampled_from(CHOICES), unique=True, max_size=3),
    st.integers(-5, 30), st.sampled_from([Decimal("2.5"), Decimal("12.50"), Decimal("3"), Decimal("-1.0")]),
    st.booleans(), st.dates(dt.date(2025, 1, 1), dt.date(2027, 1, 1)),
)


def ref_names(node) -> set[str]:
    found = {node[1]} if node[0] == "ref" else set()
    for item in node[1:]:
        if isinstance(item, tuple):
            found |= ref_names(item)
    return found


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(node=conditions, answers=st.dictionaries(st.sampled_from(NAMES), answer_values), here=answer_values)
def test_random_expressions_evaluate_like_the_reference(node, answers, here):
    text = render(node)
    expression = parse(text)
    assert expression.holds(answers, here) is ref_holds(node, answers, here), (text, answers, here)
    assert expression.names == ref_names(node)
    assert parse(text).as_json() == expression.as_json()  # the same text, the same tree
