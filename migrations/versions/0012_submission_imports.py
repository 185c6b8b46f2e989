"""submission_imports: the ODK Central and KoboToolbox submissions imported, by instance id (issue 17, item 4)

Importing the same export again changes nothing; an edited submission (the same instance id with new content, an
ODK Central KEY or a Kobo rootUuid already seen, or a deprecatedID naming an instance already imported) becomes a
new version of the response it became before.

Revision ID: 0012_submission_imports
Revises: 0011_campaign_questions
Create Date: 2026-11-30 03:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0012_submission_imports"
down_revision = "0011_campaign_questions"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "submission_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("instance_id", sa.String(length=100), nullable=False),
        sa.Column("root_id", sa.String(length=100), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], name=op.f("fk_submission_imports_campaign_id_campaigns"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["response_id"], ["responses.id"], name=op.f("fk_submission_imports_response_id_responses"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_imports")),
        sa.UniqueConstraint("campaign_id", "source", "instance_id",
                            name=op.f("uq_submission_imports_campaign_id_source_instance_id")),
    )
    with op.batch_alter_table("submission_imports", schema=None) as batch_op:
        batch_op.create_index("ix_submission_imports_root", ["campaign_id", "source", "root_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_submission_imports_response_id"), ["response_id"], unique=False)


def downgrade():
    with op.batch_alter_table("submission_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submission_imports_response_id"))
        batch_op.drop_index("ix_submission_imports_root")
    op.drop_table("submission_imports")
