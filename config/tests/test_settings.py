import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("cache_url", "backend"),
    [
        ("db://cache_table", "django.core.cache.backends.db.DatabaseCache"),
        ("redis://127.0.0.1:6379/3", "core.redis_cache.ReusingRedisCache"),
        ("locmem://", "django.core.cache.backends.locmem.LocMemCache"),
    ],
)
def test_cache_url_selects_the_backend(cache_url, backend):
    from config.env import parse_cache_url

    assert parse_cache_url(cache_url)["BACKEND"] == backend


def test_the_redis_cache_shares_one_client_and_keeps_every_operation():
    """Against a real Redis (TEST_REDIS_URL); it touches only keys under its own random prefix."""
    import uuid

    from core.redis_cache import ReusingRedisCache
    from tests.fixtures import redis_required

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    redis_required(url)
    cache = ReusingRedisCache(url, {"KEY_PREFIX": f"settings-test-{uuid.uuid4().hex}"})
    assert cache._cache.get_client() is cache._cache.get_client(write=True)
    cache.set_many({"a": (1, 2.5), "b": "dos"}, timeout=30)
    assert cache.get_many(["a", "b", "c"]) == {"a": (1, 2.5), "b": "dos"}
    assert cache.add("n", 1, timeout=30)
    assert cache.incr("n") == 2
    cache.delete_many(["a", "b", "n"])
    assert cache.get_many(["a", "b", "n"]) == {}


def test_check_deploy_with_production_variables_prints_no_warnings(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "k" * 30 + "-production-secret-with-enough-entropy-1234567890",
        "TRAMITES_BACKOFFICE_SECRET": "shared-secret-agreed-with-the-back-office",
        "DJANGO_ALLOWED_HOSTS": "pasoapaso.munICajamarca.gob.pe".lower(),
        "PASOAPASO_VAR_DIR": str(tmp_path),
    }
    env.pop("DJANGO_DEBUG", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests in this process
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production"}
    env.pop("DJANGO_SECRET_KEY", None)
    env["PASOAPASO_VAR_DIR"] = str(tmp_path)
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_the_development_back_office_secret(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "k" * 50,
        "PASOAPASO_VAR_DIR": str(tmp_path),
    }
    env.pop("TRAMITES_BACKOFFICE_SECRET", None)
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "TRAMITES_BACKOFFICE_SECRET" in result.stderr
