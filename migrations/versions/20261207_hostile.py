"""the ledger refuses TRUNCATE (PostgreSQL): row triggers never see it

Revision ID: hostile_1
Revises: b10_task_hall_index
Created: 2026-12-07
"""
from alembic import op


revision = 'hostile_1'
down_revision = 'outbox_1'
branch_labels = None
depends_on = None


# The append-only function (b3_points) raises with TG_OP, so it serves a statement trigger too.
# Even the owner's TRUNCATE is refused; the app's role is not the owner and cannot disable it.
NO_TRUNCATE_PG = (
    "CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries "
    "FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_append_only()"
)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(NO_TRUNCATE_PG)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ledger_entries_no_truncate ON ledger_entries")
