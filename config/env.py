"""Reads the environment with safe defaults: every setting that differs between the demo and
production comes through here."""

import os
from urllib.parse import parse_qs, urlparse


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "si", "sí"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def parse_cache_url(url: str) -> dict:
    """Turns CACHE_URL into a CACHES entry: db://table, redis://host:port/db, locmem://, dummy://."""
    parsed = urlparse(url)
    scheme = parsed.scheme
    if scheme in {"redis", "rediss"}:
        options = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        return {
            "BACKEND": "core.redis_cache.ReusingRedisCache",
            "LOCATION": url.split("?")[0],
            "KEY_PREFIX": options.get("prefix", "pasoapaso"),
        }
    if scheme == "db":
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": parsed.netloc or parsed.path.strip("/") or "cache_table",
        }
    if scheme == "locmem":
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": parsed.netloc or "pasoapaso",
        }
    if scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise ValueError(
        f"CACHE_URL no reconocida: {url!r} (use db://, redis://, locmem:// o dummy://)"
    )
