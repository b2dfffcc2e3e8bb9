"""The Celery app's configuration: late acknowledgement, and periodic tasks that never pile up."""

from __future__ import annotations

from pathlib import Path

from backend.core.queue import create_celery
from backend.core.settings import Settings


def test_createCelery_periodicTasksExpireWhenTheirNextRunIsDue(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, index_interval=2.0, epoch_check_interval=30.0)

    schedule = create_celery(settings).conf.beat_schedule

    assert {name: (entry["schedule"], entry["options"]["expires"]) for name, entry in schedule.items()} == {
        "index-chain": (2.0, 2.0),
        "close-due-epochs": (30.0, 30.0),
        "recover-oracle-transactions": (60.0, 60.0),
    }


def test_createCelery_tasksAcknowledgedLateAndRequeuedWhenTheirWorkerDies(tmp_path: Path) -> None:
    conf = create_celery(Settings(data_dir=tmp_path)).conf

    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
