"""What every submission reads and almost never changes: an active procedure with its office
and form fields, and the holiday calendar. Both are kept in the shared cache under the
project's generation token for the catalogue (core.cache): every save or delete of a
procedure, a form field, an office or a holiday replaces the token (signals connected in
apps.py), so no worker reads the old copies again. They also expire on their own, so a change
made without a save (a bulk update) shows within PROCEDURE_SECONDS / HOLIDAYS_SECONDS.

A submission reads its two keys in the same cache round trip as its throttling counters."""

import hashlib
import re
from datetime import date

from django.core.cache import cache

from core.cache import bump, tokens
from tramites_bridge.models import Procedure
from tramites_bridge.selectors import procedure_by_code
from tramites_bridge.workdays import HolidayCalendar, holiday_calendar_load

CATALOGUE = "tramites-catalogue"  # procedures, their form fields and offices, holidays
PROCEDURE_SECONDS = 60
HOLIDAYS_SECONDS = 3600

_PLAIN_CODE = re.compile(r"[A-Z0-9.-]{1,40}")


def catalogue_keys(code: str) -> tuple[str, str]:
    """(the key of the procedure with this TUPA code, the key of the holiday calendar) under
    the catalogue's current token. The code itself when it is written as TUPA codes are;
    anything else (no procedure has it) by its digest, so that no key carries spaces, control
    characters or any length."""
    (token,) = tokens(CATALOGUE)
    code = (code or "").strip().upper()
    if not _PLAIN_CODE.fullmatch(code):
        code = f"sha256-{hashlib.sha256(code.encode()).hexdigest()}"
    return f"tramites:procedure:{token}:{code}", f"tramites:holidays:{token}"


def procedure_cached(code: str, key: str, found: dict) -> Procedure | None:
    """The active procedure with this TUPA code, with its office and form fields: the copy in
    `found` (what the caller read from the cache) under `key`, else the database's, then kept."""
    procedure = found.get(key)
    if isinstance(procedure, Procedure):
        return procedure
    procedure = procedure_by_code(code)
    if procedure is None:
        return None
    list(procedure.fields.all())  # prefetched: the copy carries its fields
    cache.set(key, procedure, timeout=PROCEDURE_SECONDS)
    return procedure


def holidays_cached(today: date, key: str, found: dict) -> HolidayCalendar:
    """The holiday calendar from `today` on: the copy in `found` under `key` when it starts no
    later than today, else loaded and kept."""
    calendar = found.get(key)
    if calendar is None or calendar.start > today:
        calendar = holiday_calendar_load(today)
        cache.set(key, calendar, timeout=HOLIDAYS_SECONDS)
    return calendar


def _catalogue_changed(sender, **kwargs) -> None:
    bump(CATALOGUE)


def connect_cache_signals() -> None:
    from django.db.models.signals import post_delete, post_save

    from tramites_bridge.models import Holiday, Office, ProcedureField

    uid = "tramites_bridge.caching"
    for signal, name in ((post_save, "save"), (post_delete, "delete")):
        for model in (Procedure, ProcedureField, Office, Holiday):
            signal.connect(
                _catalogue_changed, sender=model, dispatch_uid=f"{uid}.{model.__name__}.{name}"
            )
