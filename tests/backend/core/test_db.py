"""The engine and the column types every model relies on, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from backend.core.db import create_db_engine
from backend.models import SignInNonce


def test_create_db_engine_sqlite_uses_wal_and_foreign_keys(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'nested' / 'dir' / 'p.db'}")  # the folder is created
    with engine.connect() as connection:
        journal_mode = connection.execute(text("PRAGMA journal_mode")).scalar()
        foreign_keys = connection.execute(text("PRAGMA foreign_keys")).scalar()
    engine.dispose()

    assert (journal_mode, foreign_keys) == ("wal", 1)


def test_utc_datetime_round_trips_as_aware_utc(app_engine: Engine) -> None:
    paris_noon = datetime(2026, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    with Session(app_engine) as session:
        session.add(SignInNonce(nonce="n" * 22, created_at=paris_noon, expires_at=paris_noon))
        session.commit()
    with Session(app_engine) as session:
        stored = session.scalars(select(SignInNonce)).one()

    assert stored.created_at == datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    assert stored.created_at.tzinfo == UTC


def test_utc_datetime_naive_value_is_refused(app_engine: Engine) -> None:
    naive = datetime(2026, 6, 1, 12, 0)
    with Session(app_engine) as session:
        session.add(SignInNonce(nonce="n" * 22, created_at=naive, expires_at=naive))

        with pytest.raises(StatementError, match="naive datetime"):
            session.commit()
