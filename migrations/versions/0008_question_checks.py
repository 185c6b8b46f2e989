"""responses: CHECK constraints derived from the question records; answers of questions without a column

The constraints on answers are now derived from the question records (``survey.questions``): each name says what
it guards (``<question>_code``, ``<question>_range``), the two cross-field rules are constraints of their own, a
subject row's subject must be a codebook subject, and a submitted response must give the languages it is taught in
(mandatory in the rules, missing here until now). ``answers`` keeps the answers of questions without a column of
their own. The lists and ranges are written out here, as they stand on this day: a later change to the codebook
needs a migration of its own (tests/test_question_checks.py says which constraint).

Revision ID: 0008_question_checks
Revises: 0006_export_storage
Create Date: 2026-11-30 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008_question_checks"
down_revision = "0006_export_storage"
branch_labels = None
depends_on = None

SUBJECTS = (
    "primary_classes", "kazakh_language", "kazakh_literature", "russian_language", "russian_literature", "english",
    "other_foreign_language", "mathematics", "algebra", "geometry", "informatics", "physics", "chemistry", "biology",
    "natural_science", "geography", "history_kazakhstan", "world_history", "law", "self_knowledge", "art", "music",
    "technology", "physical_education", "initial_military_training", "preschool_group", "vocational_theory",
    "vocational_practice", "other",
)
MANDATORY = (
    "last_name", "first_name", "post", "basis", "contract", "start_date", "rate", "teaching_hours", "languages",
    "education_level", "ped_education", "graduation_year", "category", "experience_total", "experience_org",
)
OLD_MANDATORY = (
    "post", "basis", "contract", "start_date", "rate", "teaching_hours", "education_level", "ped_education",
    "category", "graduation_year", "experience_total", "experience_org",
)

RESPONSES_NEW = {
    "rate_range": "rate IS NULL OR (rate BETWEEN 0.25 AND 2 AND rate * 4 = CAST(rate * 4 AS INTEGER))",
    "total_hours_week_range": "total_hours_week IS NULL OR total_hours_week BETWEEN 0 AND 80",
    "pd_hours_3y_range": "pd_hours_3y IS NULL OR pd_hours_3y BETWEEN 0 AND 1000",
    "experience_total_range": "experience_total IS NULL OR experience_total BETWEEN 0 AND 70",
    "experience_org_range": "experience_org IS NULL OR experience_org BETWEEN 0 AND 70",
    "graduation_year_range": "graduation_year IS NULL OR graduation_year BETWEEN 1900 AND 2100",
    "category_year_range": "category_year IS NULL OR category_year BETWEEN 1950 AND 2100",
    "total_hours_cover_teaching":
        "total_hours_week IS NULL OR teaching_hours IS NULL OR total_hours_week >= teaching_hours",
    "experience_org_within_total":
        "experience_org IS NULL OR experience_total IS NULL OR experience_org <= experience_total",
    "submitted_complete": "status <> 'submitted' OR (submitted_at IS NOT NULL AND "
        + " AND ".join("consent" if name == "consent" else f"{name} IS NOT NULL"
                       for name in MANDATORY[:2] + ("consent",) + MANDATORY[2:]) + ")",
}
RESPONSES_OLD = {
    "rate_steps": "rate IS NULL OR (rate >= 0.25 AND rate <= 2 AND rate * 4 = CAST(rate * 4 AS INTEGER))",
    "total_hours_range":
        "total_hours_week IS NULL OR (total_hours_week <= 80 AND total_hours_week >= COALESCE(teaching_hours, 0))",
    "pd_hours_range": "pd_hours_3y IS NULL OR pd_hours_3y BETWEEN 0 AND 1000",
    "experience_range": "experience_total IS NULL OR experience_total BETWEEN 0 AND 70",
    "experience_org_range":
        "experience_org IS NULL OR (experience_org >= 0 AND experience_org <= COALESCE(experience_total, 70))",
    "graduation_year": "graduation_year IS NULL OR graduation_year BETWEEN 1900 AND 2100",
    "category_year": "category_year IS NULL OR category_year BETWEEN 1950 AND 2100",
    "submitted_complete": "status <> 'submitted' OR (consent AND submitted_at IS NOT NULL AND "
        + " AND ".join(f"{name} IS NOT NULL" for name in OLD_MANDATORY) + ")",
}
SUBJECTS_NEW = {
    "hours_range": "hours IS NULL OR hours BETWEEN 1 AND 40",
    "subject_code": "subject IS NULL OR subject IN (" + ", ".join(f"'{code}'" for code in SUBJECTS) + ")",
}
SUBJECTS_OLD = {"hours_range": "hours BETWEEN 1 AND 40"}
OTHER_JOBS_NEW = {"hours_range": "hours IS NULL OR hours BETWEEN 1 AND 40"}
OTHER_JOBS_OLD = {"hours_range": "hours BETWEEN 1 AND 40"}


def _replace(table: str, old: dict[str, str], new: dict[str, str]) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for name in old:
            batch_op.drop_constraint(batch_op.f(f"ck_{table}_{name}"), type_="check")
        for name, condition in new.items():
            batch_op.create_check_constraint(batch_op.f(f"ck_{table}_{name}"), condition)
    if table == "responses":
        _birth_name_index()


def _birth_name_index() -> None:
    """SQLite rebuilds a table without its index on an expression, which it cannot reflect: made again."""
    op.create_index("ix_responses_campaign_birth_name", "responses",
                    ["campaign_id", "birth_date", sa.text("lower(trim(last_name))")], unique=False, if_not_exists=True)


# SQLite changes a table's CHECK constraints by building the table anew and dropping the old one; dropping
# ``responses`` deletes the rows that reference it (foreign keys are on, and cannot be turned off inside the
# migrations' transaction), so those rows are copied aside and put back.
REFERENCING = ("response_subjects", "response_other_jobs", "response_versions")


def _rebuild_responses(old: dict[str, str], new: dict[str, str], *, drop_answers: bool = False) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for table in REFERENCING:
            op.execute(f"CREATE TEMPORARY TABLE kept_{table} AS SELECT * FROM {table}")
    _replace("responses", old, new)
    if drop_answers:
        with op.batch_alter_table("responses", schema=None) as batch_op:
            batch_op.drop_column("answers")
        _birth_name_index()
    if sqlite:
        for table in REFERENCING:
            op.execute(f"INSERT INTO {table} SELECT * FROM kept_{table} WHERE id NOT IN (SELECT id FROM {table})")
            op.execute(f"DROP TABLE kept_{table}")


def upgrade():
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answers", sa.JSON(), nullable=True))
    _replace("response_subjects", SUBJECTS_OLD, SUBJECTS_NEW)
    _replace("response_other_jobs", OTHER_JOBS_OLD, OTHER_JOBS_NEW)
    _rebuild_responses(RESPONSES_OLD, RESPONSES_NEW)


def downgrade():
    _replace("response_other_jobs", OTHER_JOBS_NEW, OTHER_JOBS_OLD)
    _replace("response_subjects", SUBJECTS_NEW, SUBJECTS_OLD)
    _rebuild_responses(RESPONSES_NEW, RESPONSES_OLD, drop_answers=True)
