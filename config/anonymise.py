"""The one place that applies the retention of personal data (Ley 29733) across the apps: the
citizens' data in decided procedures (tramites_bridge.retention), the students who left the
course and the rows quoted by old student imports (lms.retention). manage.py anonimizar_datos
and the weekly beat task both call this.

Audit entries, outbox events, ledger entries and progress rows refer to people by id, so
anonymising the Submission and the StudentProfile/User rows is all it takes; those records stay
valid and the statistics keep adding up."""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from config.models import RetentionRun
from lms.retention import import_jobs_scrub, students_anonymise, students_retention_cutoff
from tramites_bridge.retention import submissions_anonymise, submissions_retention_cutoff

logger = logging.getLogger(__name__)


@dataclass
class AnonymiseResult:
    submissions: int
    attachments: int
    students: int
    import_jobs: int
    dry_run: bool
    run: RetentionRun | None


def personal_data_anonymise(*, dry_run: bool = False) -> AnonymiseResult:
    """Anonymises everything past its retention period in one transaction and records the run
    (a dry run only counts, and records nothing). Idempotent: a second run counts zero."""
    now = timezone.now()
    tramites_cutoff = submissions_retention_cutoff(now=now)
    students_cutoff = students_retention_cutoff(now=now)
    with transaction.atomic():
        tramites = submissions_anonymise(cutoff=tramites_cutoff, dry_run=dry_run)
        students = students_anonymise(cutoff=students_cutoff, dry_run=dry_run)
        import_jobs = import_jobs_scrub(cutoff=students_cutoff, dry_run=dry_run)
        run = None
        if not dry_run:
            run = RetentionRun.objects.create(
                dry_run=False,
                tramites_cutoff=tramites_cutoff,
                students_cutoff=students_cutoff,
                submissions=tramites.submissions,
                attachments=tramites.attachments,
                students=students,
                import_jobs=import_jobs,
            )
    logger.info(
        "Retención de datos%s: %s trámites, %s adjuntos, %s estudiantes, %s importaciones",
        " (solo conteo)" if dry_run else "",
        tramites.submissions,
        tramites.attachments,
        students,
        import_jobs,
    )
    return AnonymiseResult(
        submissions=tramites.submissions,
        attachments=tramites.attachments,
        students=students,
        import_jobs=import_jobs,
        dry_run=dry_run,
        run=run,
    )
