"""sessions that can be ended: a session version on each account, and on each API token

Revision ID: session_1
Revises: points_1
Created: 2026-12-08

Logout, password change, deactivation and role change raise the account's version; a session
cookie or a bearer token made under an older one is refused. Existing rows start at 0.
"""
from alembic import op
import sqlalchemy as sa


revision = 'session_1'
down_revision = 'points_1'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('accounts', 'api_tokens'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    for table in ('api_tokens', 'accounts'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('session_version')
