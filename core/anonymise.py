"""The one place that applies the retention of personal data (Ley 29733) across the apps.
Each app that keeps personal data registers its steps here when it starts (its AppConfig.ready):
the citizens' data in decided procedures (tramites_bridge), the students who left the course and
the rows quoted by old student imports (lms). manage.py anonimizar_datos and the weekly beat
task both call `personal_data_anonymise`; core knows no app, only the steps it was handed.

Audit entries, outbox events, ledger entries and progress rows refer to people by id, so
anonymising the Submission and the StudentProfile/User rows is all it takes; those records stay
valid and the statistics keep adding up."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from core.models import RetentionRun

logger = logging.getLogger(__name__)

COUNTS = ("submissions", "attachments", "students", "import_jobs")  # RetentionRun's counters
CUTOFFS = ("tramites_cutoff", "students_cutoff")  # and the moments it records


@dataclass(frozen=True)
class RetentionStep:
    """One kind of personal data: `cutoff(now=...)` is the moment before which its records are
    past retention (recorded in RetentionRun's `cutoff_field`); `anonymise(cutoff=..., dry_run=...)`
    anonymises them (or only counts them) and returns what it did by RetentionRun counter, e.g.
    {"submissions": 3, "attachments": 5}."""

    name: str
    cutoff_field: str
    cutoff: Callable[..., datetime]
    anonymise: Callable[..., dict[str, int]]


STEPS: dict[str, RetentionStep] = {}


def retention_step_register(step: RetentionStep) -> None:
    """Idempotent (an app's ready() may run twice in tests): a step is known by its name."""
    if step.cutoff_field not in CUTOFFS:
        raise ValueError(f"{step.name}: RetentionRun no registra {step.cutoff_field}")
    STEPS[step.name] = step


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
    cutoffs = {step.name: step.cutoff(now=now) for step in STEPS.values()}
    counts = dict.fromkeys(COUNTS, 0)
    with transaction.atomic():
        for step in STEPS.values():
            for counter, value in step.anonymise(
                cutoff=cutoffs[step.name], dry_run=dry_run
            ).items():
                counts[counter] += value
        run = None
        if not dry_run:
            recorded = {step.cutoff_field: cutoffs[step.name] for step in STEPS.values()}
            run = RetentionRun.objects.create(dry_run=False, **recorded, **counts)
    logger.info(
        "Retención de datos%s: %s trámites, %s adjuntos, %s estudiantes, %s importaciones",
        " (solo conteo)" if dry_run else "",
        *(counts[counter] for counter in COUNTS),
    )
    return AnonymiseResult(**counts, dry_run=dry_run, run=run)
