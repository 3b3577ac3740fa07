"""Retention of citizens' personal data (Ley 29733): a file decided more than
RETENTION_TRAMITES_DAYS ago loses the citizen's data; the file itself stays.

The citizen's data lives only on the Submission row and its attachments (the timeline, the audit
log, the ledger and the outbox refer to the file by id and code), so anonymising those is enough.
What stays: the procedure, state, offices, dates, fee, cabina and agent ids, the timeline, the
audit log, the ledger and the outbox, so the statistics and the cabinas' accounts add up as before.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.anonymise import RetentionStep
from core.cache import forget
from tramites_bridge.models import CLOSED_STATUSES, Attachment, Submission, SubmissionEvent
from tramites_bridge.tracking import track_cache_key

logger = logging.getLogger(__name__)

ANONYMOUS_NAME = "Anonimizado"


@dataclass
class SubmissionRetentionResult:
    submissions: int = 0
    attachments: int = 0


def submissions_retention_cutoff(*, now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.RETENTION_TRAMITES_DAYS)


def submissions_past_retention(*, cutoff: datetime):
    """Decided files not yet anonymised whose decision is older than `cutoff`. A file is decided
    since its last timeline step (the one into its current, closed state); closed_at when set."""
    last_step = (
        SubmissionEvent.objects.filter(submission=OuterRef("pk"))
        .values("submission")
        .annotate(last=Max("created_at"))
        .values("last")
    )
    return (
        Submission.objects.filter(status__in=CLOSED_STATUSES, anonymised_at__isnull=True)
        .annotate(
            decided_at=Coalesce(
                "closed_at", Subquery(last_step, output_field=DateTimeField()), "updated_at"
            )
        )
        .filter(decided_at__lt=cutoff)
    )


def submissions_anonymise(*, cutoff: datetime, dry_run: bool = False) -> SubmissionRetentionResult:
    """Replaces the citizen's DNI, names, e-mail, phone and form answers of every file past
    retention and deletes its attachments (rows and stored files). One transaction for the rows;
    the stored files are deleted after it commits, so a failed run leaves every file in place.
    A second run finds nothing: anonymised files carry anonymised_at."""
    result = SubmissionRetentionResult()
    with transaction.atomic():
        ids = list(
            submissions_past_retention(cutoff=cutoff)
            .select_for_update(of=("self",))
            .values_list("pk", flat=True)
        )
        attachments = Attachment.objects.filter(submission_id__in=ids)
        result.submissions = len(ids)
        result.attachments = attachments.count()
        if dry_run or not ids:
            return result
        file_names = [name for name in attachments.values_list("file", flat=True) if name]
        attachments.delete()
        now = timezone.now()
        Submission.objects.filter(pk__in=ids).update(
            dni="",
            first_names=ANONYMOUS_NAME,
            last_names="",
            email="",
            phone="",
            anonymised_at=now,
        )
        # the form's answers: the keys stay (which fields the procedure asked), the values go
        answered = list(Submission.objects.filter(pk__in=ids).only("pk", "code", "data"))
        for submission in answered:
            submission.data = dict.fromkeys(submission.data or {}, "")
        Submission.objects.bulk_update(answered, ["data"], batch_size=500)
        # the tracking page's cached copies hold a digest of the old DNI
        forget(*(track_cache_key(submission.code) for submission in answered))
        storage = Attachment._meta.get_field("file").storage
        transaction.on_commit(lambda: _delete_files(storage, file_names))
    return result


def _delete_files(storage, names: list[str]) -> None:
    """Each file on its own: one that cannot be deleted (a storage error) is logged by name for
    staff to remove, and the others still go."""
    for name in names:
        try:
            storage.delete(name)
        except Exception:
            logger.exception("Retención: no se pudo borrar el adjunto %s; bórrelo a mano", name)


def retention_steps() -> list[RetentionStep]:
    """What core's retention run anonymises of this app (registered in its AppConfig.ready)."""

    def anonymise(*, cutoff: datetime, dry_run: bool) -> dict[str, int]:
        result = submissions_anonymise(cutoff=cutoff, dry_run=dry_run)
        return {"submissions": result.submissions, "attachments": result.attachments}

    return [
        RetentionStep(
            name="tramites_bridge.submissions",
            cutoff_field="tramites_cutoff",
            cutoff=submissions_retention_cutoff,
            anonymise=anonymise,
        )
    ]
