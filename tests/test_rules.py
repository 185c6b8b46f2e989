"""The one rule set of a response (CODEBOOK §2): every field rule and every cross-field rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from flask_babel import force_locale

from survey.rules import ALL_FIELDS, RuleContext, check, check_complete

# Born 1985-03-14, census 2026-11-01: 41 years old, so at most 25 years of experience; graduation from 2002.
CTX = RuleContext(census_date=dt.date(2026, 11, 1), birth_date=dt.date(1985, 3, 14))


def good_answers(**changes) -> dict:
    raw = {
        "last_name": "Сейітова", "first_name": "Әйгерім", "middle_name": "", "consent": "true",
        "post": "teacher", "basis": "main", "contract": "permanent", "start_date": "2010-09-01", "rate": "1.25",
        "teaching_hours": "20", "languages": ["kk", "ru"],
        "subjects": [{"subject": "mathematics", "hours": "12", "language": "kk"},
                     {"subject": "algebra", "hours": "7", "language": "ru"},
                     {"subject": "", "hours": "", "language": ""}],
        "other_jobs": [],
        "education_level": "bachelor", "ped_education": "ped_higher", "specialty": "Математика",
        "graduation_year": "2007", "category": "expert", "category_year": "2022", "experience_total": "16.5",
        "experience_org": "10", "pd_hours_3y": "120", "total_hours_week": "36", "ai_use": "true",
        "ai_purposes": ["lesson_planning", "assessment"], "ai_training": "short", "ai_training_wanted": "false",
        "satisfaction": "3", "plans": "stay",
    }
    raw.update(changes)
    return raw


def errors_of(raw, fields=ALL_FIELDS, known=None, required=True):
    result = check(raw, CTX, fields, known, required=required)
    return {(e.field, e.row, e.part): str(e.message) for e in result.errors}


def test_a_good_response_gives_typed_values(app):
    result = check(good_answers(), CTX)
    assert result.errors == []
    v = result.values
    assert v["rate"] == Decimal("1.25") and v["teaching_hours"] == 20 and v["start_date"] == dt.date(2010, 9, 1)
    assert v["languages"] == ["kk", "ru"] and v["ai_purposes"] == ["lesson_planning", "assessment"]
    assert v["subjects"] == [{"subject": "mathematics", "hours": 12, "language": "kk"},
                             {"subject": "algebra", "hours": 7, "language": "ru"}]  # 19 = 20 − 1: allowed
    assert v["middle_name"] is None and v["consent"] is True and v["ai_training_wanted"] is False
    assert v["experience_total"] == Decimal("16.5")
    assert check_complete(v, CTX) == []


def test_labels_and_import_spellings_are_accepted(app):
    result = check(good_answers(post="Учитель", basis="Негізгі жұмыс орны", rate="1,25", start_date="01.09.2010",
                                ai_use="иә", languages="kk; ru"), CTX)
    assert result.errors == []
    assert (result.values["post"], result.values["basis"], result.values["rate"]) == ("teacher", "main",
                                                                                       Decimal("1.25"))
    assert result.values["ai_use"] is True and result.values["languages"] == ["kk", "ru"]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("last_name", "", "This answer is required."),
    ("last_name", "Иванов2", "Use letters only"),
    ("first_name", "А" * 61, "At most 60 characters."),
    ("consent", "false", "Your consent is needed"),
    ("post", "janitor", "“janitor” is not one of the answers"),
    ("rate", "1.3", "steps of 0.25"),
    ("rate", "0", "from 0.25 to 2"),
    ("rate", "2.25", "from 0.25 to 2"),
    ("rate", "one", "Enter a number"),
    ("teaching_hours", "41", "from 0 to 40"),
    ("teaching_hours", "12.5", "Enter a whole number."),
    ("start_date", "2010-13-01", "Enter a date"),
    ("start_date", "2026-11-02", "after the census date (2026-11-01)"),
    ("start_date", "2001-03-13", "before your 16th birthday (2001-03-14)"),
    ("languages", [], "This answer is required."),
    ("languages", ["kk", "xx"], "“xx” is not one of the answers"),
    ("graduation_year", "2001", "cannot be before 2002 (birth year + 17)"),
    ("graduation_year", "2027", "cannot be after 2026"),
    ("category_year", "", "Give the year the category was awarded."),
    ("category_year", "2027", "cannot be after 2026"),
    ("specialty", "", "Give the specialty"),
    ("experience_total", "25.1", "age minus 16 (25 years)"),
    ("experience_total", "10.25", "one decimal place"),
    ("experience_org", "16.6", "total experience (16.5 years)"),
    ("pd_hours_3y", "1001", "from 0 to 1000"),
    ("total_hours_week", "19", "All working hours (19) cannot be fewer than teaching hours (20)"),
    ("total_hours_week", "81", "from 0 to 80"),
    ("satisfaction", "5", "from 1 to 4"),
    ("ai_use", "maybe", "Answer yes or no."),
    ("plans", "emigrate", "not one of the answers"),
])
def test_each_rule_rejects_with_a_message_on_its_field(app, field, value, message):
    found = errors_of(good_answers(**{field: value}))
    assert list(found) == [(field, None, None)], found
    assert message in found[(field, None, None)]


def test_dependent_questions(app):
    assert errors_of(good_answers(category="none", category_year="")) == {}
    assert "Leave the year empty" in errors_of(good_answers(category="none"))[("category_year", None, None)]
    assert errors_of(good_answers(education_level="secondary", specialty="")) == {}
    assert "only if you used AI" in errors_of(good_answers(ai_use="false"))[("ai_purposes", None, None)]
    assert errors_of(good_answers(ai_use="false", ai_purposes=[])) == {}


def test_subject_hours_must_sum_to_teaching_hours_within_one(app):
    rows = [{"subject": "mathematics", "hours": "12", "language": "kk"},
            {"subject": "algebra", "hours": "9", "language": ""}]
    assert errors_of(good_answers(subjects=rows)) == {}  # 21 = 20 + 1
    rows[1]["hours"] = "10"  # 22
    found = errors_of(good_answers(subjects=rows))
    assert "add up to 22, but your teaching hours are 20" in found[("subjects", None, None)]
    found = errors_of(good_answers(teaching_hours="0", subjects=[], total_hours_week="10"))
    assert found == {}


def test_subject_and_other_job_rows_are_checked_cell_by_cell(app):
    subjects = [{"subject": "mathematics", "hours": "0", "language": "kk"},
                {"subject": "astrology", "hours": "", "language": "kk"},
                {"subject": "mathematics", "hours": "20", "language": "kk"}]
    jobs = [{"org_bin": "940140000386", "org_name": "", "basis": "hourly", "hours": "4"},
            {"org_bin": "", "org_name": "", "basis": "", "hours": "50"},
            {"org_bin": "940140000385", "org_name": "", "basis": "external_secondary", "hours": "6"}]
    found = errors_of(good_answers(subjects=subjects, other_jobs=jobs))
    assert set(found) == {("subjects", 0, "hours"), ("subjects", 1, "subject"), ("subjects", 1, "hours"),
                          ("subjects", 2, "subject"), ("other_jobs", 0, "org_bin"), ("other_jobs", 1, "org_name"),
                          ("other_jobs", 1, "basis"), ("other_jobs", 1, "hours")}
    assert "already listed" in found[("subjects", 2, "subject")]
    ok = check(good_answers(other_jobs=jobs[2:]), CTX)
    assert ok.values["other_jobs"] == [{"org_bin": "940140000385", "org_name": None, "basis": "external_secondary",
                                        "hours": 6}]


def test_a_step_checks_its_fields_against_what_is_known(app):
    step = ("total_hours_week",)
    assert errors_of({"total_hours_week": "15"}, step, known={"teaching_hours": 20}) == {
        ("total_hours_week", None, None): "All working hours (15) cannot be fewer than teaching hours (20)."}
    assert errors_of({"total_hours_week": "15"}, step, known={}) == {}
    # a rule found from the other side lands on a field of this step
    found = errors_of({"teaching_hours": "30", "subjects": [{"subject": "music", "hours": "30"}]},
                      ("teaching_hours", "subjects"), known={"total_hours_week": 25})
    assert list(found) == [("teaching_hours", None, None)]
    # a draft may leave mandatory answers empty
    assert errors_of({"post": ""}, ("post",), required=False) == {}


def test_check_complete_lists_every_missing_answer(app):
    missing = {e.field for e in check_complete({"last_name": "А", "first_name": "Б", "consent": True}, CTX)}
    assert missing == {"post", "basis", "contract", "start_date", "rate", "teaching_hours", "languages",
                       "education_level", "ped_education", "graduation_year", "category", "experience_total",
                       "experience_org"}


@pytest.mark.parametrize(("lang", "expected"), [
    ("kk", "Ставка 0,25 қадаммен"), ("ru", "Ставка указывается с шагом 0,25"), ("en", "steps of 0.25")])
def test_messages_arrive_in_each_language(app, lang, expected):
    error = check({"rate": "1.3"}, CTX, ("rate",)).errors[0]
    with app.test_request_context(), force_locale(lang):
        assert expected in str(error.message)
