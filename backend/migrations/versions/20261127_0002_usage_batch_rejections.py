"""Usage batches keep the events refused at the API, with the reason.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 12:43:00.240087
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing batches refused nothing: fill them with an empty list, then leave the default to the model.
    with op.batch_alter_table("usage_batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rejected", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    with op.batch_alter_table("usage_batches", schema=None) as batch_op:
        batch_op.alter_column("rejected", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("usage_batches", schema=None) as batch_op:
        batch_op.drop_column("rejected")
