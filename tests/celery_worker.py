"""The test suite's worker: the project's Celery app, plus a pre-task hook that forgets content
type ids made stale by the flushes between transactional tests (see stale_content_types).

TEST_BROKER_TRANSPORT_OPTIONS (JSON) adds broker transport options, so a test can give its own
workers a broker of their own (another folder, a Redis key prefix) that no other worker reads."""

import json
import os
import sys

from celery.signals import task_prerun

from config.celery import app
from tests.stale_content_types import forget_stale_content_types


@task_prerun.connect
def _before_each_task(**kwargs) -> None:
    forget_stale_content_types()


if __name__ == "__main__":
    extra = os.environ.get("TEST_BROKER_TRANSPORT_OPTIONS")
    if extra:
        app.conf.broker_transport_options = {
            **(app.conf.broker_transport_options or {}),
            **json.loads(extra),
        }
    app.worker_main(sys.argv[1:])
