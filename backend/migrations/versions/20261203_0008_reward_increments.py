"""Reward increments per epoch, and the tree each submitted tree was built on: the next tree builds on the
last accepted one, so a revoked root's amounts never come back (RewardDistributor's one-pending-root lifecycle).

Trees recorded before this revision were each built on the one before it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reward_increments",
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("payments", sa.JSON(), nullable=False),
        sa.Column("prov", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("epoch", name=op.f("pk_reward_increments")),
    )
    with op.batch_alter_table("reward_trees") as batch:
        batch.add_column(sa.Column("base_epoch", sa.Integer(), nullable=True))
    op.execute("UPDATE reward_trees SET base_epoch = epoch - 1")
    with op.batch_alter_table("reward_trees") as batch:
        batch.alter_column("base_epoch", existing_type=sa.Integer(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("reward_trees") as batch:
        batch.drop_column("base_epoch")
    op.drop_table("reward_increments")
