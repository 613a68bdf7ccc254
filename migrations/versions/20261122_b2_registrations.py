"""registrations (双报到)

Revision ID: b2_registrations
Revises: 810478c0088f
"""
from alembic import op
import sqlalchemy as sa
import service.database

revision = "b2_registrations"
down_revision = "810478c0088f"
branch_labels = None
depends_on = None

APPROVED = sa.text("status = 'approved'")
PENDING = sa.text("status = 'pending'")


def upgrade():
    op.create_table(
        "registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("filed_by_id", sa.Integer(), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", service.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("approved_at", service.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", service.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("superseded_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("side IN ('residence','unit')", name=op.f("ck_registrations_side")),
        sa.CheckConstraint("status IN ('pending','approved','rejected','withdrawn','superseded')",
                           name=op.f("ck_registrations_status")),
        sa.CheckConstraint("status IN ('pending','rejected') OR approved_at IS NOT NULL",
                           name=op.f("ck_registrations_approved_at")),
        sa.CheckConstraint("status IN ('pending','approved','rejected') OR ended_at IS NOT NULL",
                           name=op.f("ck_registrations_ended_at")),
        sa.ForeignKeyConstraint(["community_id"], ["areas.id"], name=op.f("fk_registrations_community_id_areas")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["accounts.id"], name=op.f("fk_registrations_decided_by_id_accounts")),
        sa.ForeignKeyConstraint(["filed_by_id"], ["accounts.id"], name=op.f("fk_registrations_filed_by_id_accounts")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_registrations_member_id_members")),
        sa.ForeignKeyConstraint(["superseded_by_id"], ["registrations.id"],
                                name=op.f("fk_registrations_superseded_by_id_registrations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registrations")),
    )
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_registrations_community_id"), ["community_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_registrations_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_registrations_status"), ["status"], unique=False)
        # At most one active, and one waiting, registration per member and side.
        batch_op.create_index("uq_registrations_one_approved", ["member_id", "side"], unique=True,
                              postgresql_where=APPROVED, sqlite_where=APPROVED)
        batch_op.create_index("uq_registrations_one_pending", ["member_id", "side"], unique=True,
                              postgresql_where=PENDING, sqlite_where=PENDING)

    op.create_table(
        "registration_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=12), nullable=False),
        sa.Column("from_status", sa.String(length=12), nullable=True),
        sa.Column("to_status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.CheckConstraint("action IN ('filed','approved','rejected','withdrawn','superseded')",
                           name=op.f("ck_registration_events_action")),
        sa.ForeignKeyConstraint(["actor_id"], ["accounts.id"], name=op.f("fk_registration_events_actor_id_accounts")),
        sa.ForeignKeyConstraint(["registration_id"], ["registrations.id"],
                                name=op.f("fk_registration_events_registration_id_registrations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration_events")),
    )
    with op.batch_alter_table("registration_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_registration_events_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_registration_events_registration_id"), ["registration_id"], unique=False)


def downgrade():
    with op.batch_alter_table("registration_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registration_events_registration_id"))
        batch_op.drop_index(batch_op.f("ix_registration_events_actor_id"))
    op.drop_table("registration_events")

    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_index("uq_registrations_one_pending")
        batch_op.drop_index("uq_registrations_one_approved")
        batch_op.drop_index(batch_op.f("ix_registrations_status"))
        batch_op.drop_index(batch_op.f("ix_registrations_member_id"))
        batch_op.drop_index(batch_op.f("ix_registrations_community_id"))
    op.drop_table("registrations")
