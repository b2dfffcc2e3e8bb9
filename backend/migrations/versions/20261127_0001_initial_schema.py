"""Initial schema: every table of the backend and workers.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assets",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("owner", sa.String(length=42), nullable=False),
        sa.Column("manifest_cid", sa.String(length=128), nullable=False),
        sa.Column("registered_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assets")),
    )
    op.create_index(op.f("ix_assets_owner"), "assets", ["owner"], unique=False)
    op.create_table(
        "auth_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_auth_sessions_token_hash")),
    )
    op.create_index(op.f("ix_auth_sessions_address"), "auth_sessions", ["address"], unique=False)
    op.create_index(op.f("ix_auth_sessions_expires_at"), "auth_sessions", ["expires_at"], unique=False)
    op.create_table(
        "chain_events",
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("transaction_hash", sa.String(length=66), nullable=False),
        sa.Column("contract", sa.String(length=64), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("block_number", "log_index", name=op.f("pk_chain_events")),
    )
    op.create_index("ix_chain_events_contract_event", "chain_events", ["contract", "event"], unique=False)
    op.create_table(
        "contributions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.BigInteger(), nullable=False),
        sa.Column("contributor", sa.String(length=42), nullable=False),
        sa.Column("cid", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "PENDING", "ACCEPTED", "REJECTED", name="contributionstatus", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("duplicate_of", sa.Integer(), nullable=True),
        sa.Column("weight", sa.BigInteger(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["duplicate_of"], ["contributions.id"], name=op.f("fk_contributions_duplicate_of_contributions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contributions")),
    )
    op.create_index(op.f("ix_contributions_contributor"), "contributions", ["contributor"], unique=False)
    op.create_index("ix_contributions_dataset_cid", "contributions", ["dataset_id", "cid"], unique=False)
    op.create_index(op.f("ix_contributions_dataset_id"), "contributions", ["dataset_id"], unique=False)
    op.create_table(
        "dataset_versions",
        sa.Column("dataset_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("contributions_root", sa.String(length=66), nullable=False),
        sa.Column("manifest_cid", sa.String(length=128), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("dataset_id", "version", name=op.f("pk_dataset_versions")),
    )
    op.create_table(
        "epoch_closes",
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("end_block", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("transactions", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("epoch", name=op.f("pk_epoch_closes")),
    )
    op.create_table(
        "indexed_blocks",
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=66), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_indexed_blocks")),
    )
    op.create_table(
        "indexer_cursor",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=True),
        sa.Column("range_size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_indexer_cursor")),
    )
    op.create_table(
        "licences",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("model_id", sa.BigInteger(), nullable=False),
        sa.Column("holder", sa.String(length=42), nullable=False),
        sa.Column("terms_version", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("credit", sa.Numeric(78, 0).with_variant(sa.String(80), "sqlite"), nullable=False),
        sa.Column("settled_calls", sa.BigInteger(), nullable=False),
        sa.Column("last_settled_epoch", sa.Integer(), nullable=False),
        sa.Column("suspended", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licences")),
    )
    op.create_index(op.f("ix_licences_holder"), "licences", ["holder"], unique=False)
    op.create_index(op.f("ix_licences_model_id"), "licences", ["model_id"], unique=False)
    op.create_table(
        "model_datasets",
        sa.Column("model_id", sa.BigInteger(), nullable=False),
        sa.Column("dataset_id", sa.BigInteger(), nullable=False),
        sa.Column("dataset_version", sa.Integer(), nullable=False),
        sa.Column("weight_bps", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("model_id", "dataset_id", name=op.f("pk_model_datasets")),
    )
    op.create_index(op.f("ix_model_datasets_dataset_id"), "model_datasets", ["dataset_id"], unique=False)
    op.create_table(
        "model_parents",
        sa.Column("model_id", sa.BigInteger(), nullable=False),
        sa.Column("parent_id", sa.BigInteger(), nullable=False),
        sa.Column("edge_type", sa.Integer(), nullable=False),
        sa.Column("licence_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("model_id", "parent_id", name=op.f("pk_model_parents")),
    )
    op.create_index(op.f("ix_model_parents_parent_id"), "model_parents", ["parent_id"], unique=False)
    op.create_table(
        "model_versions",
        sa.Column("model_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("manifest_cid", sa.String(length=128), nullable=False),
        sa.Column("weights_hash", sa.String(length=66), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("model_id", "version", name=op.f("pk_model_versions")),
    )
    op.create_table(
        "operator_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("model_id", sa.BigInteger(), nullable=False),
        sa.Column("owner", sa.String(length=42), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_operator_keys_key_hash")),
    )
    op.create_index(op.f("ix_operator_keys_model_id"), "operator_keys", ["model_id"], unique=False)
    op.create_index(op.f("ix_operator_keys_owner"), "operator_keys", ["owner"], unique=False)
    op.create_table(
        "oracle_nonces",
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("next_nonce", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "address", name=op.f("pk_oracle_nonces")),
    )
    op.create_table(
        "oracle_txs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("nonce", sa.BigInteger(), nullable=False),
        sa.Column("to_address", sa.String(length=42), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("gas_limit", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("mined_hash", sa.String(length=66), nullable=True),
        sa.Column("block_number", sa.BigInteger(), nullable=True),
        sa.Column("gas_used", sa.BigInteger(), nullable=True),
        sa.Column("effective_gas_price", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("error_name", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oracle_txs")),
        sa.UniqueConstraint("chain_id", "address", "nonce", name=op.f("uq_oracle_txs_chain_id")),
    )
    op.create_index(op.f("ix_oracle_txs_status"), "oracle_txs", ["status"], unique=False)
    op.create_table(
        "pool_credits",
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.BigInteger(), nullable=False),
        sa.Column("model_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.Numeric(78, 0).with_variant(sa.String(80), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint("block_number", "log_index", name=op.f("pk_pool_credits")),
    )
    op.create_index(op.f("ix_pool_credits_dataset_id"), "pool_credits", ["dataset_id"], unique=False)
    op.create_table(
        "proposals",
        sa.Column("id", sa.String(length=78), nullable=False),
        sa.Column("proposer", sa.String(length=42), nullable=False),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("calldatas", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("vote_start", sa.BigInteger(), nullable=False),
        sa.Column("vote_end", sa.BigInteger(), nullable=False),
        sa.Column("votes_for", sa.Numeric(78, 0).with_variant(sa.String(80), "sqlite"), nullable=False),
        sa.Column("votes_against", sa.Numeric(78, 0).with_variant(sa.String(80), "sqlite"), nullable=False),
        sa.Column("votes_abstain", sa.Numeric(78, 0).with_variant(sa.String(80), "sqlite"), nullable=False),
        sa.Column("queued_eta", sa.BigInteger(), nullable=True),
        sa.Column("executed", sa.Boolean(), nullable=False),
        sa.Column("canceled", sa.Boolean(), nullable=False),
        sa.Column("created_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
    )
    op.create_table(
        "reward_claims",
        sa.Column("account", sa.String(length=42), nullable=False),
        sa.Column("token", sa.String(length=42), nullable=False),
        sa.Column("claimed", sa.Numeric(78, 0).with_variant(sa.String(80), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint("account", "token", name=op.f("pk_reward_claims")),
    )
    op.create_table(
        "reward_roots",
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("root", sa.String(length=66), nullable=False),
        sa.Column("tree_cid", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("acceptable_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("epoch", name=op.f("pk_reward_roots")),
    )
    op.create_table(
        "reward_trees",
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("root", sa.String(length=66), nullable=False),
        sa.Column("tree_cid", sa.String(length=128), nullable=False),
        sa.Column("dump", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("epoch", name=op.f("pk_reward_trees")),
    )
    op.create_table(
        "sign_in_nonces",
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_sign_in_nonces")),
    )
    op.create_index(op.f("ix_sign_in_nonces_expires_at"), "sign_in_nonces", ["expires_at"], unique=False)
    op.create_table(
        "terms_versions",
        sa.Column("model_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("price", sa.Numeric(78, 0).with_variant(sa.String(80), "sqlite"), nullable=False),
        sa.Column("duration", sa.BigInteger(), nullable=False),
        sa.Column("contributors_bps", sa.Integer(), nullable=False),
        sa.Column("derivative_rev_share_bps", sa.Integer(), nullable=False),
        sa.Column("permissions", sa.Integer(), nullable=False),
        sa.Column("fee_per_call", sa.Numeric(78, 0).with_variant(sa.String(80), "sqlite"), nullable=False),
        sa.Column("included_calls", sa.BigInteger(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("model_id", "version", name=op.f("pk_terms_versions")),
    )
    op.create_table(
        "usage_aggregates",
        sa.Column("licence_id", sa.BigInteger(), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("licence_id", "epoch", name=op.f("pk_usage_aggregates")),
    )
    op.create_table(
        "usage_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator_key_id", sa.Integer(), nullable=True),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("inserted", sa.Integer(), nullable=True),
        sa.Column("duplicates", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_batches")),
    )
    op.create_index(
        op.f("ix_usage_batches_operator_key_id"), "usage_batches", ["operator_key_id"], unique=False
    )
    op.create_table(
        "votes",
        sa.Column("proposal_id", sa.String(length=78), nullable=False),
        sa.Column("voter", sa.String(length=42), nullable=False),
        sa.Column("support", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Numeric(78, 0).with_variant(sa.String(80), "sqlite"), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("proposal_id", "voter", name=op.f("pk_votes")),
    )
    op.create_table(
        "oracle_tx_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tx_id", sa.Integer(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("max_fee_per_gas", sa.BigInteger(), nullable=False),
        sa.Column("max_priority_fee_per_gas", sa.BigInteger(), nullable=False),
        sa.Column("raw_tx", sa.LargeBinary(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("broadcast_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tx_id"], ["oracle_txs.id"], name=op.f("fk_oracle_tx_attempts_tx_id_oracle_txs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oracle_tx_attempts")),
        sa.UniqueConstraint("tx_hash", name=op.f("uq_oracle_tx_attempts_tx_hash")),
    )
    op.create_index(op.f("ix_oracle_tx_attempts_tx_id"), "oracle_tx_attempts", ["tx_id"], unique=False)
    op.create_table(
        "usage_events",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("licence_id", sa.BigInteger(), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("occurred_at", sa.BigInteger(), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["usage_batches.id"], name=op.f("fk_usage_events_batch_id_usage_batches")
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_usage_events")),
    )


def downgrade() -> None:
    op.drop_table("usage_events")
    op.drop_table("oracle_tx_attempts")
    op.drop_table("votes")
    op.drop_table("usage_batches")
    op.drop_table("usage_aggregates")
    op.drop_table("terms_versions")
    op.drop_table("sign_in_nonces")
    op.drop_table("reward_trees")
    op.drop_table("reward_roots")
    op.drop_table("reward_claims")
    op.drop_table("proposals")
    op.drop_table("pool_credits")
    op.drop_table("oracle_txs")
    op.drop_table("oracle_nonces")
    op.drop_table("operator_keys")
    op.drop_table("model_versions")
    op.drop_table("model_parents")
    op.drop_table("model_datasets")
    op.drop_table("licences")
    op.drop_table("indexer_cursor")
    op.drop_table("indexed_blocks")
    op.drop_table("epoch_closes")
    op.drop_table("dataset_versions")
    op.drop_table("contributions")
    op.drop_table("chain_events")
    op.drop_table("auth_sessions")
    op.drop_table("assets")
