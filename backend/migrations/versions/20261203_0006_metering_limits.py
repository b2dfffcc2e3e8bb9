"""Metering limits: a licence holder's calls per epoch (LicenseManager.MeteringLimitSet, projected), which
usage screening enforces per event.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "metering_limits",
        sa.Column("licence_id", sa.BigInteger(), nullable=False),
        sa.Column("from_epoch", sa.Integer(), nullable=False),
        sa.Column("calls_per_epoch", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("licence_id", "from_epoch", name=op.f("pk_metering_limits")),
    )
    with op.batch_alter_table("licences", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("metering_limited", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("licences", schema=None) as batch_op:
        batch_op.drop_column("metering_limited")
    op.drop_table("metering_limits")
