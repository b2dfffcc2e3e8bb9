"""Alembic environment: migrates the database of the settings (``PROVENANT_DATABASE_URL``), or the connection
handed over in ``config.attributes["connection"]`` (``backend.core.db.upgrade_database``, tests)."""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

import backend.models  # noqa: F401  (registers every table in Base.metadata)
from backend.core.db import Base, ChainInt, UtcDateTime, create_db_engine
from backend.core.settings import get_settings

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)  # the command line, with alembic.ini's logging set-up


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    # The shared column types convert in Python only: a migration needs the column types they stand for.
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, ChainInt):
        return 'sa.Numeric(78, 0).with_variant(sa.String(80), "sqlite")'
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot alter most of a table in place: Alembic recreates it ("batch mode").
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(url=get_settings().database_url, target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif (connection := config.attributes.get("connection")) is not None:
    _run(connection)
else:
    engine = create_db_engine(get_settings().database_url)
    with engine.begin() as connection:
        _run(connection)
    engine.dispose()
