"""Round trip (issue 6): raw responses exported in codes in the flat layout import losslessly into a new campaign
of the same installation, and the staffing profiles computed from the import equal the original's."""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.models import Campaign, Response
from survey.staffing.metrics import Metrics, org_metrics

# what the import carries: everything computed from the answers (reports and rosters are the director's, not
# the teachers', and are not part of a response export)
FROM_REPORTS = {"pupils", "pupils_teacher_fte", "vacancy_fte", "roster_size", "roster_responding"}


def response_metrics(campaign) -> dict[str, dict]:
    result = {}
    for metrics in org_metrics(campaign).values():
        values = {f.name: getattr(metrics, f.name) for f in dataclasses.fields(Metrics) if f.name not in FROM_REPORTS}
        values["subjects"] = {code: cover.covered for code, cover in metrics.subjects.items() if cover.covered}
        result[metrics.bin] = values
    return result


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_flat_export_reimports_into_identical_profiles(runner, tmp_path, file_format):
    assert runner.invoke(args=["survey", "demo"]).exit_code == 0
    original = db.session.scalar(sa.select(Campaign).where(Campaign.code == "ALMATY-2026"))
    tricky = db.session.scalars(sa.select(Response).where(Response.campaign_id == original.id,
                                                          Response.specialty.is_not(None)).limit(3)).all()
    for response, text in zip(tricky, ("=HYPERLINK(\"http://evil\")", "+7 701 000", "@home; «Қазақ», 'quoted'")):
        response.specialty = text  # formula-like and awkward text must survive the trip unchanged
    specialties = sorted(r.specialty for r in tricky)
    path = tmp_path / f"responses.{'xlsx' if file_format == 'xlsx' else 'zip'}"
    result = runner.invoke(args=["survey", "export", "responses", "--campaign", "ALMATY-2026", "--headers", "codes",
                                 "--layout", "flat", "--format", file_format, "--out", str(path)])
    assert result.exit_code == 0, result.output
    if file_format == "csv":
        import zipfile

        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                name = next(n for n in archive.namelist() if n.endswith(".csv"))
                path.write_bytes(archive.read(name))
        path = path.rename(tmp_path / "responses.csv")
        assert path.read_bytes()[:3] == b"\xef\xbb\xbf"  # UTF-8 with BOM
    created = runner.invoke(args=["survey", "create-campaign", "--code", "COPY", "--title-kk", "Көшірме",
                                  "--title-ru", "Копия", "--census-date", original.census_date.isoformat()])
    assert created.exit_code == 0, created.output
    imported = runner.invoke(args=["survey", "import-responses", "--campaign", "COPY", str(path)])
    assert imported.exit_code == 0, imported.output
    copy = db.session.scalar(sa.select(Campaign).where(Campaign.code == "COPY"))
    count = sa.select(sa.func.count()).select_from(Response).where(Response.status == "submitted")
    assert db.session.scalar(count.where(Response.campaign_id == copy.id)) == \
        db.session.scalar(count.where(Response.campaign_id == original.id)) > 300
    before, after = response_metrics(original), response_metrics(copy)
    assert after == before
    copied = db.session.scalars(sa.select(Response.specialty).where(
        Response.campaign_id == copy.id, Response.specialty.in_(specialties))).all()
    assert sorted(copied) == specialties
    # and importing the same file again changes nothing
    again = runner.invoke(args=["survey", "import-responses", "--campaign", "COPY", str(path)])
    assert again.exit_code == 0, again.output
    assert response_metrics(copy) == before
