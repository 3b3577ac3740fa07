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


def throttle_check(*, scope: str, ip: str, identifier: str, detail: str | None = None) -> None:
    """Raises Throttled (429) when either counter reached its limit within the window."""
    limit, ident_limit, window = _limits(scope)
    pair_key, ident_key = _keys(scope, ip, identifier)
    counts = cache.get_many([pair_key, ident_key])
    pair = counts.get(pair_key) or (0, 0.0)
    ident = counts.get(ident_key) or (0, 0.0)
    if pair[0] >= limit or ident[0] >= ident_limit:
        started = pair[1] if pair[0] >= limit else ident[1]
        retry_after = max(1, int(started + window - time.time()))
        raise Throttled(detail, retry_after=retry_after)


def throttle_hit(*, scope: str, ip: str, identifier: str) -> None:
    """Counts one event under both keys. The window starts at the first counted event."""
    _, _, window = _limits(scope)
    now = time.time()
    for key in _keys(scope, ip, identifier):
        count, started = cache.get(key) or (0, now)
        if now - started > window:
            count, started = 0, now
        cache.set(key, (count + 1, started), timeout=max(1, int(started + window - now)))


def throttle_reset(*, scope: str, ip: str, identifier: str) -> None:
    """Clears the IP + identifier counter (after a success); the identifier's own stays."""
    cache.delete(_keys(scope, ip, identifier)[0])
