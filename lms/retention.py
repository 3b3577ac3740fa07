"""Retention of students' personal data (Ley 29733): a student who left every course they were
enrolled in more than RETENTION_STUDENTS_DAYS ago is anonymised.

An anonymised profile's DNI is "X" and 7 digits of its id (ids below 10 million): unique, as
the column requires, and never 8 digits, so no login or search by a real DNI matches it. The
username becomes "anonimo-" and the user's id.

A student has left a course when the coach recorded it (Enrollment.left_at, see
enrollment_mark_left). A profile with no enrolment left at all (its course page was deleted,
which deletes its enrolments) counts from the day the profile was made. The account loses its
name, username, e-mail and password and is deactivated; the profile loses DNI, names and
phone. District and zone stay, and so do the enrolments, progress, quiz attempts, downloads and
certificates rows, so the coaches' aggregates (per lesson, per district) count the same before
and after."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import CharField, Exists, Max, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat, LPad
from django.utils import timezone

from core.anonymise import RetentionStep
from core.errors import ConflictError
from core.models import ApiToken
from lms.models import Enrollment, StudentImportJob, StudentProfile
from lms.services import lesson_stats_membership_change

ANONYMOUS_FIRST_NAMES = "Estudiante"
ANONYMOUS_LAST_NAMES = "anonimizado"


ANONYMOUS_USERNAME_PREFIX = "anonimo-"


def students_retention_cutoff(*, now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.RETENTION_STUDENTS_DAYS)


def students_past_retention(*, cutoff: datetime):
    """Students not yet anonymised who left all their courses, the last before `cutoff`, and
    those with no enrolment at all (their course was deleted, or their enrolments were) whose
    profile is older than `cutoff`. A student still enrolled in any course is never included."""
    still_enrolled = Enrollment.objects.filter(student=OuterRef("pk"), left_at__isnull=True)
    any_enrolment = Enrollment.objects.filter(student=OuterRef("pk"))
    return (
        StudentProfile.objects.filter(anonymised_at__isnull=True)
        .annotate(last_left=Max("enrollments__left_at"))
        .filter(Q(last_left__lt=cutoff) | (Q(created_at__lt=cutoff) & ~Exists(any_enrolment)))
        .exclude(Exists(still_enrolled))
    )


def students_anonymise(*, cutoff: datetime, dry_run: bool = False) -> int:
    """Anonymises every student past retention in one transaction; returns how many. A second run
    finds nothing: anonymised profiles carry anonymised_at."""
    with transaction.atomic():
        candidates = list(students_past_retention(cutoff=cutoff).values_list("pk", flat=True))
        if dry_run or not candidates:
            return len(candidates)
        now = timezone.now()
        # lock the rows, then ask again: a departure undone meanwhile (enrollment_mark_left
        # locks the student too) keeps that student out; then a fixed handful of statements
        # however many students there are
        list(
            StudentProfile.objects.select_for_update()
            .filter(pk__in=candidates)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        ids, user_ids = [], []
        for pk, user_id in (
            students_past_retention(cutoff=cutoff)
            .filter(pk__in=candidates)
            .values_list("pk", "user_id")
        ):
            ids.append(pk)
            user_ids.append(user_id)
        if not ids:
            return 0
        User = get_user_model()
        User.objects.filter(pk__in=user_ids).update(
            username=Concat(Value(ANONYMOUS_USERNAME_PREFIX), Cast("pk", CharField())),
            first_name="",
            last_name="",
            email="",
            is_active=False,
            # any value starting with "!" is an unusable password (Django's own marker)
            password=make_password(None),
        )
        User.groups.through.objects.filter(user_id__in=user_ids).delete()
        User.user_permissions.through.objects.filter(user_id__in=user_ids).delete()
        # an inactive user's token is refused anyway; revoked, it stays refused if reactivated
        ApiToken.objects.filter(user_id__in=user_ids, revoked_at__isnull=True).update(
            revoked_at=now
        )
        # update(), not save(): no signal re-derives anything from the old profile
        StudentProfile.objects.filter(pk__in=ids).update(
            dni=Concat(Value("X"), LPad(Cast("pk", CharField()), 7, Value("0"))),
            first_names=ANONYMOUS_FIRST_NAMES,
            last_names=ANONYMOUS_LAST_NAMES,
            phone="",
            anonymised_at=now,
        )
    return len(ids)


def import_jobs_scrub(*, cutoff: datetime, dry_run: bool = False) -> int:
    """Empties the row errors (they quote the file's DNIs and names) and any roster never printed
    (DNIs, names and initial passwords) of CSV imports that finished before `cutoff`; the job's
    counts stay. Returns how many jobs it emptied; a second run finds none."""
    with transaction.atomic():
        jobs = (
            StudentImportJob.objects.filter(finished_at__lt=cutoff)
            .exclude(errors=[], roster=[])
            .select_for_update()
        )
        ids = list(jobs.values_list("pk", flat=True))
        if ids and not dry_run:
            StudentImportJob.objects.filter(pk__in=ids).update(errors=[], roster=[])
    return len(ids)


def enrollment_mark_left(
    *, enrollment: Enrollment, left_at: datetime | None = None, undo: bool = False
) -> Enrollment:
    """Records that the student left this course (or, with undo, that they came back), and takes
    them out of (or back into) the course's counters. A student already anonymised cannot come
    back: their account is gone."""
    with transaction.atomic():
        locked = (
            Enrollment.objects.select_for_update(of=("self", "student"))
            .select_related("student")
            .get(pk=enrollment.pk)
        )
        if locked.student.anonymised_at is not None:
            raise ConflictError(
                "Los datos de este estudiante ya se anonimizaron; matricúlelo de nuevo como "
                "estudiante nuevo.",
                code="student_anonymised",
            )
        was_in_course = locked.left_at is None
        locked.left_at = None if undo else (left_at or timezone.now())
        locked.save(update_fields=["left_at"])
        if was_in_course != (locked.left_at is None):
            lesson_stats_membership_change(
                student=locked.student, course_id=locked.course_id, joined=not was_in_course
            )
    return locked


def retention_steps() -> list[RetentionStep]:
    """What core's retention run anonymises of this app (registered in LmsConfig.ready)."""
    return [
        RetentionStep(
            name="lms.students",
            cutoff_field="students_cutoff",
            cutoff=students_retention_cutoff,
            anonymise=lambda *, cutoff, dry_run: {
                "students": students_anonymise(cutoff=cutoff, dry_run=dry_run)
            },
        ),
        RetentionStep(
            name="lms.import_jobs",
            cutoff_field="students_cutoff",
            cutoff=students_retention_cutoff,
            anonymise=lambda *, cutoff, dry_run: {
                "import_jobs": import_jobs_scrub(cutoff=cutoff, dry_run=dry_run)
            },
        ),
    ]
