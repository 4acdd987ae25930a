"""Users (local accounts or OpenID Connect), walk participants, join codes, own pins.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

import geo.store

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", geo.store.UTCDateTime(), nullable=True),
        sa.Column("last_sign_in", geo.store.UTCDateTime(), nullable=True),
        sa.Column("created_at", geo.store.UTCDateTime(), nullable=False),
        sa.CheckConstraint("role IN ('planner', 'admin')", name=op.f("ck_user_account_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("email", name=op.f("uq_user_account_email")),
        sa.UniqueConstraint("username", name=op.f("uq_user_account_username")),
    )
    op.create_table(
        "participant",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("walk_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("group_id", sa.String(length=40), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", geo.store.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["walk_id"], ["walk.id"], name=op.f("fk_participant_walk_id_walk"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant")),
    )
    op.create_index(op.f("ix_participant_walk_id"), "participant", ["walk_id"], unique=False)
    with op.batch_alter_table("observation") as batch:
        batch.add_column(sa.Column("participant_id", sa.Integer(), nullable=True))
        batch.create_index(op.f("ix_observation_participant_id"), ["participant_id"], unique=False)
        batch.create_foreign_key(op.f("fk_observation_participant_id_participant"), "participant",
                                 ["participant_id"], ["id"], ondelete="SET NULL")
    with op.batch_alter_table("walk") as batch:
        batch.add_column(sa.Column("join_code", sa.String(length=12), nullable=True))
        batch.create_unique_constraint(op.f("uq_walk_join_code"), ["join_code"])


def downgrade() -> None:
    with op.batch_alter_table("walk") as batch:
        batch.drop_constraint(op.f("uq_walk_join_code"), type_="unique")
        batch.drop_column("join_code")
    with op.batch_alter_table("observation") as batch:
        batch.drop_constraint(op.f("fk_observation_participant_id_participant"), type_="foreignkey")
        batch.drop_index(op.f("ix_observation_participant_id"))
        batch.drop_column("participant_id")
    op.drop_index(op.f("ix_participant_walk_id"), table_name="participant")
    op.drop_table("participant")
    op.drop_table("user_account")
