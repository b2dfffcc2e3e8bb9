"""The Alembic migrations build exactly the models' schema, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, select, text, update

import backend.models  # noqa: F401  (registers every table)
from backend.core.db import Base, alembic_config, create_db_engine, upgrade_database
from backend.models.licences import Licence, LicenceSettlement, MeteringLimit, TermsVersion

BIGINT_MAX, UINT256_MAX = 2**63 - 1, 2**256 - 1
# The call counts revision 0010 widens, and a row holding each (`:calls`) with the other columns it needs.
CALL_COUNTS = (
    TermsVersion.included_calls,
    Licence.settled_calls,
    LicenceSettlement.accepted_calls,
    MeteringLimit.calls_per_epoch,
)
CALL_COUNT_ROWS = (
    "INSERT INTO terms_versions (model_id, version, price, duration, contributors_bps, derivative_rev_share_bps, "
    "permissions, max_derivatives, fee_per_call, included_calls, block_number) "
    "VALUES (1, 1, '0', 1, 0, 0, 16, 1, '0', :calls, 1)",
    "INSERT INTO licences (id, model_id, holder, terms_version, expires_at, derivations, credit, settled_calls, "
    "last_settled_epoch, suspended, metering_limited) "
    "VALUES (1, 1, '0x0A0A0A0A0A0A0A0A0A0A0A0A0A0A0A0A0A0A0A0A', 1, 1, 0, '0', :calls, 1, false, true)",
    "INSERT INTO licence_settlements (licence_id, epoch, accepted_calls, refused_calls, fee, paid) "
    "VALUES (1, 1, :calls, '0', '0', '0')",
    "INSERT INTO metering_limits (licence_id, from_epoch, calls_per_epoch) VALUES (1, 2, :calls)",
)


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


def _call_counts(connection: Connection) -> list[int]:
    return [connection.execute(select(column)).scalar_one() for column in CALL_COUNTS]


def _set_call_counts(connection: Connection, calls: int) -> None:
    for column in CALL_COUNTS:
        connection.execute(update(column.table).values({column.name: calls}))


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_upgrade_0010_keepsCallCountsAndHoldsTheirWholeRange(
    kind: str, new_database: Callable[[str], str]
) -> None:
    engine = create_db_engine(new_database(kind))
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0009")
        for row in CALL_COUNT_ROWS:
            connection.execute(text(row), {"calls": BIGINT_MAX})  # the most the BIGINT columns held
        command.upgrade(config, "0010")
        kept = _call_counts(connection)
        _set_call_counts(connection, UINT256_MAX)
        widened = _call_counts(connection)
    engine.dispose()

    assert kept == [BIGINT_MAX] * len(CALL_COUNTS)
    assert widened == [UINT256_MAX] * len(CALL_COUNTS)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_downgrade_0010_keepsCallCountsABigintHolds_refusesLargerOnes(
    kind: str, new_database: Callable[[str], str]
) -> None:
    engine = create_db_engine(new_database(kind))
    upgrade_database(engine)
    config = alembic_config()
    with engine.begin() as connection:
        for row in CALL_COUNT_ROWS:
            connection.execute(text(row), {"calls": BIGINT_MAX})
    with (  # the refused downgrade's transaction rolls back, the larger value with it
        pytest.raises(RuntimeError, match=r"metering_limits\.calls_per_epoch holds values above 2\*\*63 - 1"),
        engine.begin() as connection,
    ):
        config.attributes["connection"] = connection
        connection.execute(update(MeteringLimit).values(calls_per_epoch=BIGINT_MAX + 1))
        command.downgrade(config, "0009")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0009")
        kept = [
            connection.execute(text(f"SELECT {column.name} FROM {column.table}")).scalar_one()
            for column in CALL_COUNTS
        ]
    engine.dispose()

    assert kept == [BIGINT_MAX] * len(CALL_COUNTS)
