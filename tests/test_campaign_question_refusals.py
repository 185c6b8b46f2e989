"""Campaign questions: every feature of an XLSForm the platform does not take is refused, named by sheet, row and
column, and nothing is saved; so are files that are no workbook, forms too large, a document type declaration."""

from __future__ import annotations

import pytest

from survey.campaigns.xlsform import XLSFormRefused, read_xlsform
from tests.test_campaign_questions import FINE, LIST, C, H, q
from tests.xlsforms import CHOICES_HEADERS, EXAMPLE, question, xlsform


def refused(survey_rows, choices_rows=(CHOICES_HEADERS,)) -> list[tuple]:
    with pytest.raises(XLSFormRefused) as caught:
        read_xlsform(xlsform(survey_rows, choices_rows), "bad.xlsx")
    return [(p.sheet, p.row, p.column) for p in caught.value.problems]


REFUSALS = {
    "repeat": ([H, FINE, q("begin_repeat", "kids"), q("integer", "age"), q("end_repeat", "")], [C],
               [("survey", 3, "type"), ("survey", 5, "type")], "Repeats"),
    "calculate": ([H, FINE, q("calculate", "total")], [C], [("survey", 3, "type")], "Calculations"),
    "choice filter": ([[*H, "choice_filter"], [*FINE, ""], [*q("select_one tools", "tool"), "name = 'a'"]], LIST,
                      [("survey", 3, "choice_filter")], "choice_filter"),
    "select from a file": ([H, FINE, q("select_one_from_file towns.csv", "town")], [C], [("survey", 3, "type")],
                           "External"),
    "select external": ([H, FINE, q("select_one_external towns", "town")], [C], [("survey", 3, "type")],
                        "External"),
    "or_other": ([H, FINE, q("select_one tools or_other", "tool")], LIST, [("survey", 3, "type")], "or_other"),
    "photo": ([H, FINE, q("image", "photo")], [C], [("survey", 3, "type")], "Media"),
    "audio": ([H, FINE, q("audio", "voice")], [C], [("survey", 3, "type")], "Media"),
    "media column": ([[*H, "media::image::kk"], [*FINE, ""], [*q("note", "look"), "pic.png"]], [C],
                     [("survey", 3, "media::image::kk")], "not supported"),
    "geopoint": ([H, FINE, q("geopoint", "where")], [C], [("survey", 3, "type")], "geo"),
    "geoshape": ([H, q("geoshape", "area"), FINE], [C], [("survey", 2, "type")], "geo"),
    "calculation column": ([[*H, "calculation"], [*FINE, ""], [*q("integer", "x"), "${fine} * 2"]], [C],
                           [("survey", 3, "calculation")], "calculation"),
    "repeat_count column": ([[*H, "repeat_count"], [*FINE, "3"]], [C], [("survey", 2, "repeat_count")], "repeat"),
    "read_only column": ([[*H, "read_only"], [*FINE, ""], [*q("text", "x"), "yes"]], [C],
                         [("survey", 3, "read_only")], "read_only"),
    "range type": ([H, FINE, q("range", "scale")], [C], [("survey", 3, "type")], "range"),
    "core name": ([H, FINE, q("integer", "teaching_hours")], [C], [("survey", 3, "name")], "core"),
    "core name in other case": ([H, q("text", "Post"), FINE], [C], [("survey", 2, "name")], "core"),
    "core part name": ([H, FINE, q("text", "subject")], [C], [("survey", 3, "name")], "core"),
    "response column": ([H, FINE, q("text", "status")], [C], [("survey", 3, "name")], "core"),
    "core list name": ([H, FINE, q("select_one post", "my_post")], [C, ["post", "a", "А", "А"]],
                       [("choices", 2, "list_name")], "core"),
    "bad name": ([H, FINE, q("text", "my-answer")], [C], [("survey", 3, "name")], "Latin"),
    "name twice": ([H, FINE, q("text", "fine")], [C], [("survey", 3, "name")], "row 2"),
    "no name": ([H, FINE, q("text", "")], [C], [("survey", 3, "name")], "no name"),
    "bad relevant": ([H, FINE, q("text", "x", relevant="${fine} + 1 = 2")], [C], [("survey", 3, "relevant")],
                     "cannot be read"),
    "bad constraint": ([H, FINE, q("text", "x", constraint="today() > .")], [C], [("survey", 3, "constraint")],
                       "today"),
    "unknown name": ([H, FINE, q("text", "x", relevant="${nope} = 1")], [C], [("survey", 3, "relevant")], "nope"),
    "the IIN is never stored": ([H, FINE, q("text", "x", relevant="${iin} != ''")], [C],
                                [("survey", 3, "relevant")], "iin"),
    "a note holds no answer": ([H, q("note", "intro"), q("text", "x", relevant="${intro} = ''")], [C],
                               [("survey", 3, "relevant")], "intro"),
    "dot in relevant": ([H, FINE, q("text", "x", relevant=". = 'a'")], [C], [("survey", 3, "relevant")],
                        "constraint"),
    "shown by itself": ([H, FINE, q("text", "x", relevant="${x} = ''")], [C], [("survey", 3, "relevant")],
                        "own answer"),
    "circle": ([H, q("text", "a", relevant="${b} = 'y'"), q("text", "b", relevant="${a} = 'x'")], [C],
               [("survey", 2, "relevant")], "circle"),
    "kk label missing": ([["type", "name", "label::ru"], ["integer", "x", "Икс"]], [C],
                         [("survey", 2, "label::kk")], "Kazakh"),
    "ru label missing in a row": ([H, FINE, question("text", "x", "Икс", "")], [C], [("survey", 3, "label::ru")],
                                  "Russian"),
    "hint in one language": ([H, FINE, q("text", "x", hint=("Кеңес", ""))], [C], [("survey", 3, "hint::ru")],
                             "Russian"),
    "label without a language": ([["type", "name", "label", "label::kk", "label::ru"], ["integer", "x", "X", "Х",
                                                                                         "Х"]], [C],
                                 [("survey", 1, "label")], "language"),
    "unknown language": ([[*H, "label::French (fr)"], [*FINE, "Bien"]], [C], [("survey", 1, "label::French (fr)")],
                         "language"),
    "choice label missing": ([H, q("select_one tools", "tool")], [C, ["tools", "a", "А", ""]],
                             [("choices", 2, "label::ru")], "Russian"),
    "choice name with a space": ([H, q("select_multiple tools", "tool")], [C, ["tools", "a b", "А", "А"]],
                                 [("choices", 2, "name")], "spaces"),
    "choice twice": ([H, q("select_one tools", "tool")], [*LIST, ["tools", "a", "А", "А"]],
                     [("choices", 4, "name")], "twice"),
    "list not on choices": ([H, FINE, q("select_one tools", "tool")], [C], [("survey", 3, "type")], "tools"),
    "select without a list": ([H, FINE, q("select_one", "tool")], [C], [("survey", 3, "type")], "list"),
    "group in a group": ([H, q("begin_group", "g"), q("begin_group", "h"), FINE, q("end_group", ""),
                          q("end_group", "")], [C], [("survey", 3, "type")], "inside"),
    "group not ended": ([H, q("begin_group", "g"), FINE], [C], [("survey", 2, "type")], "end_group"),
    "end without begin": ([H, FINE, q("end_group", "")], [C], [("survey", 3, "type")], "begin_group"),
    "empty group": ([H, FINE, q("begin_group", "g"), q("end_group", "")], [C], [("survey", 3, "type")],
                    "no question"),
    "required is an expression": ([H, FINE, q("text", "x", required="${fine} > 3")], [C],
                                  [("survey", 3, "required")], "yes or no"),
    "a note required": ([H, FINE, q("note", "n", required="yes")], [C], [("survey", 3, "required")], "note"),
    "default of another type": ([[*H, "default"], [*FINE, "many"]], [C], [("survey", 2, "default")], "many"),
    "default not a choice": ([[*H, "default"], [*q("select_one tools", "tool"), "c"]], LIST,
                             [("survey", 2, "default")], "“c”"),
    "no question": ([H, q("begin_group", "g"), q("end_group", "")], [C],
                    [("survey", 2, "type"), ("survey", None, None)], "no question"),
}


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_each_refused_feature_is_named_by_sheet_row_and_column(app, case):
    survey_rows, choices_rows, where, fragment = REFUSALS[case]
    with pytest.raises(XLSFormRefused) as caught:
        read_xlsform(xlsform(survey_rows, choices_rows), "bad.xlsx")
    problems = caught.value.problems
    assert [(p.sheet, p.row, p.column) for p in problems] == where
    assert fragment in str(problems[0]), str(problems[0])
    if where[0][1]:
        assert f"row {where[0][1]}" in str(problems[0])


def test_an_empty_column_of_an_unsupported_kind_changes_nothing_and_kobo_columns_are_passed_over(app):
    form = xlsform([[*H, "calculation", "$kuid", "$autoname"], [*FINE, "", "ab12", "fine"],
                    ["start", "start", "", "", "", "", "", "", "", "", "", "", "", "", ""]])
    assert read_xlsform(form, "kobo.xlsx").names == ("fine",)


@pytest.mark.parametrize(("sheet", "fragment"), [("external_choices", "External"), ("entities", "Entities"),
                                                 ("osm", "OpenStreetMap")])
def test_sheets_of_refused_features(app, sheet, fragment):
    form = xlsform([H, FINE], [C], sheets={sheet: [["list_name", "name", "label"], ["towns", "a", "A"]]})
    with pytest.raises(XLSFormRefused) as caught:
        read_xlsform(form, "bad.xlsx")
    assert [(p.sheet, p.row, p.column) for p in caught.value.problems] == [(sheet, None, None)]
    assert fragment in str(caught.value.problems[0])


@pytest.mark.parametrize("data", [b"", b"type,name\ninteger,x\n", b"PK\x03\x04broken"])
def test_a_file_that_is_no_workbook_is_refused(app, data):
    with pytest.raises(XLSFormRefused) as caught:
        read_xlsform(data, "form.xlsx")
    assert len(caught.value.problems) == 1 and caught.value.problems[0].row is None


def test_a_form_too_large_or_with_too_many_questions_is_refused(app, monkeypatch):
    from survey.campaigns import xlsform as module

    with pytest.raises(XLSFormRefused) as caught:
        read_xlsform(b"PK\x03\x04" + b"0" * module.MAX_FORM_BYTES, "huge.xlsx")
    assert "larger than 2 MB" in str(caught.value.problems[0])
    monkeypatch.setattr(module, "MAX_QUESTIONS", 3)
    assert refused([H, *(q("integer", f"n{i}") for i in range(4))]) == [("survey", None, None)]
    assert read_xlsform(xlsform([H, *(q("integer", f"n{i}") for i in range(3))]), "f.xlsx").names == ("n0", "n1",
                                                                                                         "n2")


def test_every_problem_of_a_form_is_listed_at_once(app):
    problems = refused([H, q("geopoint", "where"), q("integer", "post"), q("text", "x", relevant="${y} = 1")])
    assert problems == [("survey", 2, "type"), ("survey", 3, "name"), ("survey", 4, "relevant")]


def test_a_workbook_with_a_document_type_declaration_is_refused(app):
    from tests.spreadsheets import with_part
    from tests.test_upload_limits import with_dtd

    with pytest.raises(XLSFormRefused) as caught:
        read_xlsform(with_part(EXAMPLE, *with_dtd("xl/workbook.xml")), "form.xlsx")
    assert "document type declaration" in str(caught.value.problems[0])
