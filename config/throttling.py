"""The one throttling helper. It counts what the caller tells it to count (attempts or
failures) in the shared cache, so every web process and worker agrees.

Each event is counted twice: under client IP + identifier, and under the identifier alone with a
limit THROTTLE_IDENTIFIER_FACTOR times higher. The municipal Wi-Fi puts many people behind one
IP, so one person's failures must not lock out everyone behind it; an identifier attacked from
many IPs is still stopped."""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from config.errors import Throttled


def client_ip(request: HttpRequest) -> str:
    if getattr(settings, "THROTTLE_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "") or "desconocida"


def _keys(scope: str, ip: str, identifier: str) -> tuple[str, str]:
    ident = identifier.strip().lower()
    digest = hashlib.sha256
    return (
        f"throttle:{scope}:ip:{digest(f'{ip}|{ident}'.encode()).hexdigest()}",
        f"throttle:{scope}:id:{digest(ident.encode()).hexdigest()}",
    )


def _limits(scope: str) -> tuple[int, int, int]:
    limit, window = settings.THROTTLE_RATES[scope]
    return limit, limit * settings.THROTTLE_IDENTIFIER_FACTOR, window


class ThrottleRead:
    """The counters of one scope for several identifiers (and any keys of the caller's own),
    read in one cache round trip; `check` and `hit` work on what was read, so a request that
    checks and then counts costs one read and at most one write."""

    def __init__(self, *, scope: str, ip: str, identifiers: list[str], also: tuple[str, ...] = ()):
        self.scope = scope
        self.limit, self.ident_limit, self.window = _limits(scope)
        self.pairs = [_keys(scope, ip, identifier) for identifier in identifiers]
        wanted = [key for pair in self.pairs for key in pair]
        found = cache.get_many([*wanted, *also])
        self.extra = {key: found[key] for key in also if key in found}
        now = time.time()
        # a counter whose window has passed counts as zero (its entry may outlive the window)
        self.counts = {
            key: value
            for key in wanted
            if (value := found.get(key)) and now - value[1] <= self.window
        }

    def check(self, detail: str | None = None) -> None:
        """Raises Throttled (429) when any counter reached its limit within the window."""
        for pair_key, ident_key in self.pairs:
            pair = self.counts.get(pair_key, (0, 0.0))
            ident = self.counts.get(ident_key, (0, 0.0))
            if pair[0] >= self.limit or ident[0] >= self.ident_limit:
                started = pair[1] if pair[0] >= self.limit else ident[1]
                retry_after = max(1, int(started + self.window - time.time()))
                raise Throttled(detail, retry_after=retry_after)

    def hit(self) -> None:
        """Counts one event under every key read, in one write. The window starts at the
        first counted event."""
        now = time.time()
        updated, longest = {}, 1
        for pair in self.pairs:
            for key in pair:
                count, started = self.counts.get(key, (0, now))
                updated[key] = (count + 1, started)
                longest = max(longest, int(started + self.window - now))
        cache.set_many(updated, timeout=longest)
        self.counts.update(updated)


def throttle_check(*, scope: str, ip: str, identifier: str, detail: str | None = None) -> None:
    """Raises Throttled (429) when either counter reached its limit within the window."""
    ThrottleRead(scope=scope, ip=ip, identifiers=[identifier]).check(detail)


def throttle_hit(*, scope: str, ip: str, identifier: str) -> None:
    """Counts one event under both keys. The window starts at the first counted event."""
    ThrottleRead(scope=scope, ip=ip, identifiers=[identifier]).hit()


def throttle_reset(*, scope: str, ip: str, identifier: str) -> None:
    """Clears the IP + identifier counter (after a success); the identifier's own stays."""
    cache.delete(_keys(scope, ip, identifier)[0])
