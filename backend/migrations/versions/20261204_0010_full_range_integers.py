"""Full-range call counts: the terms' included calls (uint64), a licence's settled calls (uint64), the calls a
settlement accepted and a metering limit (uint256) were signed 64-bit columns, so one value above 2**63 - 1
stopped the indexer for good. They become ChainInt, values kept.

The downgrade refuses while any of them holds a value a BIGINT cannot (SQLite would clamp it silently).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

CHAIN_INT = sa.Numeric(78, 0).with_variant(sa.String(80), "sqlite")  # as backend.core.db.ChainInt
BIGINT_MAX = 2**63 - 1
COLUMNS = (
    ("terms_versions", "included_calls"),
    ("licences", "settled_calls"),
    ("licence_settlements", "accepted_calls"),
    ("metering_limits", "calls_per_epoch"),
)

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table, column in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column, existing_type=sa.BigInteger(), type_=CHAIN_INT, existing_nullable=False
            )


def downgrade() -> None:
    bind = op.get_bind()
    digits = len(str(BIGINT_MAX))
    for table, column in COLUMNS:
        if bind.dialect.name == "sqlite":  # decimal text of counts (never negative): longer is larger
            above = (
                f"length({column}) > {digits} OR (length({column}) = {digits} AND {column} > '{BIGINT_MAX}')"
            )
        else:
            above = f"{column} > {BIGINT_MAX}"
        if bind.execute(sa.text(f"SELECT 1 FROM {table} WHERE {above} LIMIT 1")).first() is not None:
            raise RuntimeError(f"{table}.{column} holds values above 2**63 - 1, which a BIGINT cannot hold")
    for table, column in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column, existing_type=CHAIN_INT, type_=sa.BigInteger(), existing_nullable=False
            )
