"""Tracking lookups, throttled on failures per client and per code, with the file's public view
cached under its code.

A failure is counted twice with the shared helper: under the code (so one code attacked from many
addresses is stopped) and under the client's address alone (so one client trying many codes is
stopped after THROTTLE_TRAMITES_TRACK_LIMIT failures in the window). A wrong code and a wrong DNI
are the same failure and get the same answer. A success does not clear the counters (that would
cost a cache write per lookup); failures age out with the window.

A lookup reads the four counters and the cached file in one cache round trip. The cached entry
holds only what the citizen sees plus a keyed digest of the DNI, so the DNI must still match and
nothing of a file is told to someone without it. Every save of a file (each change of state or
office saves it) drops the entry when its transaction commits (signal connected in apps.py), and
entries live TRACK_CACHE_SECONDS at most, so a change made some other way (a catalogue rename, a
bulk update) shows within that time."""

import hashlib
import hmac

from django.conf import settings
from django.core.cache import cache

from core.cache import forget
from core.throttling import ThrottleRead
from tramites_bridge.codes import code_normalise
from tramites_bridge.selectors import (
    TrackingResult,
    submission_track_snapshot,
    tracking_result_from_snapshot,
)

SCOPE = "tramites_track"
TRACK_CACHE_SECONDS = 120
THROTTLED_MESSAGE = (
    "Demasiadas consultas fallidas. Espere un minuto, revise su código y su DNI e intente de nuevo."
)
NOT_FOUND_MESSAGE = (
    "No encontramos un trámite con ese código y ese DNI. Revise ambos datos: el código está en "
    "su constancia (10 caracteres, p. ej. 7KQ2M-4XH9T)."
)


def track_cache_key(code: str) -> str:
    return f"tramites:track:{code}"


def dni_digest(dni: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), dni.encode(), hashlib.sha256).hexdigest()


def tracking_cache_drop(code: str) -> None:
    """Forgets the cached view of a file now and again when the caller's transaction commits
    (a lookup in between could have cached the old state)."""
    forget(track_cache_key(code))


def _snapshot_for(*, code: str, dni: str, ip: str) -> tuple[dict, bool] | None:
    """(the file's public view, whether it was just read from the database), or None for any
    mismatch after counting the failure. Raises Throttled while over the limit."""
    normalised = code_normalise(code)
    dni = (dni or "").strip()
    key = track_cache_key(normalised) if normalised else None
    counters = ThrottleRead(
        scope=SCOPE,
        ip=ip,
        identifiers=[f"code:{normalised or (code or '').strip().upper()}", f"client:{ip}"],
        also=(key,) if key else (),
    )
    counters.check(THROTTLED_MESSAGE)
    snapshot = counters.extra.get(key) if key else None
    fresh = False
    if snapshot is None and key and dni:
        snapshot = submission_track_snapshot(code=normalised)
        if snapshot is not None:
            snapshot["dni"] = dni_digest(snapshot["dni"])
            fresh = True
    if snapshot is None or not dni or not hmac.compare_digest(snapshot["dni"], dni_digest(dni)):
        counters.hit()
        return None
    return snapshot, fresh


def tracking_lookup(*, code: str, dni: str, ip: str) -> TrackingResult | None:
    """The file, or None for any mismatch. Raises core.errors.Throttled (429) while over the
    limit."""
    found = _snapshot_for(code=code, dni=dni, ip=ip)
    if found is None:
        return None
    snapshot, fresh = found
    if fresh:
        cache.set(track_cache_key(snapshot["code"]), snapshot, timeout=TRACK_CACHE_SECONDS)
    return tracking_result_from_snapshot(snapshot)


def _drop_on_submission_change(sender, instance, created=False, **kwargs) -> None:
    # A new file cannot be cached yet. Every change of state or office saves the file (the
    # services do it under a row lock), so this also covers the new timeline step.
    if instance.code and not created:
        tracking_cache_drop(instance.code)


def connect_cache_signals() -> None:
    from django.db.models.signals import post_delete, post_save

    from tramites_bridge.models import Submission

    uid = "tramites_bridge.tracking"
    post_save.connect(_drop_on_submission_change, sender=Submission, dispatch_uid=f"{uid}.s")
    post_delete.connect(_drop_on_submission_change, sender=Submission, dispatch_uid=f"{uid}.sd")
