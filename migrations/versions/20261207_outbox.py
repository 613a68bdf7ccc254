"""notifications as message ids with parameters; the outbox of outgoing messages

Revision ID: outbox_1
Revises: b10_task_hall_index
Created: 2026-12-07

Rows written before keep their stored title and body (their message ids stay empty).
"""
from alembic import op
import sqlalchemy as sa
import service.database


revision = 'outbox_1'
down_revision = 'b10_task_hall_index'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_id', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('body_id', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=True))

    op.create_table(
        'outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('recipient', sa.String(length=32), nullable=False),
        sa.Column('message_id', sa.Text(), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('claimed_at', service.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('sent_at', service.database.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('pending','sending','sent','failed')", name=op.f('ck_outbox_status')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_status_next_attempt', ['status', 'next_attempt_at'], unique=False)


def downgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_status_next_attempt')
    op.drop_table('outbox')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('params')
        batch_op.drop_column('body_id')
        batch_op.drop_column('title_id')
