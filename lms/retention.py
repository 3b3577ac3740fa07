"""Retention of students' personal data (Ley 29733): a student who left every course they were
enrolled in more than RETENTION_STUDENTS_DAYS ago is anonymised.

A student has left a course when the coach recorded it (Enrollment.left_at, see
enrollment_mark_left). The account loses its name, username, e-mail and password and is
deactivated; the profile loses DNI, names and phone. District and zone stay, and so do the
enrolments, progress, quiz attempts, downloads and certificates rows, so the coaches' aggregates
(per lesson, per district) count the same before and after."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from config.errors import ConflictError
from config.models import ApiToken
from lms.models import Enrollment, StudentProfile

ANONYMOUS_FIRST_NAMES = "Estudiante"
ANONYMOUS_LAST_NAMES = "anonimizado"


def anonymous_dni(profile_pk: int) -> str:
    """Unique (the column is), 8 characters, and never 8 digits, so no login or search by a real
    DNI can match it."""
    return f"X{profile_pk:07X}"


def anonymous_username(profile_pk: int) -> str:
    return f"anonimo-{profile_pk}"


def students_retention_cutoff(*, now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.RETENTION_STUDENTS_DAYS)


def students_past_retention(*, cutoff: datetime):
    """Students not yet anonymised who have enrolments, left all of them, the last before
    `cutoff`. A student still enrolled in any course is never included."""
    still_enrolled = Enrollment.objects.filter(student=OuterRef("pk"), left_at__isnull=True)
    return (
        StudentProfile.objects.filter(anonymised_at__isnull=True)
        .annotate(last_left=Max("enrollments__left_at"))
        .filter(last_left__lt=cutoff)
        .exclude(Exists(still_enrolled))
    )


def students_anonymise(*, cutoff: datetime, dry_run: bool = False) -> int:
    """Anonymises every student past retention in one transaction; returns how many. A second run
    finds nothing: anonymised profiles carry anonymised_at."""
    with transaction.atomic():
        ids = list(students_past_retention(cutoff=cutoff).values_list("pk", flat=True))
        if dry_run or not ids:
            return len(ids)
        now = timezone.now()
        profiles = list(
            StudentProfile.objects.select_for_update()
            .filter(pk__in=ids)
            .select_related("user")
            .order_by("pk")
        )
        for profile in profiles:
            user = profile.user
            user.username = anonymous_username(profile.pk)
            user.first_name = ""
            user.last_name = ""
            user.email = ""
            user.is_active = False
            user.set_unusable_password()
            user.save(
                update_fields=[
                    "username",
                    "first_name",
                    "last_name",
                    "email",
                    "is_active",
                    "password",
                ]
            )
            user.groups.clear()
            user.user_permissions.clear()
            # an inactive user's token is refused anyway; revoked, it stays refused if reactivated
            ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
            # update(), not save(): no signal re-derives anything from the old profile
            StudentProfile.objects.filter(pk=profile.pk).update(
                dni=anonymous_dni(profile.pk),
                first_names=ANONYMOUS_FIRST_NAMES,
                last_names=ANONYMOUS_LAST_NAMES,
                phone="",
                anonymised_at=now,
            )
    return len(ids)


def enrollment_mark_left(
    *, enrollment: Enrollment, left_at: datetime | None = None, undo: bool = False
) -> Enrollment:
    """Records that the student left this course (or, with undo, that they came back). A student
    already anonymised cannot come back: their account is gone."""
    with transaction.atomic():
        locked = (
            Enrollment.objects.select_for_update(of=("self",))
            .select_related("student")
            .get(pk=enrollment.pk)
        )
        if locked.student.anonymised_at is not None:
            raise ConflictError(
                "Los datos de este estudiante ya se anonimizaron; matricúlelo de nuevo como "
                "estudiante nuevo.",
                code="student_anonymised",
            )
        locked.left_at = None if undo else (left_at or timezone.now())
        locked.save(update_fields=["left_at"])
    return locked
