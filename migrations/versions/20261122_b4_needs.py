"""needs (诉求): departments, time-limit policies, needs, their history and escalations

Revision ID: b4_needs
Revises: b3_points
"""
from alembic import op
import sqlalchemy as sa
import service.database

revision = "b4_needs"
down_revision = "b3_points"
branch_labels = None
depends_on = None

PATH = sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql")


def upgrade():
    op.create_table(
        "departments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("due_days", sa.Integer(), nullable=False),
        sa.Column("contact", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("due_days BETWEEN 1 AND 90", name=op.f("ck_departments_due_days")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departments")),
        sa.UniqueConstraint("name", name=op.f("uq_departments_name")),
    )
    op.create_table(
        "need_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("urgent_hours", sa.Integer(), nullable=True),
        sa.Column("normal_hours", sa.Integer(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("normal_hours IS NULL OR normal_hours BETWEEN 1 AND 2160",
                           name=op.f("ck_need_policies_normal_hours")),
        sa.CheckConstraint("urgent_hours IS NULL OR urgent_hours BETWEEN 1 AND 2160",
                           name=op.f("ck_need_policies_urgent_hours")),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_need_policies_area_id_areas")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["accounts.id"], name=op.f("fk_need_policies_updated_by_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_need_policies")),
        sa.UniqueConstraint("area_id", name=op.f("uq_need_policies_area_id")),
    )
    op.create_table(
        "needs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tracking_code", sa.String(length=12), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=True),
        sa.Column("place_path", PATH, nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("resident_name", sa.String(length=50), nullable=False),
        sa.Column("resident_phone", sa.String(length=11), nullable=True),
        sa.Column("photo", sa.String(length=64), nullable=True),
        sa.Column("urgency", sa.String(length=8), nullable=False),
        sa.Column("beneficiary_group", sa.String(length=12), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("due_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("clock_started_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("escalation_level", sa.SmallInteger(), nullable=False),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("rating_comment", sa.Text(), nullable=True),
        sa.Column("created_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", service.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", service.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", service.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("beneficiary_group IS NULL OR beneficiary_group IN "
                           "('special','hardship','key','volunteer','ordinary')",
                           name=op.f("ck_needs_beneficiary_group")),
        sa.CheckConstraint("channel IN ('resident','door_to_door','staff')", name=op.f("ck_needs_channel")),
        sa.CheckConstraint("status IN ('submitted','accepted','rejected','in_progress','transferred','resolved','closed')",
                           name=op.f("ck_needs_status")),
        sa.CheckConstraint("urgency IN ('normal','urgent')", name=op.f("ck_needs_urgency")),
        sa.CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name=op.f("ck_needs_rating")),
        sa.ForeignKeyConstraint(["community_id"], ["areas.id"], name=op.f("fk_needs_community_id_areas")),
        sa.ForeignKeyConstraint(["created_by_id"], ["accounts.id"], name=op.f("fk_needs_created_by_id_accounts")),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"], name=op.f("fk_needs_department_id_departments")),
        sa.ForeignKeyConstraint(["owner_id"], ["accounts.id"], name=op.f("fk_needs_owner_id_accounts")),
        sa.ForeignKeyConstraint(["place_id"], ["areas.id"], name=op.f("fk_needs_place_id_areas")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_needs")),
        sa.UniqueConstraint("tracking_code", name=op.f("uq_needs_tracking_code")),
    )
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_needs_community_id"), ["community_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_needs_department_id"), ["department_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_needs_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_needs_place_path"), ["place_path"], unique=False)
        batch_op.create_index("ix_needs_phone_created", ["resident_phone", "created_at"], unique=False)
        batch_op.create_index("ix_needs_status_due", ["status", "due_at"], unique=False)

    op.create_table(
        "need_escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("due_at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("notified", sa.Integer(), nullable=False),
        sa.Column("at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_need_escalations_area_id_areas")),
        sa.ForeignKeyConstraint(["need_id"], ["needs.id"], name=op.f("fk_need_escalations_need_id_needs"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_need_escalations")),
        sa.UniqueConstraint("need_id", "level", "due_at", name=op.f("uq_need_escalations_need_id_level_due_at")),
    )
    with op.batch_alter_table("need_escalations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_need_escalations_need_id"), ["need_id"], unique=False)

    op.create_table(
        "need_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("at", service.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=12), nullable=False),
        sa.Column("from_status", sa.String(length=12), nullable=True),
        sa.Column("to_status", sa.String(length=12), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.CheckConstraint("action IN ('submitted','accepted','rejected','started','transferred','resolved','rated',"
                           "'reopened','closed','escalated')", name=op.f("ck_need_events_action")),
        sa.ForeignKeyConstraint(["actor_id"], ["accounts.id"], name=op.f("fk_need_events_actor_id_accounts")),
        sa.ForeignKeyConstraint(["need_id"], ["needs.id"], name=op.f("fk_need_events_need_id_needs"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_need_events")),
    )
    with op.batch_alter_table("need_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_need_events_need_id"), ["need_id"], unique=False)


def downgrade():
    with op.batch_alter_table("need_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_need_events_need_id"))
    op.drop_table("need_events")
    with op.batch_alter_table("need_escalations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_need_escalations_need_id"))
    op.drop_table("need_escalations")
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.drop_index("ix_needs_status_due")
        batch_op.drop_index("ix_needs_phone_created")
        batch_op.drop_index(batch_op.f("ix_needs_place_path"))
        batch_op.drop_index(batch_op.f("ix_needs_owner_id"))
        batch_op.drop_index(batch_op.f("ix_needs_department_id"))
        batch_op.drop_index(batch_op.f("ix_needs_community_id"))
    op.drop_table("needs")
    op.drop_table("need_policies")
    op.drop_table("departments")
