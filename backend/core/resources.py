"""What a process builds from the settings to do its work: the database, the chain client and the oracle's
sender, the content store, the epoch clock. Each is made on first use (an API process that never settles
anything never needs the oracle key)."""

from __future__ import annotations

from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from backend.chain.client import ChainClient
from backend.chain.sender import TransactionSender
from backend.core.db import create_db_engine, create_session_factory
from backend.core.settings import Settings
from backend.domain.epochs import EpochClock
from backend.services.epochs import EpochSettings
from backend.storage import ContentStore, content_store

GWEI = 10**9


class Resources:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def engine(self) -> Engine:
        return create_db_engine(self.settings.database_url)

    @cached_property
    def session(self) -> sessionmaker[Session]:
        return create_session_factory(self.engine)

    @cached_property
    def client(self) -> ChainClient:
        assert self.settings.manifest_path is not None  # filled in by Settings
        return ChainClient(rpc_url=self.settings.rpc_url, manifest_path=self.settings.manifest_path)

    @cached_property
    def sender(self) -> TransactionSender:
        if self.settings.oracle_private_key is None:
            raise RuntimeError(
                "set PROVENANT_ORACLE_PRIVATE_KEY: the oracle signs settlements and reward roots"
            )
        return TransactionSender(
            client=self.client,
            engine=self.engine,
            private_key=self.settings.oracle_private_key.get_secret_value(),
            priority_fee=int(self.settings.oracle_priority_fee_gwei * GWEI),
            max_fee_cap=int(self.settings.oracle_max_fee_gwei * GWEI),
            replace_after=self.settings.oracle_replace_after.total_seconds(),
            confirmations=self.settings.confirmations,
        )

    @cached_property
    def store(self) -> ContentStore:
        return content_store(data_dir=self.settings.data_dir, ipfs_api=self.settings.ipfs_api)

    @cached_property
    def clock(self) -> EpochClock:
        return EpochClock(
            genesis=self.settings.epoch_genesis, length=int(self.settings.epoch_length.total_seconds())
        )

    @cached_property
    def epoch_settings(self) -> EpochSettings:
        return EpochSettings(
            clock=self.clock,
            confirmations=self.settings.confirmations,
            prov_per_epoch=self.settings.prov_per_epoch,
        )
