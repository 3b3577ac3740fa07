"""Fixtures for tests that hand work to the real worker process (imported where used, also by
the end-to-end test)."""

import os
from pathlib import Path

import pytest

from media_pipeline import ffmpeg


@pytest.fixture
def shared_media(settings):
    """The worker process stores files where the test settings put MEDIA_ROOT (it does not see
    the per-test folder), so tests that hand work to it use the same place."""
    root = os.environ["MEDIA_ROOT"]
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": root, "base_url": "/media/"},
        },
    }
    return Path(root)


@pytest.fixture(scope="session")
def longer_clip(tmp_path_factory):
    # long enough that the worker is still encoding when the test kills it
    return ffmpeg.make_synthetic_clip(
        tmp_path_factory.mktemp("long") / "episodio.mp4", seconds=10, width=1280, height=720
    )
