"""The Alembic migrations build exactly the models' schema, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import backend.models  # noqa: F401  (registers every table)
from backend.core.db import Base, alembic_config, create_db_engine, upgrade_database


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_upgrade_head_matches_models_exactly(kind: str, new_database: Callable[[str], str]) -> None:
    engine = create_db_engine(new_database(kind))
    upgrade_database(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()

    assert differences == []


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_downgrade_base_removes_every_table(kind: str, new_database: Callable[[str], str]) -> None:
    engine = create_db_engine(new_database(kind))
    upgrade_database(engine)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    tables = set(inspect(engine).get_table_names())
    engine.dispose()

    assert tables == {"alembic_version"}
