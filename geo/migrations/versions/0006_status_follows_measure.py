"""Status history that says what moved a row: the measure that moved an observation, and the
reason code an observation was closed with.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("status_change") as batch:
        batch.add_column(sa.Column("measure_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reason", sa.Text(), nullable=False, server_default=""))
        batch.create_foreign_key(op.f("fk_status_change_measure_id_measure"), "measure",
                                 ["measure_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("status_change") as batch:
        batch.drop_constraint(op.f("fk_status_change_measure_id_measure"), type_="foreignkey")
        batch.drop_column("reason")
        batch.drop_column("measure_id")
