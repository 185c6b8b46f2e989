"""users: a session generation, raised by sign-out, a new password and deactivation (issue 14, item 17)

Every session cookie carries the generation it was signed in under; a cookie of an earlier generation no longer
signs anyone in, so signing out (or a password change, a reset, a deactivation) ends every session of the account,
copies of the cookie included.

Revision ID: 0010_session_generation
Revises: 0009_forecast_plan
Create Date: 2026-11-29 23:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010_session_generation"
down_revision = "0009_forecast_plan"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_generation")
