"""Field capture: participants' reconnect tokens and photo thumbnails.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("participant") as batch:
        batch.add_column(sa.Column("token_hash", sa.String(length=64), nullable=True))
        batch.create_unique_constraint(op.f("uq_participant_token_hash"), ["token_hash"])
    with op.batch_alter_table("photo") as batch:
        batch.add_column(sa.Column("thumb", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("photo") as batch:
        batch.drop_column("thumb")
    with op.batch_alter_table("participant") as batch:
        batch.drop_constraint(op.f("uq_participant_token_hash"), type_="unique")
        batch.drop_column("token_hash")
