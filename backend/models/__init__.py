"""SQLAlchemy models: every table of the backend and workers. Importing this package registers them all."""

from backend.models.assets import (
    Asset,
    DatasetVersion,
    ModelDataset,
    ModelOperator,
    ModelParent,
    ModelVersion,
)
from backend.models.auth import AuthSession, SignInNonce
from backend.models.chain import ChainEvent, IndexedBlock, IndexerCursor
from backend.models.contributions import Contribution, ContributionRecord, ContributionStatus, DatasetRules
from backend.models.epochs import EpochClose, SettlementSetAside
from backend.models.governance import Proposal, Vote
from backend.models.licences import Licence, LicenceSettlement, MeteringLimit, TermsVersion
from backend.models.operator_key import OperatorKey
from backend.models.oracle_tx import OracleNonce, OracleTx, OracleTxAttempt
from backend.models.rewards import PoolCredit, RewardClaim, RewardIncrement, RewardRoot, RewardTreeRecord
from backend.models.usage import UsageAggregate, UsageBatch, UsageEvent

__all__ = [
    "Asset",
    "AuthSession",
    "ChainEvent",
    "Contribution",
    "ContributionRecord",
    "ContributionStatus",
    "DatasetRules",
    "DatasetVersion",
    "EpochClose",
    "IndexedBlock",
    "IndexerCursor",
    "Licence",
    "LicenceSettlement",
    "MeteringLimit",
    "ModelDataset",
    "ModelOperator",
    "ModelParent",
    "ModelVersion",
    "OperatorKey",
    "OracleNonce",
    "OracleTx",
    "OracleTxAttempt",
    "PoolCredit",
    "Proposal",
    "RewardClaim",
    "RewardIncrement",
    "RewardRoot",
    "RewardTreeRecord",
    "SettlementSetAside",
    "SignInNonce",
    "TermsVersion",
    "UsageAggregate",
    "UsageBatch",
    "UsageEvent",
    "Vote",
]
