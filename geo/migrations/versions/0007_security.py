"""Security: sign-in slow-downs in the database (one row per account and per source address,
updated atomically), server-side sessions for accounts and participants (a participant's
link is a session that can be revoked), when a walk was closed (its participants' links end
a grace period later) and who leads it (the account that may open and close it), and the
app's own state (whether the demo was removed).

The reconnect tokens in ``participant.token_hash`` become sessions; the slow-down columns
of ``user_account`` move to ``sign_in_throttle``.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

import geo.store

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_throttle",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure", geo.store.UTCDateTime(), nullable=False),
        sa.Column("locked_until", geo.store.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sign_in_throttle")),
    )
    op.create_table(
        "auth_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("created_at", geo.store.UTCDateTime(), nullable=False),
        sa.Column("last_seen", geo.store.UTCDateTime(), nullable=False),
        sa.Column("expires_at", geo.store.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", geo.store.UTCDateTime(), nullable=True),
        sa.CheckConstraint("(user_id IS NULL) <> (participant_id IS NULL)", name=op.f("ck_auth_session_one_holder")),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_auth_session_user_id_user_account"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"],
                                name=op.f("fk_auth_session_participant_id_participant"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_session")),
    )
    op.create_index(op.f("ix_auth_session_user_id"), "auth_session", ["user_id"])
    op.create_index(op.f("ix_auth_session_participant_id"), "auth_session", ["participant_id"])
    op.create_table(
        "app_state",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_app_state")),
    )
    with op.batch_alter_table("walk") as batch:
        batch.add_column(sa.Column("closed_at", geo.store.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("leader_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_walk_leader_id_user_account"), "user_account", ["leader_id"], ["id"],
                                 ondelete="SET NULL")
    # the links participants hold today keep working: each token becomes a session
    op.execute("INSERT INTO auth_session (id, participant_id, created_at, last_seen)"
               " SELECT token_hash, id, created_at, created_at FROM participant WHERE token_hash IS NOT NULL")
    with op.batch_alter_table("participant") as batch:
        batch.drop_constraint(op.f("uq_participant_token_hash"), type_="unique")
        batch.drop_column("token_hash")
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("password_changed_at", geo.store.UTCDateTime(), nullable=True))
        batch.drop_column("failed_attempts")
        batch.drop_column("locked_until")


def downgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("locked_until", geo.store.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("failed_attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.drop_column("password_changed_at")
    with op.batch_alter_table("participant") as batch:
        batch.add_column(sa.Column("token_hash", sa.String(length=64), nullable=True))
        batch.create_unique_constraint(op.f("uq_participant_token_hash"), ["token_hash"])
    with op.batch_alter_table("walk") as batch:
        batch.drop_constraint(op.f("fk_walk_leader_id_user_account"), type_="foreignkey")
        batch.drop_column("leader_id")
        batch.drop_column("closed_at")
    op.drop_table("app_state")
    op.drop_index(op.f("ix_auth_session_participant_id"), table_name="auth_session")
    op.drop_index(op.f("ix_auth_session_user_id"), table_name="auth_session")
    op.drop_table("auth_session")
    op.drop_table("sign_in_throttle")
