"""The one throttling helper. It counts what the caller tells it to count (attempts or
failures) in the shared cache, so every web process and worker agrees. It never fails open:
while the shared cache (Redis) is unreachable it counts in the database cache, and when that
fails too the attempt is refused with a 503 (core.errors.CountersUnavailable).

Each event is counted twice: under client IP + identifier, and under the identifier alone with a
limit THROTTLE_IDENTIFIER_FACTOR times higher. The municipal Wi-Fi puts many people behind one
IP, so one person's failures must not lock out everyone behind it; an identifier attacked from
many IPs is still stopped."""

import contextlib
import hashlib
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import DatabaseError, transaction
from django.http import HttpRequest

from core.errors import CountersUnavailable, Throttled
from core.outage import CACHE_UNREACHABLE, RETRY_AFTER_SECONDS

# The counters live in the shared cache itself (Redis in production), not in the "default"
# alias that fails open (core.fail_open.FailOpenCache): an outage must reach this module.
SHARED_ALIAS = "shared"
# The cache alias that counts while the shared one (Redis) is unreachable: the database's.
FALLBACK_ALIAS = "throttle_fallback"


def client_ip(request: HttpRequest) -> str:
    if getattr(settings, "THROTTLE_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "") or "desconocida"


def _keys(scope: str, ip: str, identifier: str) -> tuple[str, str]:
    ident = identifier.strip().lower()
    digest = hashlib.sha256
    # "n:": counters written as plain numbers (the earlier (count, start) pairs had no "n:")
    return (
        f"throttle:{scope}:n:ip:{digest(f'{ip}|{ident}'.encode()).hexdigest()}",
        f"throttle:{scope}:n:id:{digest(ident.encode()).hexdigest()}",
    )


def _limits(scope: str) -> tuple[int, int, int]:
    limit, window = settings.THROTTLE_RATES[scope]
    return limit, limit * settings.THROTTLE_IDENTIFIER_FACTOR, window


def _atomic(store) -> bool:
    """Whether the cache counts by itself: Django's Redis cache, whose `incr` is Redis's
    INCRBY. Elsewhere (the local memory of a test, the database cache of a site without Redis
    or of an outage of it) a counter is read and written back as (count, window start), and
    concurrent events may be counted once."""
    return isinstance(store, RedisCache)


def _start_key(key: str) -> str:
    """Where Redis keeps when a counter's window started (for Retry-After)."""
    return f"{key}:start"


def _redis_count(store, key: str, window: int) -> int:
    """One more event on a Redis counter; the increment is Redis's own, so concurrent events
    all count. A counter that does not exist is started by this event: it lives `window`
    seconds and its start is noted. Raises CACHE_UNREACHABLE while Redis is."""
    try:
        count = store.incr(key)
    except ValueError:  # no such counter (Django's incr looks before it increments)
        if store.add(key, 1, window):
            store.set(_start_key(key), time.time(), window)
            return 1
        count = store.incr(key)  # another request started it meanwhile
    if count == 1:  # it expired between that look and the increment: it has no time to live
        store.touch(key, window)
        store.set(_start_key(key), time.time(), window)
    return count


def _redis_left(store, key: str, window: int) -> float:
    """Seconds left in a Redis counter's window (the whole window when its start is not
    known)."""
    try:
        started = store.get(_start_key(key))
    except CACHE_UNREACHABLE:
        started = None
    return window if started is None else started + window - time.time()


def _on_fallback(call: Callable):
    """Runs a call on the fallback (database) cache in a savepoint, so a failure leaves the
    caller's transaction usable. When the database cannot count either, the attempt is refused
    (503) rather than let through uncounted."""
    try:
        with transaction.atomic():
            return call()
    except DatabaseError as exc:
        raise CountersUnavailable(retry_after=RETRY_AFTER_SECONDS) from exc


class ThrottleRead:
    """The counters of one scope for several identifiers (and any keys of the caller's own),
    read in one cache round trip; `check` and `hit` work on what was read, so a request that
    checks and then counts costs one read and then the counting. With `count=True` the event is
    counted first (on Redis, by Redis's own increments, so no concurrent event is lost) and the
    caller's keys read after, before `check`: a request refused for being over the limit counts
    too.

    While the shared cache is unreachable the counters are read and written in the database
    cache (FALLBACK_ALIAS), so a limit holds through a Redis outage; the caller's own keys live
    in the shared cache, so none of them is found then."""

    def __init__(
        self,
        *,
        scope: str,
        ip: str,
        identifiers: list[str],
        also: tuple[str, ...] = (),
        count: bool = False,
    ):
        self.scope = scope
        self.limit, self.ident_limit, self.window = _limits(scope)
        self.pairs = [_keys(scope, ip, identifier) for identifier in identifiers]
        self.keys = [key for pair in self.pairs for key in pair]
        self.counted = False
        self.fell_back = False
        # key -> (count, window start); the start is None where the cache keeps it (Redis)
        self.counts: dict[str, tuple[int, float | None]] = {}
        try:
            found = self._read(also=also, count=count)
        except CACHE_UNREACHABLE:
            found = self._fall_back()
        self.extra = {key: found[key] for key in also if key in found}
        if count and not self.counted:
            self.hit()

    def _read(self, *, also: tuple[str, ...] = (), count: bool = False) -> dict:
        """Reads (and with `count`, on Redis, counts) the counters and `also` from the store;
        returns what was found of `also`."""
        if _atomic(self.store):
            if count and self.keys:
                self.counts = {
                    key: (_redis_count(self.store, key, self.window), None) for key in self.keys
                }
                self.counted = True
                return self.store.get_many(list(also)) if also else {}
            found = self.store.get_many([*self.keys, *also])
            self.counts = {
                key: (value, None) for key in self.keys if isinstance(value := found.get(key), int)
            }
            return found
        found = self.store.get_many([*self.keys, *also])
        now = time.time()
        # a counter whose window has passed counts as zero (its entry may outlive it)
        self.counts = {
            key: value
            for key in self.keys
            if (value := found.get(key)) and now - value[1] <= self.window
        }
        return found

    @property
    def store(self):
        """The shared cache, or the database's since it was found unreachable."""
        return caches[FALLBACK_ALIAS if self.fell_back else SHARED_ALIAS]

    def _fall_back(self) -> dict:
        self.fell_back = True
        self.counted = False
        _on_fallback(self._read)
        return {}

    def check(self, detail: str | None = None) -> None:
        """Raises Throttled (429) when any counter had reached its limit within the window
        before this event."""
        over = 1 if self.counted else 0  # a counted event is in the figures already
        for pair_key, ident_key in self.pairs:
            pair = self.counts.get(pair_key, (0, None))
            ident = self.counts.get(ident_key, (0, None))
            if pair[0] >= self.limit + over or ident[0] >= self.ident_limit + over:
                key, started = pair_key, pair[1]
                if pair[0] < self.limit + over:
                    key, started = ident_key, ident[1]
                if started is None:
                    left = _redis_left(self.store, key, self.window)
                else:
                    left = started + self.window - time.time()
                raise Throttled(detail, retry_after=max(1, int(left)))

    def hit(self) -> None:
        """Counts one event under every key read (on Redis, one increment each; elsewhere, in
        one write). The window starts at the first counted event."""
        if self.counted or not self.keys:
            return
        if _atomic(self.store):
            try:
                counts = {key: _redis_count(self.store, key, self.window) for key in self.keys}
            except CACHE_UNREACHABLE:
                self._fall_back()  # down since the read: count in the database instead
            else:
                self.counted = True
                self.counts.update((key, (value, None)) for key, value in counts.items())
                return
        self.counted = True
        now = time.time()
        updated, longest = {}, 1
        for key in self.keys:
            count, started = self.counts.get(key, (0, now))
            updated[key] = (count + 1, started)
            longest = max(longest, int(started + self.window - now))
        if self.fell_back:
            _on_fallback(lambda: self.store.set_many(updated, timeout=longest))
        else:
            self.store.set_many(updated, timeout=longest)
        self.counts.update(updated)


def throttle_check(*, scope: str, ip: str, identifier: str, detail: str | None = None) -> None:
    """Raises Throttled (429) when either counter reached its limit within the window."""
    ThrottleRead(scope=scope, ip=ip, identifiers=[identifier]).check(detail)


def throttle_hit(*, scope: str, ip: str, identifier: str) -> None:
    """Counts one event under both keys. The window starts at the first counted event."""
    ThrottleRead(scope=scope, ip=ip, identifiers=[identifier], count=True)


def throttle_reset(*, scope: str, ip: str, identifier: str) -> None:
    """Clears the IP + identifier counter (after a success); the identifier's own stays. While
    Redis is unreachable the counter is the database's. A counter that cannot be cleared stays,
    which only errs on the safe side."""
    key = _keys(scope, ip, identifier)[0]
    try:
        caches[SHARED_ALIAS].delete(key)
    except CACHE_UNREACHABLE:
        with contextlib.suppress(CountersUnavailable):
            _on_fallback(lambda: caches[FALLBACK_ALIAS].delete(key))
