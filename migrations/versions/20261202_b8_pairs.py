"""standing pairs (结对帮扶), visit rhythms (五见) and visits

Revision ID: b8_pairs
Revises: b7_matching
Created: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa
import service.database


revision = 'b8_pairs'
down_revision = 'b7_matching'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('beneficiaries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=False),
    sa.Column('place_path', sa.String(length=255).with_variant(sa.String(length=255, collation='C'), 'postgresql'), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('phone', sa.String(length=11), nullable=True),
    sa.Column('beneficiary_group', sa.String(length=12), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', service.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("beneficiary_group IN ('special','hardship','key','volunteer','ordinary')", name=op.f('ck_beneficiaries_beneficiary_group')),
    sa.ForeignKeyConstraint(['community_id'], ['areas.id'], name=op.f('fk_beneficiaries_community_id_areas')),
    sa.ForeignKeyConstraint(['created_by_id'], ['accounts.id'], name=op.f('fk_beneficiaries_created_by_id_accounts')),
    sa.ForeignKeyConstraint(['place_id'], ['areas.id'], name=op.f('fk_beneficiaries_place_id_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_beneficiaries')),
    sa.UniqueConstraint('community_id', 'phone', name=op.f('uq_beneficiaries_community_id_phone'))
    )
    with op.batch_alter_table('beneficiaries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_beneficiaries_place_path'), ['place_path'], unique=False)

    op.create_table('visit_rhythms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('beneficiary_group', sa.String(length=12), nullable=False),
    sa.Column('rhythm', sa.String(length=16), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', service.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("beneficiary_group IN ('special','hardship','key','volunteer','ordinary')", name=op.f('ck_visit_rhythms_beneficiary_group')),
    sa.CheckConstraint("rhythm IN ('daily','weekly','monthly','at_activities','at_consultations')", name=op.f('ck_visit_rhythms_rhythm')),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_visit_rhythms_area_id_areas')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['accounts.id'], name=op.f('fk_visit_rhythms_updated_by_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_rhythms')),
    sa.UniqueConstraint('area_id', 'beneficiary_group', name=op.f('uq_visit_rhythms_area_id_beneficiary_group'))
    )
    op.create_table('standing_pairs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('beneficiary_id', sa.Integer(), nullable=False),
    sa.Column('beneficiary_group', sa.String(length=12), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('started_at', service.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', service.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("beneficiary_group IN ('special','hardship','key','volunteer','ordinary')", name=op.f('ck_standing_pairs_beneficiary_group')),
    sa.CheckConstraint('active OR ended_at IS NOT NULL', name=op.f('ck_standing_pairs_ended')),
    sa.ForeignKeyConstraint(['beneficiary_id'], ['beneficiaries.id'], name=op.f('fk_standing_pairs_beneficiary_id_beneficiaries')),
    sa.ForeignKeyConstraint(['community_id'], ['areas.id'], name=op.f('fk_standing_pairs_community_id_areas')),
    sa.ForeignKeyConstraint(['created_by_id'], ['accounts.id'], name=op.f('fk_standing_pairs_created_by_id_accounts')),
    sa.ForeignKeyConstraint(['ended_by_id'], ['accounts.id'], name=op.f('fk_standing_pairs_ended_by_id_accounts')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_standing_pairs_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_standing_pairs'))
    )
    with op.batch_alter_table('standing_pairs', schema=None) as batch_op:
        batch_op.create_index('ix_standing_pairs_beneficiary_active', ['beneficiary_id', 'active'], unique=False)
        batch_op.create_index('ix_standing_pairs_community_active', ['community_id', 'active'], unique=False)
        batch_op.create_index('ix_standing_pairs_member_active', ['member_id', 'active'], unique=False)
        batch_op.create_index('uq_standing_pairs_active', ['member_id', 'beneficiary_id'], unique=True, postgresql_where=sa.text('active'), sqlite_where=sa.text('active'))

    op.create_table('visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pair_id', sa.Integer(), nullable=False),
    sa.Column('rhythm', sa.String(length=16), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('due_at', service.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', service.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('settled_at', service.database.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("rhythm IN ('daily','weekly','monthly')", name=op.f('ck_visits_rhythm')),
    sa.CheckConstraint("status IN ('due','invited','done','missed','cancelled')", name=op.f('ck_visits_status')),
    sa.CheckConstraint('period_start < period_end', name=op.f('ck_visits_period')),
    sa.ForeignKeyConstraint(['pair_id'], ['standing_pairs.id'], name=op.f('fk_visits_pair_id_standing_pairs')),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_visits_task_id_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits')),
    sa.UniqueConstraint('pair_id', 'period_start', name=op.f('uq_visits_pair_id_period_start')),
    sa.UniqueConstraint('task_id', name=op.f('uq_visits_task_id'))
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index('ix_visits_status_due', ['status', 'due_at'], unique=False)


def downgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index('ix_visits_status_due')

    op.drop_table('visits')
    with op.batch_alter_table('standing_pairs', schema=None) as batch_op:
        batch_op.drop_index('uq_standing_pairs_active', postgresql_where=sa.text('active'), sqlite_where=sa.text('active'))
        batch_op.drop_index('ix_standing_pairs_member_active')
        batch_op.drop_index('ix_standing_pairs_community_active')
        batch_op.drop_index('ix_standing_pairs_beneficiary_active')

    op.drop_table('standing_pairs')
    op.drop_table('visit_rhythms')
    with op.batch_alter_table('beneficiaries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_beneficiaries_place_path'))

    op.drop_table('beneficiaries')
