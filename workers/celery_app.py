"""The workers' Celery application (configured in backend/core/queue.py) with its tasks.

Run ``celery -A workers.celery_app worker`` for the tasks and one ``celery -A workers.celery_app beat`` per
deployment for the schedule.
"""

from __future__ import annotations

from backend.core.queue import create_celery
from backend.core.settings import get_settings

app = create_celery(get_settings())
app.conf.include = ["workers.tasks"]
