"""Licence settlements: per licence and epoch, the calls settlement accepted and refused, the fee and what
credit paid (LicenseManager.UsageSettled and UsageRefused, projected) for the holder's usage statement.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

CHAIN_INT = sa.Numeric(78, 0).with_variant(sa.String(80), "sqlite")  # as backend.core.db.ChainInt

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "licence_settlements",
        sa.Column("licence_id", sa.BigInteger(), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("accepted_calls", sa.BigInteger(), nullable=False),
        sa.Column("refused_calls", CHAIN_INT, nullable=False),
        sa.Column("fee", CHAIN_INT, nullable=False),
        sa.Column("paid", CHAIN_INT, nullable=False),
        sa.PrimaryKeyConstraint("licence_id", "epoch", name=op.f("pk_licence_settlements")),
    )


def downgrade() -> None:
    op.drop_table("licence_settlements")
