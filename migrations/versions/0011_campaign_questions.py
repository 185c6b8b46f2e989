"""campaign questions from an XLSForm (issue 17): every version of a campaign's own questions, the version in
force, and the version each extra answer was given under

Revision ID: 0011_campaign_questions
Revises: 0010_session_generation
Create Date: 2026-11-30 02:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0011_campaign_questions"
down_revision = "0010_session_generation"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "campaign_question_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("form", sa.LargeBinary(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"],
                                name=op.f("fk_campaign_question_sets_campaign_id_campaigns"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_campaign_question_sets_user_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_question_sets")),
        sa.UniqueConstraint("campaign_id", "version", name=op.f("uq_campaign_question_sets_campaign_id_version")),
    )
    # plain ALTER TABLE on every backend: SQLite's batch mode would build ``campaigns`` and ``responses`` anew, and
    # dropping the old tables deletes the rows that reference them (foreign keys are on)
    op.add_column("campaigns", sa.Column("questions_version", sa.Integer(), nullable=True))
    op.add_column("responses", sa.Column("answer_versions", sa.JSON(), nullable=True))


def downgrade():
    op.drop_column("responses", "answer_versions")
    op.drop_column("campaigns", "questions_version")
    op.drop_table("campaign_question_sets")
