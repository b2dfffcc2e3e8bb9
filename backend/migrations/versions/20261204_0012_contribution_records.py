"""Contributions earn by what they add: the hashes of the records accepted contributions claimed, unique per
dataset, and each dataset's contribution rules (case folding, minimum record size, per-epoch weight cap).

Contributions accepted before this revision are not hashed retroactively: their files are in the content
store, which a migration does not reach. Their weights stand; only byte-identical copies of them (same CID)
are refused as duplicates, as before.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contribution_records",
        sa.Column("dataset_id", sa.BigInteger(), nullable=False),
        sa.Column("record_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contributions.id"],
            name=op.f("fk_contribution_records_contribution_id_contributions"),
        ),
        sa.PrimaryKeyConstraint("dataset_id", "record_hash", name=op.f("pk_contribution_records")),
    )
    op.create_index(
        op.f("ix_contribution_records_contribution_id"),
        "contribution_records",
        ["contribution_id"],
        unique=False,
    )
    op.create_table(
        "dataset_rules",
        sa.Column("dataset_id", sa.BigInteger(), nullable=False),
        sa.Column("case_insensitive", sa.Boolean(), nullable=False),
        sa.Column("min_record_bytes", sa.Integer(), nullable=False),
        sa.Column("max_weight_per_epoch", sa.BigInteger(), nullable=True),
        sa.Column("updated_by", sa.String(length=42), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("dataset_id", name=op.f("pk_dataset_rules")),
    )


def downgrade() -> None:
    op.drop_table("dataset_rules")
    op.drop_index(op.f("ix_contribution_records_contribution_id"), table_name="contribution_records")
    op.drop_table("contribution_records")
