"""Derivation counts: the terms' ``maxDerivatives`` and the models each licence has derived.

These columns mirror fields the licence manager gained together with them; a database indexed from the
contracts before that change belongs to a deployment that must be replaced, so existing rows get zeros.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("terms_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("max_derivatives", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("licences", schema=None) as batch_op:
        batch_op.add_column(sa.Column("derivations", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("licences", schema=None) as batch_op:
        batch_op.drop_column("derivations")
    with op.batch_alter_table("terms_versions", schema=None) as batch_op:
        batch_op.drop_column("max_derivatives")
