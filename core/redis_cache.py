"""Django's Redis cache, keeping one client object per connection pool, and degrading to "no
cache" while Redis is unreachable.

Django builds a new `redis.Redis` for every cache call, and each one copies the library's table
of ~300 response callbacks: on a request that does one or two cache calls (a throttled lookup,
a submission) that was a tenth of its CPU. A client object over a pool is safe to share between
threads, and the pool itself is Django's, so connections behave as before.

The cache holds only what can be rebuilt (page routes and tokens, cached sessions whose rows
are in the database, throttling counters), so a Redis outage must not fail a page or a write:
while it lasts every read is a miss and every write is dropped. A process that dropped a write
(e.g. a page-cache invalidation when a transcode finished) deletes this cache's keys as soon as
Redis answers again, so nothing stale outlives the outage. The one exception is counting
(`count_and_get_many`): a limit must not open because Redis is down, so that call raises and
config/throttling.py counts in the database meanwhile."""

import logging
from collections.abc import Sequence

import redis.exceptions
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)

UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
PURGE_BATCH = 500


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ReusingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
        self._down = False
        self._lost_writes = False

    # --- outage handling ----------------------------------------------------------------------
    @property
    def reachable(self) -> bool:
        """False from a call that found Redis unreachable until one that reached it."""
        return not self._down

    def _guard(self, call, fallback, *, write: bool, strict: bool = False):
        """`strict`: an unreachable Redis raises (after being noted) instead of answering
        `fallback`."""
        try:
            if self._lost_writes:
                self._purge()
            result = call()
        except UNREACHABLE as exc:
            if not self._down:
                logger.warning("cache unreachable, serving without it: %s", exc)
            self._down = True
            self._lost_writes = self._lost_writes or write
            if strict:
                raise
            return fallback
        if self._down:
            logger.warning("cache reachable again")
            self._down = False
        return result

    def _purge(self) -> None:
        """Deletes this cache's keys (its prefix only: the broker may share the server)."""
        client = self._cache.get_client(write=True)
        batch = []
        for key in client.scan_iter(match=f"{self.key_prefix}:*", count=PURGE_BATCH):
            batch.append(key)
            if len(batch) >= PURGE_BATCH:
                client.unlink(*batch)
                batch = []
        if batch:
            client.unlink(*batch)
        self._lost_writes = False
        logger.warning("cache emptied after an outage in which writes were dropped")

    # --- the cache API ------------------------------------------------------------------------
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(
            lambda: super(ReusingRedisCache, self).add(key, value, timeout, version),
            False,
            write=True,
        )

    def get(self, key, default=None, version=None):
        return self._guard(
            lambda: super(ReusingRedisCache, self).get(key, default, version), default, write=False
        )

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(
            lambda: super(ReusingRedisCache, self).set(key, value, timeout, version),
            None,
            write=True,
        )

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(
            lambda: super(ReusingRedisCache, self).touch(key, timeout, version), False, write=True
        )

    def delete(self, key, version=None):
        return self._guard(
            lambda: super(ReusingRedisCache, self).delete(key, version), False, write=True
        )

    def get_many(self, keys, version=None):
        return self._guard(
            lambda: super(ReusingRedisCache, self).get_many(keys, version), {}, write=False
        )

    def has_key(self, key, version=None):
        return self._guard(
            lambda: super(ReusingRedisCache, self).has_key(key, version), False, write=False
        )

    def incr(self, key, delta=1, version=None):
        return self._guard(
            lambda: super(ReusingRedisCache, self).incr(key, delta, version), delta, write=True
        )

    # --- counters (config/throttling.py) -----------------------------------------------------
    def count_and_get_many(
        self, counters: list[str], window: int, keys: Sequence[str] = ()
    ) -> tuple[dict[str, int], dict]:
        """Adds one to each counter and reads `keys`, in one round trip. A counter that did not
        exist starts at 0 with `window` seconds to live, so its window starts at its first
        count; the increment is Redis's own, so concurrent requests never lose a count.
        Returns ({counter: its count now}, {key: value} for the keys found); with no counters
        it only reads. While Redis is unreachable it raises redis.exceptions.ConnectionError
        (or TimeoutError): a caller that guards a limit must know nothing was counted."""

        def call():
            client = self._cache.get_client(write=True)
            pipe = client.pipeline(transaction=False)
            for counter in counters:
                key = self.make_and_validate_key(counter)
                pipe.set(key, 0, ex=window, nx=True)
                pipe.incr(key)
            if keys:
                pipe.mget([self.make_and_validate_key(key) for key in keys])
            results = pipe.execute()
            counts = {counter: results[2 * n + 1] for n, counter in enumerate(counters)}
            found = {}
            if keys:
                loads = self._cache._serializer.loads
                found = {
                    key: loads(value)
                    for key, value in zip(keys, results[-1], strict=True)
                    if value is not None
                }
            return counts, found

        return self._guard(call, ({}, {}), write=bool(counters), strict=True)

    def ttl_many(self, keys: list[str]) -> dict[str, int]:
        """Seconds left to each key that exists and expires."""

        def call():
            pipe = self._cache.get_client().pipeline(transaction=False)
            for key in keys:
                pipe.ttl(self.make_and_validate_key(key))
            return {key: left for key, left in zip(keys, pipe.execute(), strict=True) if left > 0}

        return self._guard(call, {}, write=False)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(
            lambda: super(ReusingRedisCache, self).set_many(data, timeout, version), [], write=True
        )

    def delete_many(self, keys, version=None):
        return self._guard(
            lambda: super(ReusingRedisCache, self).delete_many(keys, version), None, write=True
        )
