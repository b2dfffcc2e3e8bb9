"""SQLAlchemy models: every table of the backend and workers. Importing this package registers them all."""

from backend.models.chain import ChainEvent, IndexedBlock, IndexerCursor
from backend.models.contributions import Contribution, ContributionStatus
from backend.models.usage import UsageAggregate, UsageBatch, UsageEvent

__all__ = [
    "ChainEvent",
    "Contribution",
    "ContributionStatus",
    "IndexedBlock",
    "IndexerCursor",
    "UsageAggregate",
    "UsageBatch",
    "UsageEvent",
]
