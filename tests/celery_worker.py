"""The test suite's worker: the project's Celery app, plus a pre-task hook that forgets content
type ids made stale by the flushes between transactional tests (see stale_content_types)."""

import sys

from celery.signals import task_prerun

from config.celery import app
from tests.stale_content_types import forget_stale_content_types


@task_prerun.connect
def _before_each_task(**kwargs) -> None:
    forget_stale_content_types()


if __name__ == "__main__":
    app.worker_main(sys.argv[1:])
