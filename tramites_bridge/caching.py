"""What every submission reads and almost never changes: an active procedure with its office
and form fields, and the holiday calendar. A submission fetches both in the same cache round
trip as its throttling counters instead of three queries.

The holiday calendar is kept in the shared cache. A procedure is kept in each web process, with
the stamp (a random number) it was read under; the shared cache holds only the stamp. A process
uses its copy while the shared stamp is the one it read it under: loading a pickled procedure
with its office and fields on every submission cost ~0.13 ms, a fiftieth of one.

Every save or delete of a procedure, a form field, an office or a holiday drops the stamp or the
calendar (signals connected in apps.py), so every process reads the procedure again; both also
expire on their own, so a change made without a save (a bulk update) shows within
PROCEDURE_SECONDS / HOLIDAYS_SECONDS."""

import hashlib
import re
import secrets
from datetime import date

from django.core.cache import cache
from django.db import transaction

from tramites_bridge.models import Procedure
from tramites_bridge.selectors import procedure_by_code
from tramites_bridge.workdays import HolidayCalendar, holiday_calendar_load

PROCEDURE_SECONDS = 60
HOLIDAYS_SECONDS = 3600
HOLIDAYS_KEY = "tramites:holidays"


_PLAIN_CODE = re.compile(r"[A-Z0-9.-]{1,40}")


def procedure_cache_key(code: str) -> str:
    """The code itself when it is written as TUPA codes are; anything else (no procedure has
    it) by its digest, so that no key carries spaces, control characters or any length."""
    code = (code or "").strip().upper()
    if not _PLAIN_CODE.fullmatch(code):
        code = f"sha256-{hashlib.sha256(code.encode()).hexdigest()}"
    return f"tramites:procedure:{code}"


# procedure_cache_key -> (stamp, procedure) in this process; read-only once stored
_procedures: dict[str, tuple[int, Procedure]] = {}


def procedure_cached(code: str, found: dict) -> Procedure | None:
    """The active procedure with this TUPA code: this process's copy when `found` (what the
    caller read from the cache under procedure_cache_key) holds the stamp it was read under,
    else the database's, then kept under the shared stamp (a new one if there is none)."""
    key = procedure_cache_key(code)
    stamp = found.get(key)
    kept = _procedures.get(key)
    if kept is not None and isinstance(stamp, int) and kept[0] == stamp:
        return kept[1]
    procedure = procedure_by_code(code)
    if procedure is None:
        return None
    list(procedure.fields.all())  # prefetched: the copy carries its fields
    if not isinstance(stamp, int):
        stamp = secrets.randbits(62)
        if not cache.add(key, stamp, timeout=PROCEDURE_SECONDS):
            return procedure  # another process stamped it meanwhile: keep its stamp
    _procedures[key] = (stamp, procedure)
    return procedure


def holidays_cached(today: date, found: dict) -> HolidayCalendar:
    """The holiday calendar from `today` on: the copy in `found` under HOLIDAYS_KEY when it
    starts no later than today, else loaded and kept."""
    calendar = found.get(HOLIDAYS_KEY)
    if calendar is None or calendar.start > today:
        calendar = holiday_calendar_load(today)
        cache.set(HOLIDAYS_KEY, calendar, timeout=HOLIDAYS_SECONDS)
    return calendar


def _drop(keys: list[str]) -> None:
    """Now, and again when the transaction commits (a read in between could keep the old)."""
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def _drop_procedure(sender, instance, **kwargs) -> None:
    _drop([procedure_cache_key(instance.tupa_code)])


def _drop_procedure_of_field(sender, instance, **kwargs) -> None:
    codes = Procedure.objects.filter(pk=instance.procedure_id).values_list("tupa_code", flat=True)
    _drop([procedure_cache_key(code) for code in codes])


def _drop_procedures_of_office(sender, instance, **kwargs) -> None:
    codes = Procedure.objects.filter(office_id=instance.pk).values_list("tupa_code", flat=True)
    if codes:
        _drop([procedure_cache_key(code) for code in codes])


def _drop_holidays(sender, instance, **kwargs) -> None:
    _drop([HOLIDAYS_KEY])


def connect_cache_signals() -> None:
    from django.db.models.signals import post_delete, post_save, pre_save

    from tramites_bridge.models import Holiday, Office, ProcedureField

    uid = "tramites_bridge.caching"
    for signal, name in ((post_save, "save"), (post_delete, "delete")):
        signal.connect(_drop_procedure, sender=Procedure, dispatch_uid=f"{uid}.p.{name}")
        signal.connect(
            _drop_procedure_of_field, sender=ProcedureField, dispatch_uid=f"{uid}.f.{name}"
        )
        signal.connect(_drop_procedures_of_office, sender=Office, dispatch_uid=f"{uid}.o.{name}")
        signal.connect(_drop_holidays, sender=Holiday, dispatch_uid=f"{uid}.h.{name}")
    # a renamed TUPA code: the copy under the old code goes too
    pre_save.connect(_drop_renamed_procedure, sender=Procedure, dispatch_uid=f"{uid}.p.rename")


def _drop_renamed_procedure(sender, instance, **kwargs) -> None:
    if instance.pk:
        codes = Procedure.objects.filter(pk=instance.pk).values_list("tupa_code", flat=True)
        _drop([procedure_cache_key(code) for code in codes])
