"""The walk in the field: "me too" and the participant's device.

- ``observation_support``: a participant (or an account) seconds an existing pin ("Jag håller
  med") instead of placing another one at the same spot; one row per person and pin, so
  seconding twice counts once.  A merge in the walk protocol moves the rows to the kept pin;
  the privacy purge empties both person columns of old rows (the count stays, who does not).
- ``participant.device_hash``: the SHA-256 of the device key the browser keeps in a cookie, so
  that joining the same walk again from the same device restores the same participant (and
  their own pins); *Byt deltagare* on a shared tablet clears it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

import geo.store

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "observation_support",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("observation_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", geo.store.UTCDateTime(), nullable=False),
        # at most one person: both empty once the privacy purge has made an old row anonymous
        sa.CheckConstraint("participant_id IS NULL OR user_id IS NULL",
                           name=op.f("ck_observation_support_one_supporter")),
        sa.ForeignKeyConstraint(["observation_id"], ["observation.id"],
                                name=op.f("fk_observation_support_observation_id_observation"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"],
                                name=op.f("fk_observation_support_participant_id_participant"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_observation_support_user_id_user_account"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_observation_support")),
        sa.UniqueConstraint("observation_id", "participant_id", name=op.f("uq_observation_support_observation_id")),
        sa.UniqueConstraint("observation_id", "user_id", name="uq_observation_support_observation_id_user_id"),
    )
    op.create_index(op.f("ix_observation_support_observation_id"), "observation_support", ["observation_id"])
    with op.batch_alter_table("participant") as batch:
        batch.add_column(sa.Column("device_hash", sa.String(length=64), nullable=True))
        batch.create_index(op.f("ix_participant_device_hash"), ["device_hash"])


def downgrade() -> None:
    with op.batch_alter_table("participant") as batch:
        batch.drop_index(op.f("ix_participant_device_hash"))
        batch.drop_column("device_hash")
    op.drop_index(op.f("ix_observation_support_observation_id"), table_name="observation_support")
    op.drop_table("observation_support")
