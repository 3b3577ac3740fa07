"""The "default" cache alias when the shared cache is Redis: Django's own RedisCache (the
alias "shared") through Django's public cache API, failing open. See core.cache for why.

While Redis is unreachable reads miss and writes are dropped. A dropped write may leave an
older value in Redis (a token that was to be replaced, a copy that was to be deleted, a session
that ended), so the process keeps the key of every write it dropped and deletes them all as
soon as Redis answers it again: nothing stale outlives the outage. A process that ends during
the outage forgets them; every entry also expires on its own."""

import logging
import threading
from collections.abc import Callable, Iterable

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache

from core.outage import CACHE_UNREACHABLE

logger = logging.getLogger(__name__)

# Keys of writes dropped while Redis was unreachable, deleted when it answers again. A key is a
# few dozen bytes; this many is far beyond any outage of a site of this size.
MAX_DROPPED_WRITES = 100_000
_DELETE_BATCH = 500


class _Outage:
    """An outage of one cache, as this process sees it: whether its last call failed, and the
    (key, version) of every write it dropped. Shared by the threads of the process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.down = False
        self.dropped: set[tuple[str, int | None]] = set()

    def failed(self, exc: BaseException, written: Iterable[str], version: int | None) -> None:
        with self.lock:
            if not self.down:
                logger.warning("shared cache unreachable, serving without it: %s", exc)
            self.down = True
            self.dropped.update((key, version) for key in written)
            if len(self.dropped) > MAX_DROPPED_WRITES:
                logger.error("too many writes dropped during a cache outage; some may be stale")
                self.dropped = set(list(self.dropped)[:MAX_DROPPED_WRITES])

    def forget_dropped(self, backend: BaseCache) -> None:
        """Deletes what the dropped writes would have replaced; raises while Redis is still
        unreachable (the keys stay)."""
        with self.lock:
            dropped, self.dropped = self.dropped, set()
        by_version: dict[int | None, list[str]] = {}
        for key, version in dropped:
            by_version.setdefault(version, []).append(key)
        try:
            for version, keys in by_version.items():
                for start in range(0, len(keys), _DELETE_BATCH):
                    backend.delete_many(keys[start : start + _DELETE_BATCH], version=version)
        except Exception:
            with self.lock:
                self.dropped.update(dropped)
            raise
        logger.warning(
            "shared cache reachable again: %d entries written meanwhile deleted", len(dropped)
        )

    def answered(self) -> None:
        if self.down:
            with self.lock:
                if self.down:
                    logger.warning("shared cache reachable again")
                self.down = False


_outages: dict[str, _Outage] = {}


class FailOpenCache(BaseCache):
    """The cache of another alias (LOCATION: its name; a RedisCache), through Django's public
    cache API, answering as a cache with nothing in it while that one is unreachable: reads
    miss, writes are dropped (and undone when it answers again, see _Outage). Keys, prefixes,
    versions and timeouts are the other alias's: they pass through as given."""

    def __init__(self, location: str, params: dict):
        super().__init__(params)
        self.alias = location

    def _guarded(self, call: Callable, fallback, *, written: Iterable[str] = (), version=None):
        outage = _outages.get(self.alias) or _outages.setdefault(self.alias, _Outage())
        backend = caches[self.alias]
        try:
            if outage.dropped:
                outage.forget_dropped(backend)
            result = call(backend)
        except CACHE_UNREACHABLE as exc:
            outage.failed(exc, written, version)
            return fallback
        outage.answered()
        return result

    def get(self, key, default=None, version=None):
        return self._guarded(lambda c: c.get(key, default, version), default)

    def get_many(self, keys, version=None):
        return self._guarded(lambda c: c.get_many(keys, version), {})

    def has_key(self, key, version=None):
        return self._guarded(lambda c: c.has_key(key, version), False)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(
            lambda c: c.add(key, value, timeout, version), False, written=[key], version=version
        )

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._guarded(
            lambda c: c.set(key, value, timeout, version), None, written=[key], version=version
        )

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(
            lambda c: c.set_many(data, timeout, version), [], written=list(data), version=version
        )

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(
            lambda c: c.touch(key, timeout, version), False, written=[key], version=version
        )

    def incr(self, key, delta=1, version=None):
        return self._guarded(
            lambda c: c.incr(key, delta, version), delta, written=[key], version=version
        )

    def delete(self, key, version=None):
        return self._guarded(
            lambda c: c.delete(key, version), False, written=[key], version=version
        )

    def delete_many(self, keys, version=None):
        keys = list(keys)
        self._guarded(lambda c: c.delete_many(keys, version), None, written=keys, version=version)

    def clear(self):
        return self._guarded(lambda c: c.clear(), False)
