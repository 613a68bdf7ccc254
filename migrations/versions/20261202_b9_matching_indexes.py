"""indexes for one task's candidates: a community's approved registrations and members'
weekly free windows (covering), the deactivated members (partial)

Revision ID: b9_matching_indexes
Revises: b8_pairs
Created: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = 'b9_matching_indexes'
down_revision = 'b8_pairs'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.create_index('ix_members_inactive', ['id'], unique=False,
                              postgresql_where=sa.text('NOT active'), sqlite_where=sa.text('active = 0'))
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.create_index('ix_registrations_community_status_member',
                              ['community_id', 'status', 'member_id', 'side'], unique=False)
    with op.batch_alter_table('availability_windows', schema=None) as batch_op:
        batch_op.create_index('ix_availability_windows_member_week',
                              ['member_id', 'weekday', 'start_minute', 'end_minute'], unique=False)


def downgrade():
    with op.batch_alter_table('availability_windows', schema=None) as batch_op:
        batch_op.drop_index('ix_availability_windows_member_week')
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index('ix_registrations_community_status_member')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index('ix_members_inactive', postgresql_where=sa.text('NOT active'),
                            sqlite_where=sa.text('active = 0'))
