"""a partial index for the task hall: open tasks by claim policy and community

Revision ID: b10_task_hall_index
Revises: b9_matching_indexes
Created: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = 'b10_task_hall_index'
down_revision = 'b9_matching_indexes'
branch_labels = None
depends_on = None

OPEN = "status IN ('open', 'full')"


def upgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_open_policy_community', ['claim_policy', 'community_id'], unique=False,
                              postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))


def downgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_open_policy_community', postgresql_where=sa.text(OPEN),
                            sqlite_where=sa.text(OPEN))
