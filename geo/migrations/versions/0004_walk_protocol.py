"""The walk protocol: merged pins, who is responsible for a point, its priority and deadline.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("observation") as batch:
        batch.add_column(sa.Column("merged_into", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("flagged_by", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("responsible", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("priority", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("due", sa.Date(), nullable=True))
        batch.create_index(op.f("ix_observation_merged_into"), ["merged_into"], unique=False)
        batch.create_foreign_key(op.f("fk_observation_merged_into_observation"), "observation",
                                 ["merged_into"], ["id"], ondelete="SET NULL")
        batch.create_check_constraint(op.f("ck_observation_priority"),
                                      "priority IS NULL OR priority BETWEEN 1 AND 3")
        batch.create_check_constraint(op.f("ck_observation_flagged"), "flagged_by >= 1")


def downgrade() -> None:
    with op.batch_alter_table("observation") as batch:
        batch.drop_constraint(op.f("ck_observation_flagged"), type_="check")
        batch.drop_constraint(op.f("ck_observation_priority"), type_="check")
        batch.drop_constraint(op.f("fk_observation_merged_into_observation"), type_="foreignkey")
        batch.drop_index(op.f("ix_observation_merged_into"))
        for column in ("due", "priority", "responsible", "flagged_by", "merged_into"):
            batch.drop_column(column)
