"""The national synthetic data set for benchmarks: 20 regions, any number of organizations and responses, loaded
in bulk, deterministic for a seed, with about 2 % of the respondents planted as integrity cases."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from ..campaigns.services import ensure_access_links
from ..extensions import db
from ..models import District, Organization, Region
from ..models.base import utcnow
from .loader import BATCH, Loader, analyze, census_date, create_campaign, ensure_empty, generator, insert, next_id, \
    reset_sequences
from .organizations import ORG_SIZE, OrgPlan, org_kind
from .people import Mix
from .planted import Loaded, Planter, check_after_load, describe
from .questions import add_demo_questions, answers_for

REGIONS = (
    "Абайская", "Акмолинская", "Актюбинская", "Алматинская", "Атырауская", "Восточно-Казахстанская", "Жамбылская",
    "Жетісу", "Западно-Казахстанская", "Карагандинская", "Костанайская", "Кызылординская", "Мангистауская",
    "Павлодарская", "Северо-Казахстанская", "Туркестанская", "Ұлытау", "Астана", "Алматы", "Шымкент",
)
LEVELS = Mix((("preschool", 45), ("school", 45), ("college", 10)))


def load_synthetic(orgs: int, teachers: int, seed: int = 1, progress: Callable[[str], None] | None = None,
                   campaign_questions: bool = False) -> Loaded:
    """A deterministic national data set: 20 regions, ``orgs`` organizations, ``teachers`` responses; the integrity
    checks run over it at the end. ``campaign_questions``: the campaign carries the Almaty demo's own questions,
    answered (the core answers are drawn as without them). Commits."""
    ensure_empty()
    progress = progress or (lambda text: None)
    started = time.perf_counter()
    rng = random.Random(seed)
    census = census_date()
    districts_per_region = max(1, min(25, orgs // 20 // 20 or 1))
    region_rows, district_rows = [], []
    district_id = next_id(District)
    for region_id, name in enumerate(REGIONS, start=next_id(Region)):
        region_rows.append({"id": region_id, "name": name})
        for number in range(1, districts_per_region + 1):
            district_rows.append({"id": district_id, "region_id": region_id, "name": f"{name} — район {number}"})
            district_id += 1
    insert(Region, region_rows)
    insert(District, list(district_rows))
    district_ids = [row["id"] for row in district_rows]

    planter = Planter(rng, respondents=teachers, organizations=orgs)
    org_rows, plans = [], []
    taken: set[str] = set()
    now = utcnow()
    weights = []
    for index, org_id in enumerate(range(next_id(Organization), next_id(Organization) + orgs)):
        level = LEVELS.draw(rng)
        ownership, org_type = org_kind(rng, level)
        identifier, id_kind, planted = planter.identifier(level, ownership, census, taken)
        name = f"Организация образования {org_id}"
        org_rows.append({
            "id": org_id, "bin": identifier, "id_kind": id_kind, "name_ru": name,
            "name_kk": f"{org_id} білім беру ұйымы", "level": level, "org_type": org_type, "ownership": ownership,
            "district_id": district_ids[index] if index < len(district_ids) else rng.choice(district_ids),  # each
            # district has at least one
            "languages": "kk;ru", "created_at": now, "updated_at": now})
        weights.append(rng.uniform(*ORG_SIZE[level]))
        plans.append(OrgPlan(org_id, identifier, level, 0, name))
        planter.registered(plans[-1], planted)
    for start in range(0, len(org_rows), BATCH):
        insert(Organization, org_rows[start:start + BATCH])
    scale = teachers / sum(weights) if weights else 0
    remainder = 0.0
    for plan, weight in zip(plans, weights):
        exact = weight * scale + remainder
        plan.size = int(exact)
        remainder = exact - plan.size
    if plans:
        plans[-1].size += teachers - sum(plan.size for plan in plans)  # float rounding must not lose anyone
    progress(f"{orgs} organizations in {len(district_rows)} districts of {len(REGIONS)} regions")

    campaign = create_campaign(f"SYN-{seed}", census)
    extra = answers_for(seed, add_demo_questions(campaign).version) if campaign_questions else None
    loader = Loader(generator(seed, census), campaign, planter, extra=extra)
    for index, plan in enumerate(plans, start=1):
        neighbours = [plans[(index + step) % len(plans)] for step in (1, 7, 31)] if len(plans) > 1 else []
        loader.add_organization(plan, neighbours, answered_share=1.0)
        if index % 1000 == 0:
            progress(f"{index} organizations, {loader.responses} responses")
    loader.flush(force=True)
    reset_sequences()
    ensure_access_links(campaign)
    db.session.commit()
    loaded = time.perf_counter() - started
    analyze()
    summary = check_after_load(campaign)
    db.session.commit()
    lines = [f"Synthetic data loaded: {orgs} organizations, {loader.responses} responses, "
             f"campaign {campaign.code} (open), in {loaded:.1f} s."]
    lines += describe(planter.planted, summary, loader.responses, listing=False)
    return Loaded("\n".join(lines), campaign.code, planter.planted, summary)
