"""Settlements set aside: a licence whose settlement reverts alone in its batch no longer stops the epoch close
for every other licence; its usage is recorded here with the reason.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHAIN_INT = sa.Numeric(78, 0).with_variant(sa.String(80), "sqlite")  # as backend.core.db.ChainInt


def upgrade() -> None:
    op.create_table(
        "settlement_set_asides",
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("licence_id", sa.BigInteger(), nullable=False),
        sa.Column("units", CHAIN_INT, nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("set_aside_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("epoch", "licence_id", name=op.f("pk_settlement_set_asides")),
    )
    op.create_index(
        op.f("ix_settlement_set_asides_licence_id"), "settlement_set_asides", ["licence_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_settlement_set_asides_licence_id"), table_name="settlement_set_asides")
    op.drop_table("settlement_set_asides")
