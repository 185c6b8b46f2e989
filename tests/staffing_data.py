"""A small staffing data set whose expected metrics are worked out by hand in tests/test_staffing.py.

Census date 2026-11-01; norms: school 16, college 18, preschool 24 hours a week.

Region Алматы, district Бостандыкский:
  S1 school/state     P1 P2 P3 P4 submitted, P5 a draft; report: 300 pupils, required maths 40, physics 10,
                      english 12; vacancy 0.75; roster P1–P5 and a ghost (6)
  S2 school/private   P3 (again, main job here) and P6; no report, no roster
Region Алматы, district Медеуский:
  K1 preschool/private P7 P8; report: 60 pupils, required preschool_group 72; vacancy 1.0; roster P7 P8
Region Астана, district Есиль:
  C1 college/state    P9; P1 answered here in ANOTHER campaign with 30 hours (must not count)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from survey.extensions import db
from survey.models import OrgReport, RequiredHours, Response, RosterEntry, Vacancy
from tests.factories import build_response

CENSUS = dt.date(2026, 11, 1)

PEOPLE = {
    # key: (sex, birth date, last name, first name)
    "P1": ("f", dt.date(1990, 11, 1), "Ахметова", "Айгерім"),    # 36 exactly on the census date
    "P2": ("m", dt.date(1964, 3, 1), "Сериков", "Ерлан"),        # 62: within 5 years of 63
    "P3": ("f", dt.date(1996, 11, 2), "Ким", "Мадина"),          # 29 (turns 30 the next day)
    "P4": ("f", dt.date(1966, 6, 15), "Омарова", "Гүлнар"),     # 60: within 5 years of 61
    "P5": ("f", dt.date(1985, 1, 1), "Попова", "Ольга"),
    "P6": ("m", dt.date(1980, 1, 10), "Касымов", "Марат"),      # 46
    "P7": ("f", dt.date(2000, 1, 1), "Искакова", "Әсел"),       # 26
    "P8": ("f", dt.date(1970, 5, 5), "Жумабаева", "Сәуле"),     # 56: 4.5 years to 61
    "P9": ("m", dt.date(1985, 3, 14), "Петров", "Андрей"),      # 41
}


@dataclass
class Dataset:
    campaign: object
    other_campaign: object
    s1: object
    s2: object
    k1: object
    c1: object


def add_response(campaign, org, person: str, *, subjects=(), other_jobs=(), submitted: bool = True,
                 **answers) -> Response:
    sex, birth, last, first = PEOPLE[person]
    return build_response(campaign, org, person_key=f"key-{person}", birth_date=birth, sex=sex,
                          status="submitted" if submitted else "draft", subjects=subjects, other_jobs=other_jobs,
                          **{"start_date": dt.date(2020, 9, 1), "last_name": last, "first_name": first,
                             "teaching_hours": sum(hours for _, hours, _ in subjects),
                             "graduation_year": birth.year + 22, "experience_org": Decimal("2"), **answers})


def add_report(campaign, org, *, pupils=None, required=(), vacancies=(), roster=()) -> OrgReport:
    report = OrgReport(campaign_id=campaign.id, organization_id=org.id, pupils=pupils)
    report.required_hours = [RequiredHours(subject=s, hours=h) for s, h in required]
    report.vacancies = [Vacancy(post=post, subject=subject, rate=Decimal(rate)) for post, subject, rate in vacancies]
    db.session.add(report)
    for person in roster:
        sex, birth, last, first = PEOPLE.get(person, ("f", dt.date(1980, 1, 1), "Призрак", "Нет"))
        db.session.add(RosterEntry(campaign_id=campaign.id, organization_id=org.id, person_key=f"key-{person}",
                                   birth_date=birth, sex=sex, last_name=last, first_name=first, post="teacher"))
    return report


def build(make_org, make_campaign) -> Dataset:
    campaign = make_campaign("STAFF-2026", census_date=CENSUS)
    other = make_campaign("OLD-2025", census_date=dt.date(2025, 11, 1))
    s1 = make_org("school", "state", district="Бостандыкский", name_ru="Школа № 1", name_kk="№ 1 мектеп")
    s2 = make_org("school", "private", district="Бостандыкский", name_ru="Школа № 2", name_kk="№ 2 мектеп")
    k1 = make_org("preschool", "private", district="Медеуский", name_ru="Детский сад № 7", name_kk="№ 7 балабақша")
    c1 = make_org("college", "state", region="Астана", district="Есиль", name_ru="Колледж", name_kk="Колледж")

    add_response(campaign, s1, "P1", rate=Decimal("1.5"), subjects=[("mathematics", 24, "kk")], category="expert",
                 plans="stay", ai_use=True)
    add_response(campaign, s1, "P2", rate=Decimal("1"), subjects=[("physics", 16, "ru")], category="moderator",
                 experience_total=Decimal("30"), ped_education="none", education_level="master",
                 plans="retire", ai_use=False)
    add_response(campaign, s1, "P3", basis="external_secondary", rate=Decimal("0.5"),
                 subjects=[("mathematics", 8, "kk")], experience_total=Decimal("3"), experience_org=Decimal("1"),
                 plans="leave_profession", ai_use=True, other_jobs=[(s2.bin, "main", 20)])
    add_response(campaign, s1, "P4", post="psychologist", rate=Decimal("1"), category="pedagogue",
                 experience_total=Decimal("5"), ped_education="ped_tvet", specialty="=HYPERLINK(\"x\")")
    add_response(campaign, s1, "P5", submitted=False, rate=Decimal("2"), subjects=[("english", 40, "en")])
    add_report(campaign, s1, pupils=300, required=[("mathematics", 40), ("physics", 10), ("english", 12)],
               vacancies=[("teacher", "english", "0.75")], roster=["P1", "P2", "P3", "P4", "P5", "ghost"])

    add_response(campaign, s2, "P3", rate=Decimal("1.25"), subjects=[("english", 20, "en")],
                 experience_total=Decimal("3"), experience_org=Decimal("1"), plans="leave_profession", ai_use=True)
    add_response(campaign, s2, "P6", rate=Decimal("1"), subjects=[("english", 10, "en"), ("other", 6, "ru")],
                 category="researcher", experience_total=Decimal("20"), ped_education="retrained",
                 plans="move_education", ai_use=False)

    add_response(campaign, k1, "P7", post="educator", rate=Decimal("1"), subjects=[("preschool_group", 24, "kk")],
                 category="pedagogue", experience_total=Decimal("2"), ped_education="ped_tvet", plans="stay",
                 ai_use=False)
    add_response(campaign, k1, "P8", post="educator", rate=Decimal("1.5"), subjects=[("preschool_group", 36, "ru")],
                 category="moderator", experience_total=Decimal("30"), plans="unsure", ai_use=True)
    add_report(campaign, k1, pupils=60, required=[("preschool_group", 72)], vacancies=[("educator", None, "1")],
               roster=["P7", "P8"])

    add_response(campaign, c1, "P9", post="lecturer", rate=Decimal("1"), subjects=[("vocational_theory", 18, "ru")],
                 category="none", plans="stay", ai_use=True)
    add_response(other, c1, "P1", post="lecturer", rate=Decimal("2"), subjects=[("vocational_theory", 30, "kk")])
    db.session.flush()
    return Dataset(campaign, other, s1, s2, k1, c1)
