"""SQLAlchemy models: every table of the backend and workers. Importing this package registers them all."""

from backend.models.oracle_tx import OracleNonce, OracleTx, OracleTxAttempt

__all__ = ["OracleNonce", "OracleTx", "OracleTxAttempt"]
