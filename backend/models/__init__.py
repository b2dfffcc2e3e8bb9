"""SQLAlchemy models: every table of the backend and workers. Importing this package registers them all."""

from backend.models.chain import ChainEvent, IndexedBlock, IndexerCursor
from backend.models.usage import UsageAggregate, UsageBatch, UsageEvent

__all__ = ["ChainEvent", "IndexedBlock", "IndexerCursor", "UsageAggregate", "UsageBatch", "UsageEvent"]
