"""SQLAlchemy models: every table of the backend and workers. Importing this package registers them all."""

from backend.models.assets import Asset, DatasetVersion, ModelDataset, ModelParent, ModelVersion
from backend.models.chain import ChainEvent, IndexedBlock, IndexerCursor
from backend.models.contributions import Contribution, ContributionStatus
from backend.models.epochs import EpochClose
from backend.models.governance import Proposal, Vote
from backend.models.licences import Licence, TermsVersion
from backend.models.oracle_tx import OracleNonce, OracleTx, OracleTxAttempt
from backend.models.rewards import PoolCredit, RewardClaim, RewardRoot, RewardTreeRecord
from backend.models.usage import UsageAggregate, UsageBatch, UsageEvent

__all__ = [
    "Asset",
    "ChainEvent",
    "Contribution",
    "ContributionStatus",
    "DatasetVersion",
    "EpochClose",
    "IndexedBlock",
    "IndexerCursor",
    "Licence",
    "ModelDataset",
    "ModelParent",
    "ModelVersion",
    "OracleNonce",
    "OracleTx",
    "OracleTxAttempt",
    "PoolCredit",
    "Proposal",
    "RewardClaim",
    "RewardRoot",
    "RewardTreeRecord",
    "TermsVersion",
    "UsageAggregate",
    "UsageBatch",
    "UsageEvent",
    "Vote",
]
