"""SQLAlchemy models: every table of the backend and workers. Importing this package registers them all."""

from backend.models.usage import UsageAggregate, UsageBatch, UsageEvent

__all__ = ["UsageAggregate", "UsageBatch", "UsageEvent"]
