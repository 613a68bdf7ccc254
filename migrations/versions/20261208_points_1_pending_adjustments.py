"""four-eyes on manual adjustments: adjustments above the cap wait here for a second approver

Revision ID: points_1
Revises: hostile_1
Created: 2026-12-08
"""
from alembic import op
import sqlalchemy as sa
import service.database


revision = 'points_1'
down_revision = 'hostile_1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pending_adjustments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('cause', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('idempotency_key', sa.String(length=120), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requester_role', sa.String(length=20), nullable=False),
    sa.Column('requested_at', service.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', service.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("cause IN ('per_entry','monthly')", name=op.f('ck_pending_adjustments_cause')),
    sa.CheckConstraint("status IN ('pending','approved','rejected')", name=op.f('ck_pending_adjustments_status')),
    sa.ForeignKeyConstraint(['community_id'], ['areas.id'], name=op.f('fk_pending_adjustments_community_id_areas')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['accounts.id'], name=op.f('fk_pending_adjustments_decided_by_id_accounts')),
    sa.ForeignKeyConstraint(['entry_id'], ['ledger_entries.id'], name=op.f('fk_pending_adjustments_entry_id_ledger_entries')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_pending_adjustments_member_id_members')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['accounts.id'], name=op.f('fk_pending_adjustments_requested_by_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_adjustments')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_pending_adjustments_entry_id')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_pending_adjustments_idempotency_key'))
    )
    with op.batch_alter_table('pending_adjustments', schema=None) as batch_op:
        batch_op.create_index('ix_pending_adjustments_community_status', ['community_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_pending_adjustments_member_id'), ['member_id'], unique=False)


def downgrade():
    with op.batch_alter_table('pending_adjustments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_adjustments_member_id'))
        batch_op.drop_index('ix_pending_adjustments_community_status')

    op.drop_table('pending_adjustments')
