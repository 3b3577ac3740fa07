"""The bridge to the municipal back office: outbox delivery (signed, retried with exponential
backoff, at least once) and the signed inbound webhook (5-minute window, replays ignored)."""

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import AuthenticationRequired, NotFoundError, ValidationFailed
from tramites_bridge.codes import code_normalise
from tramites_bridge.models import InboundEvent, Office, OutboxEvent, Status, Submission
from tramites_bridge.services import (
    outbox_delivery_queue,
    submission_change_status,
    submission_move,
)

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Tramites-Signature"
TIMESTAMP_HEADER = "X-Tramites-Timestamp"
EVENT_HEADER = "X-Tramites-Event-Id"
WEBHOOK_WINDOW_SECONDS = 300
REQUEST_TIMEOUT_SECONDS = 10
# While one runner posts an event, its next attempt is pushed this far ahead, so a second runner
# (the sweep, a late or duplicated task) finds it not due and leaves it alone: one post at a time.
# Longer than the request timeout; if the runner dies, the event is due again after it.
CLAIM_SECONDS = 60
# A retry queued with a countdown may wake a moment before next_attempt_at.
DUE_TOLERANCE_SECONDS = 1


def sign(*, body: bytes, timestamp: str, secret: str | None = None) -> str:
    """sha256=<hex> of HMAC-SHA256(secret, "<timestamp>." + body): the timestamp is signed too,
    so an old request cannot be replayed with a fresh one."""
    key = (secret or settings.TRAMITES_BACKOFFICE_SECRET).encode()
    digest = hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def outbox_backoff_seconds(*, attempts: int) -> int:
    """The wait after the attempts-th failed attempt: BACKOFF * 2^(attempts-1), capped at
    TRAMITES_OUTBOX_BACKOFF_MAX_SECONDS."""
    base = settings.TRAMITES_OUTBOX_BACKOFF_SECONDS
    return min(base * 2 ** max(0, attempts - 1), settings.TRAMITES_OUTBOX_BACKOFF_MAX_SECONDS)


def outbox_deliver(*, event_pk: int) -> bool:
    """Posts one event; True once delivered. Safe to run twice or at the same time: the event is
    claimed under a row lock before the post (see CLAIM_SECONDS), a delivered or not-yet-due
    event is skipped, and the receiver de-duplicates by event_id anyway. A failure schedules the
    next attempt after outbox_backoff_seconds() and queues it on the worker; after
    TRAMITES_OUTBOX_MAX_ATTEMPTS the event is "failed" and waits for a person to press
    "Reenviar" in the admin. The beat sweep picks up anything whose queued retry was lost."""
    url = settings.TRAMITES_BACKOFFICE_URL
    with transaction.atomic():
        event = OutboxEvent.objects.select_for_update().filter(pk=event_pk).first()
        if event is None or event.state != OutboxEvent.State.PENDING or not url:
            return bool(event and event.state == OutboxEvent.State.DELIVERED)
        now = timezone.now()
        if event.next_attempt_at > now + timedelta(seconds=DUE_TOLERANCE_SECONDS):
            return False  # claimed by another runner, or its retry is not due yet
        attempts = event.attempts + 1
        OutboxEvent.objects.filter(pk=event_pk).update(
            attempts=attempts, next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS)
        )
        body = json.dumps(
            {
                "event_id": str(event.event_id),
                "type": event.kind,
                "occurred_at": event.created_at.isoformat(),
                "data": event.payload,
            },
            separators=(",", ":"),
        ).encode()
    timestamp = str(int(time.time()))
    error = ""
    try:
        # the URL is the operator's own setting (TRAMITES_BACKOFFICE_URL), not user input
        request = urllib.request.Request(  # noqa: S310
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: sign(body=body, timestamp=timestamp),
                EVENT_HEADER: str(event.event_id),
            },
        )
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:  # noqa: S310
            if not 200 <= response.status < 300:
                error = f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        error = f"HTTP {exc.code}: {_reply_start(exc)}"
    except Exception as exc:  # noqa: BLE001 - a bad URL, a refused or garbled reply: all retried
        error = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
    now = timezone.now()
    with transaction.atomic():
        event = OutboxEvent.objects.select_for_update().get(pk=event_pk)
        if event.state == OutboxEvent.State.DELIVERED:
            return True
        if not error:
            event.state = OutboxEvent.State.DELIVERED
            event.delivered_at = now
            event.last_error = ""
            event.save(update_fields=["state", "delivered_at", "last_error"])
            return True
        delay = outbox_backoff_seconds(attempts=attempts)
        event.last_error = error[:2000]
        event.next_attempt_at = now + timedelta(seconds=delay)
        if attempts >= settings.TRAMITES_OUTBOX_MAX_ATTEMPTS:
            event.state = OutboxEvent.State.FAILED
        else:
            outbox_delivery_queue(event_id=event_pk, countdown=delay)
        event.save(update_fields=["last_error", "next_attempt_at", "state"])
        logger.warning("Evento %s no entregado (intento %s): %s", event_pk, attempts, error)
    return False


def _reply_start(exc: urllib.error.HTTPError) -> str:
    try:
        return exc.read(300).decode(errors="replace")
    except Exception:  # noqa: BLE001 - the reply's status is what matters
        return ""


def outbox_due_ids(*, limit: int = 200) -> list[int]:
    return list(
        OutboxEvent.objects.filter(
            state=OutboxEvent.State.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def outbox_redeliver(*, event: OutboxEvent) -> None:
    """Puts a failed event back in line, now."""
    OutboxEvent.objects.filter(pk=event.pk).exclude(state=OutboxEvent.State.DELIVERED).update(
        state=OutboxEvent.State.PENDING, next_attempt_at=timezone.now(), attempts=0
    )
    outbox_delivery_queue(event_id=event.pk)


def webhook_apply(*, body: bytes, timestamp: str, signature: str, ip: str | None) -> dict:
    """Verifies and applies a state change sent by the back office. Returns {"applied": bool}.
    A bad signature or a timestamp outside the 5-minute window is refused (401); an event_id
    already applied is ignored (a replay)."""
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        raise AuthenticationRequired(
            "Falta la marca de tiempo firmada.", code="bad_signature"
        ) from None
    if abs(time.time() - sent_at) > WEBHOOK_WINDOW_SECONDS:
        raise AuthenticationRequired(
            "La marca de tiempo está fuera de la ventana de 5 minutos.", code="stale_timestamp"
        )
    # as bytes: compare_digest refuses str with characters outside ASCII (a 500, not a 401)
    given = (signature or "").encode("utf-8", "replace")
    if not hmac.compare_digest(sign(body=body, timestamp=timestamp).encode(), given):
        raise AuthenticationRequired("La firma no es válida.", code="bad_signature")
    try:
        data = json.loads(body)
        event_id = str(data["event_id"])[:100]
        code = code_normalise(str(data["code"]))
        status = str(data["status"])
    except (ValueError, KeyError, TypeError):
        raise ValidationFailed(
            "Se esperaba JSON con event_id, code y status.", code="bad_payload"
        ) from None
    if status not in Status.values:
        raise ValidationFailed(errors=[{"field": "status", "message": "Estado desconocido."}])

    try:
        with transaction.atomic():
            InboundEvent.objects.create(event_id=event_id)
            submission = Submission.objects.filter(code=code).first() if code else None
            if submission is None:
                raise NotFoundError("No existe un trámite con ese código.")
            office_name = data.get("office")
            if office_name:
                office = Office.objects.filter(name=office_name).first()
                if office and office.pk != submission.office_id:
                    submission_move(submission=submission, office=office, actor_id=None, ip=ip)
            if status != submission.status:
                submission_change_status(
                    submission=submission,
                    status=status,
                    note=str(data.get("note") or ""),
                    actor_id=None,
                    ip=ip,
                    # it came from the back office: do not echo it back
                    emit_outbox=False,
                    audit_extra={"source": "back_office", "event_id": event_id},
                )
    except IntegrityError:
        return {"applied": False, "duplicate": True}
    return {"applied": True, "duplicate": False}
