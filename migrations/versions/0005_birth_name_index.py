"""responses: the birth-date index also holds the normalized last name (integrity rule G3)

A submission's person-level checks looked up everyone born on the same day as the people checked (about 35 rows
each on the national data) and sorted them all by full name; with the last name in the index they read only
namesakes.

Revision ID: 0005_birth_name_index
Revises: 0004_export_heartbeat
Create Date: 2026-11-26 20:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0005_birth_name_index"
down_revision = "0004_export_heartbeat"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_index("ix_responses_campaign_birth_date")
    op.create_index("ix_responses_campaign_birth_name", "responses",
                    ["campaign_id", "birth_date", sa.text("lower(trim(last_name))")], unique=False)


def downgrade():
    op.drop_index("ix_responses_campaign_birth_name", table_name="responses")
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.create_index("ix_responses_campaign_birth_date", ["campaign_id", "birth_date"], unique=False)
