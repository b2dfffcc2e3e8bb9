"""The tasks: each takes ids, opens what it needs from the settings and calls one backend service.

A task may run more than once (late acknowledgement, redelivery after a lost worker); every service it
calls is idempotent. Infrastructure errors (database or node unreachable) are retried with backoff.
"""

from __future__ import annotations

import time
from functools import cache

from requests import RequestException
from sqlalchemy.exc import OperationalError

from backend.chain.client import ChainUnavailable
from backend.core.resources import Resources
from backend.core.settings import get_settings
from backend.services import contributions, epochs, usage
from backend.services.indexer import indexer_for
from workers.celery_app import app

RETRIED = (OperationalError, ChainUnavailable, RequestException, ConnectionError)


@cache
def resources() -> Resources:
    """This worker process's engine, chain client, oracle sender and content store, built once."""
    return Resources(get_settings())


@app.task(autoretry_for=RETRIED, retry_backoff=True, retry_backoff_max=30, max_retries=None)
def ingest_usage(batch_id: int) -> dict[str, int]:
    with resources().session() as session:
        outcome = usage.ingest_batch(session=session, batch_id=batch_id, clock=resources().clock)
    return {"inserted": outcome.inserted, "duplicates": outcome.duplicates}


@app.task(autoretry_for=RETRIED, retry_backoff=True, retry_backoff_max=30, max_retries=None)
def review_contribution(contribution_id: int) -> str:
    with resources().session() as session:
        contribution = contributions.review_contribution(
            session=session,
            store=resources().store,
            contribution_id=contribution_id,
            max_bytes=resources().settings.max_upload_size,
            clock=resources().clock,
        )
    return contribution.status.value


@app.task(autoretry_for=RETRIED, retry_backoff=True, retry_backoff_max=30, max_retries=5)
def index_chain() -> int:
    client = resources().client
    with resources().session() as session:
        outcome = indexer_for(web3=client.w3, manifest=client.manifest).sync(session=session)
    return outcome.block_number


@app.task(autoretry_for=RETRIED, retry_backoff=True, retry_backoff_max=30, max_retries=5)
def close_due_epochs() -> list[int]:
    """Closes, in order, every epoch that has ended and can close now."""
    return epochs.close_due_epochs(
        session_factory=resources().session,
        client=resources().client,
        sender=resources().sender,
        store=resources().store,
        settings=resources().epoch_settings,
        now=int(time.time()),
    )


@app.task(autoretry_for=RETRIED, retry_backoff=True, retry_backoff_max=30, max_retries=5)
def recover_oracle_transactions() -> int:
    return len(resources().sender.recover())
