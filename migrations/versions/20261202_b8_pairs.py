"""standing pairs and visit rhythms

Revision ID: b8_pairs
Revises: b7_matching
Created: 2026-12-02
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import service.database  # noqa: F401


revision = 'b8_pairs'
down_revision = 'b7_matching'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
