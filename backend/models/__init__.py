"""SQLAlchemy models: every table of the backend and workers. Importing this package registers them all."""

from backend.models.chain import ChainEvent, IndexedBlock, IndexerCursor
from backend.models.contributions import Contribution, ContributionStatus
from backend.models.oracle_tx import OracleNonce, OracleTx, OracleTxAttempt
from backend.models.usage import UsageAggregate, UsageBatch, UsageEvent

__all__ = [
    "ChainEvent",
    "Contribution",
    "ContributionStatus",
    "IndexedBlock",
    "IndexerCursor",
    "OracleNonce",
    "OracleTx",
    "OracleTxAttempt",
    "UsageAggregate",
    "UsageBatch",
    "UsageEvent",
]
