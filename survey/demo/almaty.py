"""The Almaty demo: 8 districts × 4 organizations, an open campaign four-fifths answered, staff accounts, and a
few planted integrity cases the checks have already flagged (listed in the output)."""

from __future__ import annotations

import random

import sqlalchemy as sa

from ..campaigns.services import ensure_access_links
from ..codebook import Role
from ..extensions import db
from ..models import District, Organization, Region, User
from ..passwords import hash_password
from ..plans.demo import add_digital_leads
from .loader import Loader, analyze, census_date, create_campaign, ensure_empty, generator, reset_sequences
from .organizations import OrgPlan, org_kind
from .planted import WAITS_FOR_CLOSE, Loaded, Planted, Planter, check_after_load, describe
from .questions import add_demo_questions, answers_for

DEMO_PASSWORD = "demo-password-2026"
ALMATY_DISTRICTS = (
    "Алатауский", "Алмалинский", "Ауэзовский", "Бостандыкский", "Жетысуский", "Медеуский", "Наурызбайский",
    "Турксибский",
)
COLLEGE_DISTRICTS = ("Алмалинский", "Ауэзовский", "Бостандыкский")
SIZE = {"preschool": (8, 30), "school": (40, 110), "college": (35, 90)}  # staff of an organization
ANSWERED = 0.8  # the campaign is under way
KIND_RU = {"preschool": "Детский сад", "school": "Школа-гимназия", "college": "Колледж"}
KIND_KK = {"preschool": "балабақшасы", "school": "мектеп-гимназиясы", "college": "колледжі"}


def load_almaty_demo(seed: int = 1) -> Loaded:
    """Load the demo into an empty database, run the integrity checks over it and commit."""
    ensure_empty()
    rng = random.Random(seed)
    census = census_date()
    region = Region(name="Алматы", kato="750000000")
    db.session.add(region)
    districts = [District(region=region, name=name) for name in ALMATY_DISTRICTS]
    db.session.add_all(districts)
    db.session.flush()
    levels = [(district, level) for district in districts
              for level in ("preschool", "preschool", "school",
                            "college" if district.name in COLLEGE_DISTRICTS else "school")]
    sizes = [rng.randint(*SIZE[level]) for _, level in levels]
    planter = Planter(rng, respondents=round(sum(sizes) * ANSWERED), organizations=len(levels))
    plans: list[OrgPlan] = []
    taken: set[str] = set()
    for number, ((district, level), size) in enumerate(zip(levels, sizes), start=1):
        ownership, org_type = org_kind(rng, level)
        identifier, id_kind, planted = planter.identifier(level, ownership, census, taken)
        org = Organization(
            bin=identifier, id_kind=id_kind, name_ru=f"{KIND_RU[level]} № {number}",
            name_kk=f"№ {number} {KIND_KK[level]}", level=level, org_type=org_type, ownership=ownership,
            district=district, languages="kk;ru", address=f"г. Алматы, {district.name} район, ул. Абая, {number}")
        db.session.add(org)
        db.session.flush()
        plans.append(OrgPlan(org.id, org.bin, level, size, org.name_ru))
        planter.registered(plans[-1], planted)
    campaign = create_campaign("ALMATY-2026", census)
    question_set = add_demo_questions(campaign)
    loader = Loader(generator(seed, census), campaign, planter, extra=answers_for(seed, question_set.version))
    for plan in plans:
        loader.add_organization(plan, [p for p in plans if p.id != plan.id], answered_share=ANSWERED)
    loader.flush(force=True)
    reset_sequences()
    ensure_access_links(campaign)
    add_digital_leads(campaign, seed)

    bostandyk = next(d for d in districts if d.name == "Бостандыкский")
    director_org = db.session.get(Organization, _director_school(plans, planter.planted))
    users = [
        User(email="admin@demo.kz", full_name="Национальный администратор", role=Role.NATIONAL_ADMIN),
        User(email="almaty@demo.kz", full_name="Администратор г. Алматы", role=Role.REGION_ADMIN, region=region),
        User(email="bostandyk@demo.kz", full_name="Администратор Бостандыкского района", role=Role.DISTRICT_ADMIN,
             district=bostandyk),
        User(email="director@demo.kz", full_name="Директор", role=Role.DIRECTOR, organization=director_org),
    ]
    password_hash = hash_password(DEMO_PASSWORD)
    for user in users:
        user.password_hash = password_hash
    db.session.add_all(users)
    db.session.commit()
    analyze()
    summary = check_after_load(campaign)
    db.session.commit()
    access = db.session.execute(
        sa.text("SELECT code FROM access_links WHERE organization_id = :org"), {"org": director_org.id}).scalar()
    lines = [
        f"Demo loaded: {len(plans)} organizations in {len(districts)} districts of Almaty, "
        f"{loader.responses} responses, campaign {campaign.code} (open) with {question_set.filename}: "
        f"{len(question_set.definition['questions'])} questions of its own after the core steps.",
        f"Staff accounts (password {DEMO_PASSWORD!r}):",
    ]
    lines += [f"  {user.email:<22} {user.role.value}" for user in users]
    lines.append(f"Teachers of {director_org.name_ru} use access code {access}.")
    lines += describe(planter.planted, summary, loader.responses, listing=True)
    return Loaded("\n".join(lines), campaign.code, planter.planted, summary)


def _director_school(plans: list[OrgPlan], planted: Planted) -> int:
    """The demo director's school: the first with a flagged person, so that the director has a flag to explain."""
    schools = [plan.id for plan in plans if plan.level == "school"]
    flagged = {organization_id for rule, pairs in planted.flags.items() if rule not in WAITS_FOR_CLOSE
               for organization_id, key in pairs if key}
    return next((school for school in schools if school in flagged), schools[0])
