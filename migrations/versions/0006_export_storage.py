"""export files any app server can read: a large object on PostgreSQL; the time a job last joined the queue

``file_oid`` and ``file_size`` hold a finished export kept in PostgreSQL (``file_path`` stays for SQLite's
``EXPORT_DIR``). A done job now promises an expiry time rather than a local path. On PostgreSQL a trigger unlinks a
job's large object when its row is deleted, so that no file outlives its row. ``queued_at`` is when a job last
joined the queue (created or retried): ``/healthz`` reports the oldest waiting job's age from it.

Revision ID: 0006_export_storage
Revises: 0005_birth_name_index
Create Date: 2026-11-29 23:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0006_export_storage"
down_revision = "0005_birth_name_index"
branch_labels = None
depends_on = None

UNLINK_FUNCTION = """
CREATE OR REPLACE FUNCTION export_jobs_unlink_file() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.file_oid IS NOT NULL
       AND EXISTS (SELECT 1 FROM pg_largeobject_metadata WHERE oid = OLD.file_oid::oid) THEN
        PERFORM lo_unlink(OLD.file_oid::oid);
    END IF;
    RETURN OLD;
END
$$
"""


def upgrade():
    with op.batch_alter_table("export_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("file_oid", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("file_size", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(batch_op.f("ck_export_jobs_done_has_file"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_export_jobs_done_has_expiry"),
                                         "status <> 'done' OR expires_at IS NOT NULL")
    op.execute("UPDATE export_jobs SET queued_at = created_at")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(UNLINK_FUNCTION)
        op.execute("CREATE TRIGGER export_jobs_unlink_file BEFORE DELETE ON export_jobs "
                   "FOR EACH ROW EXECUTE FUNCTION export_jobs_unlink_file()")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS export_jobs_unlink_file ON export_jobs")
        op.execute("DROP FUNCTION IF EXISTS export_jobs_unlink_file()")
    op.execute("UPDATE export_jobs SET status = 'failed' WHERE status = 'done' AND file_path IS NULL")
    with op.batch_alter_table("export_jobs", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_export_jobs_done_has_expiry"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_export_jobs_done_has_file"),
                                         "status <> 'done' OR file_path IS NOT NULL")
        batch_op.drop_column("queued_at")
        batch_op.drop_column("file_size")
        batch_op.drop_column("file_oid")
