"""The task queue: the Celery application, shared by the API (which enqueues) and the workers (which run).

Broker: Redis in production (PROVENANT_BROKER_URL); the embedded default is kombu's SQLAlchemy transport on
a SQLite file in the data dir, so `make demo` needs no server. Every task acknowledges late and is requeued
when its worker dies, so a task runs to completion at least once: the services make a rerun harmless.
"""

from __future__ import annotations

from celery import Celery

from backend.core.settings import Settings

INGEST_USAGE = "workers.tasks.ingest_usage"
REVIEW_CONTRIBUTION = "workers.tasks.review_contribution"


def create_celery(settings: Settings) -> Celery:
    app = Celery("provenant", broker=settings.broker_url)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        # A periodic task still queued when its next run is sent would only repeat it: it expires then, so
        # a busy worker never builds a backlog of them in front of the tasks users wait for (reviews).
        beat_schedule={
            name: {"task": task, "schedule": every, "options": {"expires": every}}
            for name, task, every in (
                ("index-chain", "workers.tasks.index_chain", settings.index_interval),
                ("close-due-epochs", "workers.tasks.close_due_epochs", settings.epoch_check_interval),
                ("recover-oracle-transactions", "workers.tasks.recover_oracle_transactions", 60.0),
            )
        },
    )
    if settings.broker_url.startswith(("redis://", "rediss://")):
        # A message whose worker vanished (not only its child process) is redelivered after this long.
        # (The embedded SQLAlchemy transport passes its options to create_engine and has no such timer.)
        app.conf.broker_transport_options = {"visibility_timeout": settings.task_visibility_timeout}
    return app
