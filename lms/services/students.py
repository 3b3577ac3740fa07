"""Students: the CSV import and its jobs, initial passwords, enrolment."""

import logging
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import roles
from core.errors import ValidationFailed
from core.jobs import Job
from lms.models import (
    CoursePage,
    Enrollment,
    StudentImportJob,
    StudentProfile,
)
from lms.services.progress import lesson_stats_membership_change
from lms.students import RowError, StudentRow, students_csv_parse

logger = logging.getLogger(__name__)


MAX_IMPORT_BYTES = 2 * 1024 * 1024
IMPORT_STUDENTS_JOB = Job(name="lms.import_students", queue="short")


# Easy to read aloud and to type on a phone keyboard: no accents, no look-alike characters.
PASSWORD_WORDS = [
    "arbol", "campo", "cerro", "cielo", "flor", "lago", "luna", "maiz", "mesa", "nube", "palta",
    "papa", "queso", "rio", "sol", "trigo", "vaca", "llama", "pino", "loro", "mango", "nido",
    "olla", "pan", "piedra", "puente", "rosa", "sapo", "tuna", "yuca",
]  # fmt: skip


def password_generate() -> str:
    """An initial password a coach can dictate: two words and three digits, e.g. "lunacerro482"."""
    first, second = secrets.choice(PASSWORD_WORDS), secrets.choice(PASSWORD_WORDS)
    return f"{first}{second}{secrets.randbelow(900) + 100}"


@dataclass
class ImportResult:
    total: int = 0
    errors: list[RowError] = field(default_factory=list)
    created: list[dict] = field(default_factory=list)  # roster: dni, names, district, password
    updated: int = 0
    enrolled: int = 0
    unchanged: int = 0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Plan:
    new: list[StudentRow] = field(default_factory=list)
    changed: list[tuple[StudentProfile, StudentRow]] = field(default_factory=list)
    to_enroll: list[StudentRow] = field(default_factory=list)
    rejoin: list[str] = field(default_factory=list)  # DNIs whose departure is undone
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


def _profile_differs(profile: StudentProfile, row: StudentRow) -> bool:
    return (profile.first_names, profile.last_names, profile.district, profile.zone) != (
        row.first_names,
        row.last_names,
        row.district,
        row.zone,
    ) or (row.phone and profile.phone != row.phone)


def _plan(
    *, course: CoursePage, rows: list[StudentRow], visible_course_ids: list[int] | None = None
) -> _Plan:
    """What the rows mean against what is stored (bulk reads: a few queries for any size).
    With `visible_course_ids` (a coach's courses), a known student enrolled in none of them is
    an error: the import would otherwise rewrite, and hand over, someone else's student."""
    plan = _Plan()
    dnis = [r.dni for r in rows]
    profiles = {p.dni: p for p in StudentProfile.objects.filter(dni__in=dnis)}
    visible = None
    if visible_course_ids is not None and profiles:
        visible = set(
            Enrollment.objects.filter(
                student__dni__in=list(profiles), course_id__in=visible_course_ids
            ).values_list("student__dni", flat=True)
        )
    User = get_user_model()
    users_without_profile = set(
        User.objects.filter(username__in=dnis, student_profile__isnull=True).values_list(
            "username", flat=True
        )
    )
    enrolled, left = set(), set()
    for dni, left_at in Enrollment.objects.filter(course=course, student__dni__in=dnis).values_list(
        "student__dni", "left_at"
    ):
        (left if left_at else enrolled).add(dni)
    for row in rows:
        if row.dni in users_without_profile:
            plan.errors.append(
                RowError(
                    row.row,
                    "dni",
                    f"El DNI {row.dni} ya es el usuario de una cuenta que no es de estudiante. "
                    "Consulte a la administración.",
                )
            )
            continue
        profile = profiles.get(row.dni)
        if profile is None:
            plan.new.append(row)
            plan.to_enroll.append(row)
            continue
        if visible is not None and row.dni not in visible:
            plan.errors.append(
                RowError(
                    row.row,
                    "dni",
                    f"El DNI {row.dni} es de un estudiante de otro curso que usted no coordina. "
                    "Pida a la administración que lo inscriba.",
                )
            )
            continue
        touched = False
        if _profile_differs(profile, row):
            plan.changed.append((profile, row))
            touched = True
        if row.dni in left:  # back in the course: their departure no longer counts
            plan.rejoin.append(row.dni)
            touched = True
        elif row.dni not in enrolled:
            plan.to_enroll.append(row)
            touched = True
        if not touched:
            plan.unchanged += 1
    return plan


def students_import(
    *,
    course: CoursePage,
    content: bytes,
    dry_run: bool = False,
    progress: Callable[[int, str], None] | None = None,
    finalize: Callable[[ImportResult], None] | None = None,
    visible_course_ids: list[int] | None = None,
) -> ImportResult:
    """Imports a students CSV into a course, all or nothing. `visible_course_ids`: the courses
    of the coach who imports (None: every course); see _plan.

    Every row is validated first; any error imports nothing. New students get a user named by
    their DNI, an initial password (returned once in `created`, never stored in clear) and an
    enrolment; known students are updated where the file differs and enrolled if they were
    not; so importing the same file again changes nothing. Passwords are hashed before the
    write transaction (it is the slow part: `progress(percent, phase)` reports it), and
    `finalize(result)` runs inside that transaction, so a job row records the outcome together
    with the students or not at all."""
    report = progress or (lambda percent, phase: None)
    report(1, "Revisando las filas")
    result, plan = _import_checked(
        course=course, content=content, dry_run=dry_run, visible_course_ids=visible_course_ids
    )
    if result.errors:
        _import_finalize(finalize, result)
        return result
    if dry_run:
        result.created = [
            {"dni": r.dni, "first_names": r.first_names, "last_names": r.last_names}
            for r in plan.new
        ]
        _import_finalize(finalize, result)
        return result

    passwords = _passwords_make(plan.new, report)
    report(96, "Guardando")
    try:
        with transaction.atomic():
            _import_write(course=course, plan=plan, passwords=passwords)
            result.created = _import_roster(plan.new, passwords)
            if finalize:
                finalize(result)
    except IntegrityError:
        _import_race_lost(result)
        _import_finalize(finalize, result)
    report(100, "Terminado")
    return result


def _import_checked(
    *,
    course: CoursePage,
    content: bytes,
    dry_run: bool,
    visible_course_ids: list[int] | None,
) -> tuple[ImportResult, _Plan]:
    """Parses the file and plans it against what is stored: the result carries every error of
    both, sorted by row and column, counts the file's rows (those that failed to parse too) and,
    when there is no error, what the import changes."""
    parsed = students_csv_parse(content=content)
    result = ImportResult(total=len(parsed.rows), dry_run=dry_run)
    result.errors = list(parsed.errors)
    plan = _plan(course=course, rows=parsed.rows, visible_course_ids=visible_course_ids)
    result.errors.extend(plan.errors)
    result.errors.sort(key=lambda e: (e.row, e.column))
    result.total = len(parsed.rows) + len({e.row for e in parsed.errors if e.row > 1})
    if not result.errors:
        result.updated = len(plan.changed)
        result.enrolled = len(plan.to_enroll) + len(plan.rejoin)
        result.unchanged = plan.unchanged
    return result, plan


def _import_roster(rows: list[StudentRow], passwords: dict[str, tuple[str, str]]) -> list[dict]:
    """The new students with their initial passwords in clear: shown once, never stored."""
    return [
        {
            "dni": row.dni,
            "first_names": row.first_names,
            "last_names": row.last_names,
            "district": row.district,
            "password": passwords[row.dni][0],
        }
        for row in rows
    ]


def _import_race_lost(result: ImportResult) -> None:
    """Another import (or a coach) created one of these students meanwhile: nothing was
    written; running the import again sorts the rows out."""
    result.created = []
    result.updated = result.enrolled = result.unchanged = 0
    result.errors = [
        RowError(
            0,
            "",
            "Otra importación guardó algunos de estos estudiantes al mismo tiempo. No se "
            "importó nada: vuelva a importar el archivo.",
        )
    ]


def _import_finalize(finalize: Callable[[ImportResult], None] | None, result: ImportResult) -> None:
    """Records an import that writes no student (errors, a dry run, a race lost)."""
    if finalize:
        with transaction.atomic():
            finalize(result)


def _passwords_make(
    rows: list[StudentRow], report: Callable[[int, str], None]
) -> dict[str, tuple[str, str]]:
    """DNI -> (initial password, its hash), for each new student; reports 5 % to 95 %."""
    report(5, "Creando las contraseñas iniciales")
    passwords: dict[str, tuple[str, str]] = {}
    step = max(1, len(rows) // 50)
    for i, row in enumerate(rows, start=1):
        raw = password_generate()
        passwords[row.dni] = (raw, make_password(raw))
        if i % step == 0:
            report(5 + int(90 * i / len(rows)), "Creando las contraseñas iniciales")
    return passwords


def _import_write(
    *, course: CoursePage, plan: _Plan, passwords: dict[str, tuple[str, str]]
) -> None:
    """Writes the plan: new students, changed profiles, enrolments. Runs inside the import's
    transaction; an IntegrityError means another writer got there first."""
    by_username = _student_users_create(plan.new, passwords)
    StudentProfile.objects.bulk_create(
        [
            StudentProfile(
                user=by_username[row.dni],
                dni=row.dni,
                first_names=row.first_names,
                last_names=row.last_names,
                district=row.district,
                zone=row.zone,
                phone=row.phone,
            )
            for row in plan.new
        ]
    )
    for profile, row in plan.changed:
        profile.first_names = row.first_names
        profile.last_names = row.last_names
        profile.district = row.district
        profile.zone = row.zone
        if row.phone:
            profile.phone = row.phone
    StudentProfile.objects.bulk_update(
        [p for p, _ in plan.changed],
        ["first_names", "last_names", "district", "zone", "phone"],
    )
    _import_enrol(course=course, plan=plan)


def _student_users_create(rows: list[StudentRow], passwords: dict[str, tuple[str, str]]) -> dict:
    """Creates a user in the students group for each new row; returns them by username (DNI)."""
    User = get_user_model()
    students_group = Group.objects.get(name=roles.STUDENTS)
    users = User.objects.bulk_create(
        [
            User(
                username=row.dni,
                first_name=row.first_names[:150],
                last_name=row.last_names[:150],
                password=passwords[row.dni][1],
            )
            for row in rows
        ]
    )
    by_username = {u.username: u for u in users}
    if any(u.pk is None for u in users):  # backends without RETURNING
        by_username = {u.username: u for u in User.objects.filter(username__in=list(by_username))}
    User.groups.through.objects.bulk_create(
        [
            User.groups.through(user_id=u.pk, group_id=students_group.pk)
            for u in by_username.values()
        ]
    )
    return by_username


def _import_enrol(*, course: CoursePage, plan: _Plan) -> None:
    """Enrols the plan's students not in the course yet and takes those coming back in again."""
    profile_ids = dict(
        StudentProfile.objects.filter(dni__in=[r.dni for r in plan.to_enroll]).values_list(
            "dni", "pk"
        )
    )
    Enrollment.objects.bulk_create(
        [Enrollment(student_id=profile_ids[r.dni], course=course) for r in plan.to_enroll]
    )
    if plan.rejoin:
        # locked first, as progress_events_record locks them: back in the counters too
        returning = list(
            StudentProfile.objects.select_for_update().filter(dni__in=plan.rejoin).order_by("pk")
        )
        Enrollment.objects.filter(course=course, student__in=returning).update(left_at=None)
        for back in returning:
            lesson_stats_membership_change(student=back, course_id=course.pk, joined=True)


def student_import_job_create(
    *,
    course: CoursePage,
    content: bytes,
    filename: str,
    user,
    dry_run: bool = False,
    consent_confirmed: bool = False,
) -> StudentImportJob:
    """Stores the upload and queues its import on the `short` queue."""
    if not content:
        raise ValidationFailed(
            "El archivo está vacío.",
            errors=[{"field": "file", "message": "El archivo está vacío."}],
        )
    if len(content) > MAX_IMPORT_BYTES:
        message = "El archivo pesa más de 2 MB; divídalo en partes."
        raise ValidationFailed(message, errors=[{"field": "file", "message": message}])
    with transaction.atomic():
        job = StudentImportJob.objects.create(
            course=course,
            created_by=user,
            content=content,
            original_filename=filename[:255],
            dry_run=dry_run,
            consent_confirmed=consent_confirmed,
            phase="En cola",
        )
    transaction.on_commit(lambda: IMPORT_STUDENTS_JOB.send(job.pk))
    return job


class _Superseded(Exception):
    """Another run took the import job over (the sweeper re-queued it)."""


def _importer_course_ids(job: StudentImportJob) -> list[int] | None:
    """The courses the job's author coaches (None: every course); no author left: none."""
    from lms.selectors import coach_course_ids

    if job.created_by is None:
        return []
    return coach_course_ids(user=job.created_by)


def student_import_job_run(*, job_id: int) -> None:
    """Runs a queued import job. Idempotent: a finished job is left alone, and a job whose
    worker died before its final transaction simply starts again. Each run takes the job with
    a fresh token; only the run holding it may write the outcome, in the same transaction as
    the students, so two runs never both create them."""
    token = uuid.uuid4().hex
    with transaction.atomic():
        job = (
            StudentImportJob.objects.select_for_update(of=("self",))
            .select_related("course", "created_by")
            .filter(pk=job_id)
            .first()
        )
        if job is None or job.finished:
            return
        StudentImportJob.objects.filter(pk=job.pk).update(
            status=StudentImportJob.Status.RUNNING,
            heartbeat_at=timezone.now(),
            progress=0,
            run_token=token,
        )
    content = bytes(job.content)

    def progress(percent: int, phase: str) -> None:
        StudentImportJob.objects.filter(pk=job.pk, run_token=token).update(
            progress=percent, phase=phase, heartbeat_at=timezone.now()
        )

    def finalize(result: ImportResult) -> None:
        if not (
            StudentImportJob.objects.select_for_update()
            .filter(pk=job.pk, run_token=token, finished_at__isnull=True)
            .exists()
        ):
            raise _Superseded
        job.run_token = token
        job.status = StudentImportJob.Status.DONE if result.ok else StudentImportJob.Status.REJECTED
        job.total_rows = result.total
        job.errors = [e.as_dict() for e in result.errors]
        job.created_count = len(result.created)
        job.updated_count = result.updated
        job.enrolled_count = result.enrolled
        job.unchanged_count = result.unchanged
        job.roster = result.created if (result.ok and not result.dry_run) else []
        job.progress = 100
        job.phase = "Terminado" if result.ok else "Rechazado"
        job.finished_at = timezone.now()
        job.content = b""
        job.save()

    try:
        students_import(
            course=job.course,
            content=content,
            dry_run=job.dry_run,
            progress=progress,
            finalize=finalize,
            visible_course_ids=_importer_course_ids(job),
        )
    except _Superseded:
        logger.info("students import %s was taken over by another run", job.pk)
    except Exception:
        logger.exception("students import %s failed", job.pk)
        StudentImportJob.objects.filter(pk=job.pk, run_token=token).update(
            status=StudentImportJob.Status.FAILED,
            phase="Falló",
            errors=[
                {
                    "row": 0,
                    "column": "",
                    "message": "La importación falló por un error interno; no se importó nada. "
                    "Intente de nuevo o avise a soporte.",
                }
            ],
            finished_at=timezone.now(),
            content=b"",
        )
        raise


def student_import_roster_take(*, job: StudentImportJob) -> list[dict]:
    """The new students' initial passwords, shown once: they are erased as they are read."""
    with transaction.atomic():
        locked = StudentImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.roster_shown_at is not None:
            return []
        roster = list(locked.roster)
        locked.roster = []
        locked.roster_shown_at = timezone.now()
        locked.save(update_fields=["roster", "roster_shown_at"])
    return roster


def stale_import_jobs_requeue(*, older_than: timedelta = timedelta(minutes=3)) -> list[int]:
    """Re-queues jobs whose worker went silent (the filesystem broker never redelivers)."""
    limit = timezone.now() - older_than
    stale = list(
        StudentImportJob.objects.filter(
            status__in=[StudentImportJob.Status.QUEUED, StudentImportJob.Status.RUNNING],
            created_at__lt=limit,
        )
        .exclude(heartbeat_at__gte=limit)
        .values_list("pk", flat=True)
    )
    for job_id in stale:
        StudentImportJob.objects.filter(pk=job_id).update(heartbeat_at=timezone.now())
        transaction.on_commit(lambda job_id=job_id: IMPORT_STUDENTS_JOB.send(job_id))
    return stale


def student_password_reset(*, student: StudentProfile) -> str:
    """Gives the student a new password and returns it (shown once, on a printable card). The
    old password stops at once, and so does whoever was using it: Django ends sessions whose
    password hash changed, and the student's API tokens are revoked here."""
    from core.models import ApiToken

    raw = password_generate()
    with transaction.atomic():
        user = student.user
        user.set_password(raw)
        user.save(update_fields=["password"])
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    return raw


def student_enroll(*, student: StudentProfile, course: CoursePage) -> Enrollment:
    enrollment, _ = Enrollment.objects.get_or_create(student=student, course=course)
    return enrollment
