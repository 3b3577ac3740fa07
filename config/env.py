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


# Seconds a call to Redis may wait for a connection and for an answer before the cache counts
# as unreachable (core.cache, core.throttling): without them a Redis that stops answering,
# rather than refusing, would hold every request. Its answers take well under a millisecond.
REDIS_BACKEND = "django.core.cache.backends.redis.RedisCache"
REDIS_CONNECT_TIMEOUT = 1.0
REDIS_TIMEOUT = 2.0


def parse_cache_url(url: str) -> dict:
    """Turns CACHE_URL into a CACHES entry: db://table, redis://host:port/db, locmem://, dummy://.
    A Redis URL takes `prefix` (the keys' prefix), `socket_connect_timeout` and
    `socket_timeout` (seconds) in its query string."""
    parsed = urlparse(url)
    scheme = parsed.scheme
    if scheme in {"redis", "rediss"}:
        options = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        return {
            # Django's own backend; its serializer (pickle, integers kept plain so that Redis
            # increments them) is the default one
            "BACKEND": REDIS_BACKEND,
            "LOCATION": url.split("?")[0],
            "KEY_PREFIX": options.get("prefix", "pasoapaso"),
            # redis-py connection pool arguments
            "OPTIONS": {
                "socket_connect_timeout": float(
                    options.get("socket_connect_timeout", REDIS_CONNECT_TIMEOUT)
                ),
                "socket_timeout": float(options.get("socket_timeout", REDIS_TIMEOUT)),
            },
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


def cache_aliases(url: str) -> dict:
    """The CACHES entries for CACHE_URL: "shared" is that cache; "default", what every caller
    but the throttling counters uses, is the same cache failing open on Redis
    (core.fail_open.FailOpenCache) and the cache itself elsewhere (the database cache fails as
    the database does)."""
    shared = parse_cache_url(url)
    if shared["BACKEND"] != REDIS_BACKEND:
        return {"default": shared, "shared": shared}
    return {
        "default": {"BACKEND": "core.fail_open.FailOpenCache", "LOCATION": "shared"},
        "shared": shared,
    }
