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
        ("redis://127.0.0.1:6379/3", "django.core.cache.backends.redis.RedisCache"),
        ("locmem://", "django.core.cache.backends.locmem.LocMemCache"),
    ],
)
def test_cache_url_selects_the_backend(cache_url, backend):
    from config.env import parse_cache_url

    assert parse_cache_url(cache_url)["BACKEND"] == backend


def test_a_redis_cache_url_is_djangos_backend_failing_open_for_all_but_the_counters():
    from config.env import cache_aliases

    aliases = cache_aliases("redis://127.0.0.1:6379/3?prefix=pap&socket_timeout=0.5")
    assert aliases["shared"] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/3",
        "KEY_PREFIX": "pap",
        "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 0.5},
    }
    assert aliases["default"] == {"BACKEND": "core.fail_open.FailOpenCache", "LOCATION": "shared"}
    database = cache_aliases("db://cache_table")
    assert (
        database["default"]
        == database["shared"]
        == {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "cache_table",
        }
    )


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
