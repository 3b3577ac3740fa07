"""Tracking lookups, throttled on failures per client and per code.

A failure is counted twice with the shared helper: under the code (so one code attacked from many
addresses is stopped) and under the client's address alone (so one client trying many codes is
stopped after THROTTLE_TRAMITES_TRACK_LIMIT failures in the window). A wrong code and a wrong DNI
are the same failure and get the same answer. A success does not clear the counters (that would
cost a cache write per lookup); failures age out with the window."""

from config.throttling import throttle_check, throttle_hit
from tramites_bridge.codes import code_normalise
from tramites_bridge.selectors import TrackingResult, submission_track

SCOPE = "tramites_track"
THROTTLED_MESSAGE = (
    "Demasiadas consultas fallidas. Espere un minuto, revise su código y su DNI e intente de nuevo."
)
NOT_FOUND_MESSAGE = (
    "No encontramos un trámite con ese código y ese DNI. Revise ambos datos: el código está en "
    "su constancia (10 caracteres, p. ej. 7KQ2M-4XH9T)."
)


def _identifiers(code: str, ip: str) -> list[str]:
    return [f"code:{code_normalise(code) or (code or '').strip().upper()}", f"client:{ip}"]


def tracking_lookup(*, code: str, dni: str, ip: str) -> TrackingResult | None:
    """The file, or None for any mismatch. Raises config.errors.Throttled (429) while over the
    limit."""
    for identifier in _identifiers(code, ip):
        throttle_check(scope=SCOPE, ip=ip, identifier=identifier, detail=THROTTLED_MESSAGE)
    result = submission_track(code=code, dni=dni)
    if result is None:
        for identifier in _identifiers(code, ip):
            throttle_hit(scope=SCOPE, ip=ip, identifier=identifier)
        return None
    return result
