"""Model operators (AssetRegistry.setModelOperator, projected) and usage keys only for those who meter.

A usage key is now honoured only while its creator owns the model or is an operator its owner named. Keys
created before this rule by an address that does not own the model are revoked here (no operator can
have been named yet: the table is new), so they stay revoked if their creator qualifies later.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "model_operators",
        sa.Column("model_id", sa.BigInteger(), nullable=False),
        sa.Column("operator", sa.String(length=42), nullable=False),
        sa.PrimaryKeyConstraint("model_id", "operator", name=op.f("pk_model_operators")),
    )
    keys, assets = (
        sa.table(
            "operator_keys",
            sa.column("model_id", sa.BigInteger()),
            sa.column("owner", sa.String()),
            sa.column("revoked_at", sa.DateTime(timezone=True)),
        ),
        sa.table("assets", sa.column("id"), sa.column("kind"), sa.column("owner")),
    )
    owns = (
        sa.select(sa.literal(1))
        .where(assets.c.id == keys.c.model_id, assets.c.kind == "model", assets.c.owner == keys.c.owner)
        .exists()
    )
    op.execute(keys.update().where(keys.c.revoked_at.is_(None), ~owns).values(revoked_at=datetime.now(UTC)))


def downgrade() -> None:
    op.drop_table("model_operators")
