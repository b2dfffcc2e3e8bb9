"""The Alembic migrations build exactly the models' schema, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

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


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_upgrade_0005_revokesKeysOfCreatorsWhoDoNotOwnTheModel(
    kind: str, new_database: Callable[[str], str]
) -> None:
    owner, stranger = "0x" + "0A" * 20, "0x" + "0B" * 20
    engine = create_db_engine(new_database(kind))
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
        connection.execute(
            text(
                "INSERT INTO assets (id, kind, owner, manifest_cid, registered_block) "
                "VALUES (1, 'model', :owner, 'Qm', 1), (2, 'dataset', :stranger, 'Qm', 1)"
            ),
            {"owner": owner, "stranger": stranger},
        )
        for key_id, model_id, creator in ((1, 1, owner), (2, 1, stranger), (3, 2, stranger), (4, 9, owner)):
            connection.execute(
                text(
                    "INSERT INTO operator_keys (id, key_hash, prefix, model_id, owner, created_at) "
                    "VALUES (:id, :hash, 'pvk_', :model, :creator, CURRENT_TIMESTAMP)"
                ),
                {"id": key_id, "hash": f"{key_id:064x}", "model": model_id, "creator": creator},
            )
        command.upgrade(config, "head")
        revoked = connection.execute(
            text("SELECT id FROM operator_keys WHERE revoked_at IS NOT NULL ORDER BY id")
        ).scalars()
        # Kept: the owner's key. Revoked: a stranger's, one for a dataset, one for a model nobody indexed.
        assert list(revoked) == [2, 3, 4]
    engine.dispose()
