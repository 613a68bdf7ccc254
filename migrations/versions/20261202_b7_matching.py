"""matching settings and invitations

Revision ID: b7_matching
Revises: b6_rankings
Created: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa
import service.database


revision = 'b7_matching'
down_revision = 'b6_rankings'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('area_neighbours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('neighbour_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('area_id <> neighbour_id', name=op.f('ck_area_neighbours_distinct')),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_area_neighbours_area_id_areas')),
    sa.ForeignKeyConstraint(['neighbour_id'], ['areas.id'], name=op.f('fk_area_neighbours_neighbour_id_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_area_neighbours')),
    sa.UniqueConstraint('area_id', 'neighbour_id', name=op.f('uq_area_neighbours_area_id_neighbour_id'))
    )
    with op.batch_alter_table('area_neighbours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_area_neighbours_area_id'), ['area_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_area_neighbours_neighbour_id'), ['neighbour_id'], unique=False)

    op.create_table('dispatch_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('window_start', service.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('window_end', service.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('solver', sa.String(length=10), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('slots', sa.Integer(), nullable=False),
    sa.Column('filled', sa.Integer(), nullable=False),
    sa.Column('total_score', sa.Float(), nullable=False),
    sa.Column('unfilled', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', service.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("solver IN ('exact','greedy')", name=op.f('ck_dispatch_runs_solver')),
    sa.CheckConstraint('window_start < window_end', name=op.f('ck_dispatch_runs_window')),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_dispatch_runs_area_id_areas')),
    sa.ForeignKeyConstraint(['created_by_id'], ['accounts.id'], name=op.f('fk_dispatch_runs_created_by_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_runs'))
    )
    with op.batch_alter_table('dispatch_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispatch_runs_area_id'), ['area_id'], unique=False)

    op.create_table('matching_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('weights', sa.JSON(), nullable=False),
    sa.Column('min_cover', sa.Float(), nullable=True),
    sa.Column('invitation_hours', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', service.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('invitation_hours IS NULL OR invitation_hours BETWEEN 1 AND 720', name=op.f('ck_matching_settings_invitation_hours')),
    sa.CheckConstraint('min_cover IS NULL OR (min_cover > 0 AND min_cover <= 1)', name=op.f('ck_matching_settings_min_cover')),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_matching_settings_area_id_areas')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['accounts.id'], name=op.f('fk_matching_settings_updated_by_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matching_settings')),
    sa.UniqueConstraint('area_id', name=op.f('uq_matching_settings_area_id'))
    )


def downgrade():
    op.drop_table('matching_settings')
    with op.batch_alter_table('dispatch_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispatch_runs_area_id'))

    op.drop_table('dispatch_runs')
    with op.batch_alter_table('area_neighbours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_area_neighbours_neighbour_id'))
        batch_op.drop_index(batch_op.f('ix_area_neighbours_area_id'))

    op.drop_table('area_neighbours')
