"""idempotency keys per account and operation, with the request's fingerprint and first response

Revision ID: idem_1
Revises: session_1
Created: 2026-12-08
"""
from alembic import op
import sqlalchemy as sa
import service.database


revision = 'idem_1'
down_revision = 'session_1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'idempotency_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('operation', sa.String(length=120), nullable=False),
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('status', sa.Integer(), nullable=False),
        sa.Column('response', sa.JSON(), nullable=True),
        sa.Column('created_at', service.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['account_id'], ['accounts.id'], name=op.f('fk_idempotency_records_account_id_accounts')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_records')),
        sa.UniqueConstraint(
            'account_id', 'operation', 'key', name=op.f('uq_idempotency_records_account_id_operation_key')
        ),
    )


def downgrade():
    op.drop_table('idempotency_records')
