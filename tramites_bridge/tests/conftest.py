"""The worker process (tests.fixtures.celery_worker_process) reads its settings from the
environment once, when it starts, before any test here runs. So the address of the stand-in
back office and short retry waits are chosen now, at collection: a free port on 127.0.0.1 where
the bridge tests start (and stop) their HTTP server. This process's own settings were loaded
before this file and are not changed by it; the tests point them at the same address."""

import os
import socket


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


WORKER_BACKOFFICE_URL = f"http://127.0.0.1:{_free_port()}/eventos"
WORKER_BACKOFFICE_SECRET = "secreto-de-prueba"
WORKER_BACKOFF_SECONDS = 1

os.environ["TRAMITES_BACKOFFICE_URL"] = WORKER_BACKOFFICE_URL
os.environ["TRAMITES_BACKOFFICE_SECRET"] = WORKER_BACKOFFICE_SECRET
os.environ["TRAMITES_OUTBOX_BACKOFF_SECONDS"] = str(WORKER_BACKOFF_SECONDS)
os.environ["TRAMITES_OUTBOX_BACKOFF_MAX_SECONDS"] = "4"
