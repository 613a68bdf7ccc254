"""matching settings and invitations

Revision ID: b7_matching
Revises: b6_rankings
Created: 2026-12-02
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import service.database  # noqa: F401


revision = 'b7_matching'
down_revision = 'b6_rankings'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
