"""Every write of the LMS: students and their import, passwords, the course's workflow and
permissions, downloads and the "Descargar todo" bundles."""

import hashlib
import json
import logging
import secrets
import tempfile
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from celery import current_app
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from wagtail.models import (
    GroupApprovalTask,
    GroupPagePermission,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from core import roles
from core.errors import ConflictError, ValidationFailed
from lms.hooks import lessons_first_aired
from lms.models import (
    Certificate,
    CoursePage,
    Enrollment,
    LessonBundle,
    LessonDownload,
    LessonMediaAsset,
    LessonPage,
    LessonProgress,
    LessonStats,
    ProgressEvent,
    QuizAttempt,
    QuizQuestion,
    StudentActivity,
    StudentImportJob,
    StudentProfile,
)
from lms.selectors import current_enrollments, district_sizes_key
from lms.students import RowError, StudentRow, students_csv_parse

logger = logging.getLogger(__name__)

# lms.tasks imports this module, so its tasks are queued here by name, on the queue each declares.
IMPORT_STUDENTS_TASK = ("lms.import_students", "short")
BUILD_LESSON_BUNDLES_TASK = ("lms.build_lesson_bundles", "media")


def _task_queue(task: tuple[str, str], *args) -> None:
    """Sends the task (name, queue) to the broker; call it from transaction.on_commit."""
    name, queue = task
    current_app.send_task(name, args=args, queue=queue)


MAX_IMPORT_BYTES = 2 * 1024 * 1024
WORKFLOW_NAME = "Validación de lecciones"
TASK_NAME = "Aprobación de la Región de Educación"
# Wagtail page permissions granted on each course (and so on its units and lessons).
COURSE_PAGE_PERMISSIONS: dict[str, list[str]] = {
    roles.PRESENTERS: ["add_page", "change_page"],  # edit and submit, never publish
    roles.VALIDATORS: ["change_page", "publish_page"],
}

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


# --- students -----------------------------------------------------------------------------------
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
    parsed = students_csv_parse(content=content)
    result = ImportResult(total=len(parsed.rows), dry_run=dry_run)
    result.errors = list(parsed.errors)
    plan = _plan(course=course, rows=parsed.rows, visible_course_ids=visible_course_ids)
    result.errors.extend(plan.errors)
    result.errors.sort(key=lambda e: (e.row, e.column))
    result.total = len(parsed.rows) + len({e.row for e in parsed.errors if e.row > 1})
    if result.errors:
        if finalize:
            with transaction.atomic():
                finalize(result)
        return result
    result.updated = len(plan.changed)
    result.enrolled = len(plan.to_enroll) + len(plan.rejoin)
    result.unchanged = plan.unchanged
    if dry_run:
        result.created = [
            {"dni": r.dni, "first_names": r.first_names, "last_names": r.last_names}
            for r in plan.new
        ]
        if finalize:
            with transaction.atomic():
                finalize(result)
        return result

    report(5, "Creando las contraseñas iniciales")
    passwords: dict[str, tuple[str, str]] = {}
    step = max(1, len(plan.new) // 50)
    for i, row in enumerate(plan.new, start=1):
        raw = password_generate()
        passwords[row.dni] = (raw, make_password(raw))
        if i % step == 0:
            report(5 + int(90 * i / len(plan.new)), "Creando las contraseñas iniciales")
    report(96, "Guardando")

    User = get_user_model()
    students_group = Group.objects.get(name=roles.STUDENTS)
    try:
        with transaction.atomic():
            users = User.objects.bulk_create(
                [
                    User(
                        username=row.dni,
                        first_name=row.first_names[:150],
                        last_name=row.last_names[:150],
                        password=passwords[row.dni][1],
                    )
                    for row in plan.new
                ]
            )
            by_username = {u.username: u for u in users}
            if any(u.pk is None for u in users):  # backends without RETURNING
                by_username = {
                    u.username: u for u in User.objects.filter(username__in=list(by_username))
                }
            User.groups.through.objects.bulk_create(
                [
                    User.groups.through(user_id=u.pk, group_id=students_group.pk)
                    for u in by_username.values()
                ]
            )
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
                    StudentProfile.objects.select_for_update()
                    .filter(dni__in=plan.rejoin)
                    .order_by("pk")
                )
                Enrollment.objects.filter(course=course, student__in=returning).update(left_at=None)
                for back in returning:
                    lesson_stats_membership_change(student=back, course_id=course.pk, joined=True)
            result.created = [
                {
                    "dni": row.dni,
                    "first_names": row.first_names,
                    "last_names": row.last_names,
                    "district": row.district,
                    "password": passwords[row.dni][0],
                }
                for row in plan.new
            ]
            if finalize:
                finalize(result)
    except IntegrityError:
        # Another import (or a coach) created one of these students meanwhile: nothing was
        # written; running the import again sorts the rows out.
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
        if finalize:
            with transaction.atomic():
                finalize(result)
    report(100, "Terminado")
    return result


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
    transaction.on_commit(lambda: _task_queue(IMPORT_STUDENTS_TASK, job.pk))
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
        transaction.on_commit(lambda job_id=job_id: _task_queue(IMPORT_STUDENTS_TASK, job_id))
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


# --- the course's workflow and page permissions -------------------------------------------------
def lesson_workflow_get() -> Workflow:
    """The lesson-validation workflow (a data migration creates it; this restores it if an
    administrator deleted it)."""
    with transaction.atomic():
        workflow = Workflow.objects.filter(name=WORKFLOW_NAME).first()
        if workflow is None:
            workflow = Workflow.objects.create(name=WORKFLOW_NAME, active=True)
        # WorkflowTask through its own manager: workflow.workflow_tasks is modelcluster's
        # deferring manager, whose create() would stay in memory.
        if not WorkflowTask.objects.filter(workflow=workflow).exists():
            task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
            if task is None:
                task = GroupApprovalTask.objects.create(name=TASK_NAME, active=True)
                task.groups.add(Group.objects.get_or_create(name=roles.VALIDATORS)[0])
            WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    return workflow


def course_workflow_ensure(*, course: CoursePage) -> None:
    """Attaches the validation workflow and the roles' page permissions to a course, so its
    lessons inherit both: presenters add and edit lessons and submit them; only Validación
    approves (which publishes) or publishes."""
    from django.contrib.auth.models import Permission
    from wagtail.models import get_default_page_content_type

    with transaction.atomic():
        WorkflowPage.objects.get_or_create(
            page=course, defaults={"workflow": lesson_workflow_get()}
        )
        content_type = get_default_page_content_type()
        for group_name, codenames in COURSE_PAGE_PERMISSIONS.items():
            group, _ = Group.objects.get_or_create(name=group_name)
            for permission in Permission.objects.filter(
                content_type=content_type, codename__in=codenames
            ):
                GroupPagePermission.objects.get_or_create(
                    group=group, page=course, permission=permission
                )


# --- downloads and bundles ----------------------------------------------------------------------
def lesson_download_record(
    *,
    student: StudentProfile,
    lesson: LessonPage,
    rendition=None,
    document=None,
    bundle: LessonBundle | None = None,
    range_start: int = 0,
) -> LessonDownload:
    """One row per download request (a resumed download is a request of its own, with the byte
    it resumes from)."""
    if sum(x is not None for x in (rendition, document, bundle)) != 1:
        raise ValueError("exactly one of rendition, document or bundle")
    return LessonDownload.objects.create(
        student=student,
        lesson=lesson,
        rendition=rendition,
        document=document,
        bundle=bundle,
        range_start=max(0, range_start),
    )


def _sha256_of(fieldfile) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with fieldfile.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def lesson_bundles_build(*, lesson_id: int) -> list[LessonBundle]:
    """Builds (or rebuilds, when the inputs changed) one zip per profile for a lesson whose media
    assets are all ready. Idempotent: a bundle whose inputs did not change is left alone. Media
    is stored uncompressed in the zip (it is compressed already); the manifest lists each file's
    name, size and sha256 and travels inside the zip as manifest.json."""
    from lms.selectors import lesson_bundle_inputs

    lesson = LessonPage.objects.filter(pk=lesson_id).first()
    if lesson is None:
        return []
    inputs = lesson_bundle_inputs(lesson=lesson)
    if inputs is None:  # some asset is still being processed: its "ready" will queue us again
        return []
    built = []
    for profile, files in inputs.items():
        signature = hashlib.sha256(
            json.dumps([(f["name"], f["fingerprint"]) for f in files]).encode()
        ).hexdigest()
        existing = LessonBundle.objects.filter(lesson=lesson, profile=profile).first()
        if (
            existing
            and existing.signature == signature
            and existing.status == LessonBundle.Status.READY
        ):
            continue
        bundle, _ = LessonBundle.objects.update_or_create(
            lesson=lesson,
            profile=profile,
            defaults={"status": LessonBundle.Status.BUILDING, "error_message": ""},
        )
        try:
            built.append(
                _bundle_write(lesson=lesson, bundle=bundle, files=files, signature=signature)
            )
        except Exception as exc:
            logger.exception("bundle %s of lesson %s failed", profile, lesson.pk)
            LessonBundle.objects.filter(pk=bundle.pk).update(
                status=LessonBundle.Status.FAILED, error_message=str(exc)[:2000]
            )
    # a profile that no longer has files (an asset was removed) loses its bundle
    stale = LessonBundle.objects.filter(lesson=lesson).exclude(profile__in=list(inputs))
    for bundle in stale:
        if bundle.file:
            bundle.file.delete(save=False)
        bundle.delete()
    return built


def _bundle_write(
    *, lesson: LessonPage, bundle: LessonBundle, files: list[dict], signature: str
) -> LessonBundle:
    profile = bundle.profile
    manifest = []
    with tempfile.TemporaryFile() as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
            for item in files:
                digest = hashlib.sha256()
                size = 0
                large = (item.get("size") or 0) > 2**31 - 2**24
                with (
                    item["file"].open("rb") as source,
                    zf.open(item["name"], "w", force_zip64=large) as target,
                ):
                    for chunk in iter(lambda source=source: source.read(1024 * 1024), b""):
                        digest.update(chunk)
                        size += len(chunk)
                        target.write(chunk)
                manifest.append(
                    {"name": item["name"], "size_bytes": size, "sha256": digest.hexdigest()}
                )
            zf.writestr(
                "manifest.json", json.dumps({"files": manifest}, ensure_ascii=False, indent=2)
            )
        tmp.seek(0)
        digest = hashlib.sha256()
        for chunk in iter(lambda: tmp.read(1024 * 1024), b""):
            digest.update(chunk)
        size = tmp.tell()
        tmp.seek(0)
        with transaction.atomic():
            locked = LessonBundle.objects.select_for_update().get(pk=bundle.pk)
            old_name = locked.file.name if locked.file else ""
            locked.file.save(
                f"leccion-{lesson.episode_number}-{profile}.zip", File(tmp), save=False
            )
            locked.size_bytes = size
            locked.sha256 = digest.hexdigest()
            locked.manifest = manifest
            locked.signature = signature
            locked.status = LessonBundle.Status.READY
            locked.built_at = timezone.now()
            locked.save()
        if old_name and old_name != locked.file.name:
            locked.file.storage.delete(old_name)
    return locked


def lesson_bundles_queue(*, lesson_ids: list[int]) -> None:
    for lesson_id in set(lesson_ids):
        transaction.on_commit(
            lambda lesson_id=lesson_id: _task_queue(BUILD_LESSON_BUNDLES_TASK, lesson_id)
        )


def lesson_course_refresh(*, lesson: LessonPage) -> None:
    """Re-reads the lesson's course from the tree (after a move)."""
    lesson.refresh_from_db(fields=["path", "depth"])
    course = CoursePage.objects.filter(
        path=lesson.path[: lesson.steplen * (lesson.depth - 2)]
    ).first()
    try:
        with transaction.atomic():
            LessonPage.objects.filter(pk=lesson.pk).update(course=course)
    except IntegrityError as exc:
        raise ConflictError(
            "La lección que movió usa un código del día que ya existe en el curso de destino."
        ) from exc


def lesson_bundles_missing_queue() -> list[int]:
    """Queues the lessons whose assets are all ready but lack a ready bundle for some profile
    (three queries for the whole site)."""
    from media_pipeline.models import MediaAsset, Rendition
    from media_pipeline.profiles import POSTER, PROFILES

    links = list(LessonMediaAsset.objects.values_list("lesson_id", "asset_id", "asset__status"))
    asset_ids = {asset_id for _, asset_id, _ in links}
    profiles_by_asset: dict[int, set[str]] = {}
    for asset_id, profile in (
        Rendition.objects.filter(asset_id__in=asset_ids)
        .exclude(profile=POSTER)
        .values_list("asset_id", "profile")
    ):
        if profile in PROFILES:
            profiles_by_asset.setdefault(asset_id, set()).add(profile)
    expected: dict[int, set[str]] = {}
    not_ready: set[int] = set()
    for lesson_id, asset_id, status in links:
        if status != MediaAsset.Status.READY:
            not_ready.add(lesson_id)
        expected.setdefault(lesson_id, set()).update(profiles_by_asset.get(asset_id, set()))
    ready: dict[int, set[str]] = {}
    for lesson_id, profile in LessonBundle.objects.filter(
        status=LessonBundle.Status.READY
    ).values_list("lesson_id", "profile"):
        ready.setdefault(lesson_id, set()).add(profile)
    missing = [
        lesson_id
        for lesson_id, profiles in expected.items()
        if lesson_id not in not_ready and profiles - ready.get(lesson_id, set())
    ]
    lesson_bundles_queue(lesson_ids=missing)
    return missing


# --- progress: events, summaries, counters, completion, certificates -----------------------------
DOWNLOAD_EVENT_NAMESPACE = uuid.UUID("6d1f2a4e-3c55-4f7b-9a52-0e8f6f1b7c21")
MAX_WATCHED_DELTA_SECONDS = 120.0  # a client reports every few seconds; more is not credible
CLOCK_SKEW = timedelta(minutes=10)


@dataclass
class ProgressEventIn:
    """One event as the client sent it, already checked by the API schema."""

    id: uuid.UUID
    lesson: int
    type: str
    at: datetime
    position_seconds: float | None = None
    duration_seconds: float | None = None
    watched_seconds: float | None = None
    rendition: int | None = None
    code: str | None = None
    answers: list[int] | None = None


@dataclass
class ProgressOutcome:
    summaries: list[LessonProgress]
    stored: int = 0
    duplicates: int = 0
    wrong_codes: int = 0


# flag name on LessonStats -> how to tell it from a summary
_STAT_FLAGS: dict[str, Callable[[LessonProgress], bool]] = {
    "started": lambda p: p.state != LessonProgress.State.NOT_STARTED,
    "web": lambda p: p.web_at is not None,
    "downloaded": lambda p: p.downloaded_at is not None,
    "tv": lambda p: p.tv_checkin_at is not None,
    "completed": lambda p: p.state == LessonProgress.State.COMPLETED,
}


def _flags(progress: LessonProgress) -> dict[str, bool]:
    return {name: test(progress) for name, test in _STAT_FLAGS.items()}


def _earliest(current, candidate):
    return candidate if current is None or candidate < current else current


def quiz_grade(*, questions: list[QuizQuestion], answers: list[int]) -> int:
    """Percent of right answers (answers are 1-based choice numbers in question order)."""
    if not questions:
        return 0
    right = sum(1 for q, a in zip(questions, answers, strict=False) if a == q.correct_choice)
    return round(100 * right / len(questions))


def progress_completed(*, progress: LessonProgress, course: CoursePage, has_quiz: bool) -> bool:
    """The course's completion rule: watched enough (or, when the course allows it, seen on TV),
    and the quiz passed when the lesson has one and the course asks for it."""
    watched = progress.percent_watched >= course.completion_min_percent
    on_tv = course.completion_tv_counts and progress.tv_checkin_at is not None
    if not (watched or on_tv):
        return False
    return not (has_quiz and course.completion_quiz_required and not progress.quiz_passed)


def _event_invalid(
    index: int, field_name: str, message: str
) -> ValidationFailed:  # names the event by its position and id
    return ValidationFailed(
        f"El evento {index + 1} del lote no es válido: {message} No se guardó ningún evento.",
        errors=[{"field": f"events.{index}.{field_name}", "message": message}],
    )


def progress_events_record(
    *, student: StudentProfile, events: list[ProgressEventIn], now=None
) -> ProgressOutcome:
    """Stores a batch of events and brings the summaries, counters, the student's last activity,
    course completion and certificates up to date, all in one transaction.

    Idempotent (an event id already stored is skipped) and order-free (every summary field is a
    max, a min or a sum of new events). Any malformed event rejects the whole batch with a 422
    naming it, before anything is written."""
    now = now or timezone.now()
    lesson_ids = {e.lesson for e in events}
    lessons = {
        lesson.pk: lesson
        for lesson in LessonPage.objects.live()
        .filter(pk__in=lesson_ids, course__enrollments__student=student)
        .select_related("course")
        .only("id", "title", "episode_number", "on_air_code", "quiz_pass_percent", "course")
    }
    questions: dict[int, list[QuizQuestion]] = {}
    for question in QuizQuestion.objects.filter(lesson_id__in=lessons).order_by("sort_order"):
        questions.setdefault(question.lesson_id, []).append(question)
    rendition_ids = {e.rendition for e in events if e.rendition is not None}
    lesson_renditions = set(
        LessonMediaAsset.objects.filter(
            lesson_id__in=lessons, asset__renditions__pk__in=rendition_ids
        ).values_list("lesson_id", "asset__renditions__pk")
    )
    for i, event in enumerate(events):
        if event.lesson not in lessons:
            raise _event_invalid(
                i, "lesson", "la lección no existe o usted no está inscrito en su curso."
            )
        if event.at > now + CLOCK_SKEW:
            raise _event_invalid(i, "at", "la fecha está en el futuro.")
        if (
            event.type == "download"
            and event.rendition is not None
            and (event.lesson, event.rendition) not in lesson_renditions
        ):
            raise _event_invalid(i, "rendition", "esa descarga no es de esta lección.")
        if event.type == "quiz":
            qs = questions.get(event.lesson, [])
            if not qs:
                raise _event_invalid(i, "answers", "esta lección no tiene cuestionario.")
            if len(event.answers or []) != len(qs):
                raise _event_invalid(
                    i, "answers", f"se esperaban {len(qs)} respuestas, una por pregunta."
                )
            for q, answer in zip(qs, event.answers, strict=True):
                if not 1 <= answer <= len(q.choice_list()):
                    raise _event_invalid(i, "answers", "una respuesta no es una opción válida.")

    with transaction.atomic():
        # One batch per student at a time: a retried batch racing its first try counts once.
        StudentProfile.objects.select_for_update().filter(pk=student.pk).first()
        ids = [e.id for e in events]
        seen = set(
            ProgressEvent.objects.filter(event_id__in=ids).values_list("event_id", flat=True)
        )
        outcome = ProgressOutcome(summaries=[])
        fresh: list[ProgressEventIn] = []
        for event in events:
            if event.id in seen:
                outcome.duplicates += 1
                continue
            seen.add(event.id)
            fresh.append(event)
        existing = {
            p.lesson_id: p
            for p in LessonProgress.objects.select_for_update().filter(
                student=student, lesson_id__in=lessons
            )
        }
        if not fresh:
            outcome.summaries = sorted(existing.values(), key=lambda p: p.lesson_id)
            return outcome
        aired = lessons_first_aired([e.lesson for e in fresh if e.type == "tv_checkin"])
        summaries: dict[int, LessonProgress] = {}
        before: dict[int, dict[str, bool]] = {}
        rows: list[ProgressEvent] = []
        attempts: list[QuizAttempt] = []
        for event in fresh:
            progress = summaries.get(event.lesson)
            if progress is None:
                progress = existing.get(event.lesson) or LessonProgress(
                    student=student, lesson_id=event.lesson
                )
                summaries[event.lesson] = progress
                before[event.lesson] = _flags(progress)
            lesson = lessons[event.lesson]
            at = min(event.at, now)
            data: dict = {}
            if event.type == "position":
                position = max(0.0, event.position_seconds or 0.0)
                duration = max(0.0, event.duration_seconds or 0.0)
                watched = min(max(0.0, event.watched_seconds or 0.0), MAX_WATCHED_DELTA_SECONDS)
                data = {"position_seconds": position, "duration_seconds": duration}
                if event.watched_seconds is not None:
                    data["watched_seconds"] = watched
                progress.position_seconds = max(progress.position_seconds, min(position, duration))
                progress.duration_seconds = max(progress.duration_seconds, duration)
                progress.seconds_watched += watched
                if progress.duration_seconds > 0:
                    progress.percent_watched = min(
                        100, round(100 * progress.position_seconds / progress.duration_seconds)
                    )
                progress.web_at = _earliest(progress.web_at, at)
            elif event.type == "download":
                data = {"rendition": event.rendition}
                progress.downloaded_at = _earliest(progress.downloaded_at, at)
            elif event.type == "tv_checkin":
                code = (event.code or "").strip().upper()
                first = aired.get(event.lesson)
                accepted = code == lesson.on_air_code and first is not None and first <= now
                data = {"code": code, "accepted": accepted}
                if accepted:
                    progress.tv_checkin_at = _earliest(progress.tv_checkin_at, max(at, first))
                    progress.tv_code = code
                else:
                    outcome.wrong_codes += 1
            elif event.type == "quiz":
                qs = questions[event.lesson]
                score = quiz_grade(questions=qs, answers=event.answers or [])
                passed = score >= lesson.quiz_pass_percent
                data = {"answers": event.answers, "score": score, "passed": passed}
                attempts.append(
                    QuizAttempt(
                        student=student,
                        lesson_id=event.lesson,
                        answers=event.answers,
                        score=score,
                        passed=passed,
                    )
                )
                progress.quiz_best_score = max(progress.quiz_best_score or 0, score)
                progress.quiz_passed = progress.quiz_passed or passed
            progress.last_activity_at = max(progress.last_activity_at or at, at)
            if progress.state == LessonProgress.State.NOT_STARTED and (
                event.type != "tv_checkin" or data.get("accepted")
            ):
                progress.state = LessonProgress.State.IN_PROGRESS
            rows.append(
                ProgressEvent(
                    event_id=event.id,
                    student=student,
                    lesson_id=event.lesson,
                    type=event.type,
                    at=at,
                    data=data,
                )
            )
        newly_completed: set[int] = set()
        for lesson_id, progress in summaries.items():
            lesson = lessons[lesson_id]
            if progress.state != LessonProgress.State.COMPLETED and progress_completed(
                progress=progress, course=lesson.course, has_quiz=bool(questions.get(lesson_id))
            ):
                progress.state = LessonProgress.State.COMPLETED
                progress.completed_at = now
                newly_completed.add(lesson_id)
        ProgressEvent.objects.bulk_create(rows)
        QuizAttempt.objects.bulk_create(attempts)
        to_create = [p for p in summaries.values() if p.pk is None]
        to_update = [p for p in summaries.values() if p.pk is not None]
        LessonProgress.objects.bulk_create(to_create)
        if to_update:
            LessonProgress.objects.bulk_update(
                to_update,
                [
                    "state",
                    "position_seconds",
                    "duration_seconds",
                    "percent_watched",
                    "seconds_watched",
                    "web_at",
                    "downloaded_at",
                    "tv_checkin_at",
                    "tv_code",
                    "quiz_best_score",
                    "quiz_passed",
                    "completed_at",
                    "last_activity_at",
                ],
            )
        # a student who left a lesson's course keeps their progress, but the course's counters
        # count its current students only
        in_course = set(
            current_enrollments(course_ids=list({lesson.course_id for lesson in lessons.values()}))
            .filter(student=student)
            .values_list("course_id", flat=True)
        )
        _stats_apply(
            student=student,
            changes={
                lid: (before[lid], _flags(p))
                for lid, p in summaries.items()
                if lessons[lid].course_id in in_course
            },
        )
        last = max(p.last_activity_at for p in summaries.values() if p.last_activity_at)
        activity, created = StudentActivity.objects.get_or_create(
            student=student, defaults={"last_activity_at": last}
        )
        if not created and last > activity.last_activity_at:
            StudentActivity.objects.filter(pk=student.pk).update(last_activity_at=last)
        if newly_completed:
            for course in {lessons[lid].course for lid in newly_completed}:
                course_completion_check(student=student, course=course, now=now)
        outcome.stored = len(rows)
        merged = {**existing, **summaries}
        outcome.summaries = sorted(merged.values(), key=lambda p: p.lesson_id)
    return outcome


def _stats_apply(*, student: StudentProfile, changes: dict[int, tuple[dict, dict]]) -> None:
    """Adds each flag a summary gained to its lesson's counters: the whole course ("") and the
    student's district. A summary never loses a flag, so counters only grow while the student
    stays in the course (lesson_stats_membership_change takes them out when they leave)."""
    gained: dict[tuple[str, ...], list[int]] = {}
    for lesson_id, (old, new) in changes.items():
        names = tuple(name for name in _STAT_FLAGS if new[name] and not old[name])
        if names:
            gained.setdefault(names, []).append(lesson_id)
    _stats_add(district=student.district, gained=gained, step=1)


def _stats_add(*, district: str, gained: dict[tuple[str, ...], list[int]], step: int) -> None:
    """Adds `step` (1 or -1) to the named counters of the lessons, for the whole course ("")
    and the district. Lessons with the same flags share one UPDATE, so a batch costs a few
    queries, not a few per lesson."""
    if not gained:
        return
    districts = ["", district] if district else [""]
    touched = sorted({lesson_id for ids in gained.values() for lesson_id in ids})
    LessonStats.objects.bulk_create(
        [LessonStats(lesson_id=lid, district=d) for lid in touched for d in districts],
        ignore_conflicts=True,
    )
    # lock the rows in one fixed order first: concurrent batches cannot deadlock on them
    list(
        LessonStats.objects.select_for_update()
        .filter(lesson_id__in=touched, district__in=districts)
        .order_by("lesson_id", "district")
        .values_list("pk", flat=True)
    )
    for names, ids in sorted(gained.items()):
        LessonStats.objects.filter(lesson_id__in=ids, district__in=districts).update(
            **{name: F(name) + step for name in names}
        )


def lesson_stats_membership_change(
    *, student: StudentProfile, course_id: int, joined: bool
) -> None:
    """The coaches' counters count the students currently in the course
    (lms.selectors.current_enrollments): a student who leaves it, or is moved out of it, takes
    their summaries in its lessons out of them; one who comes back (`joined`) brings them back.
    Precondition: the caller holds the student's row lock in its transaction, as
    progress_events_record does, so no batch of progress falls between the two."""
    gained: dict[tuple[str, ...], list[int]] = {}
    for progress in LessonProgress.objects.filter(student=student, lesson__course_id=course_id):
        names = tuple(name for name, on in _flags(progress).items() if on)
        if names:
            gained.setdefault(names, []).append(progress.lesson_id)
    _stats_add(district=student.district, gained=gained, step=1 if joined else -1)
    key = district_sizes_key(course_id=course_id)
    transaction.on_commit(lambda: cache.delete(key))


def course_completion_check(
    *, student: StudentProfile, course: CoursePage, now=None
) -> Certificate | None:
    """Issues the course certificate once every published lesson of the course is completed."""
    lesson_ids = set(LessonPage.objects.live().filter(course=course).values_list("id", flat=True))
    if not lesson_ids:
        return None
    done = set(
        LessonProgress.objects.filter(
            student=student, lesson_id__in=lesson_ids, state=LessonProgress.State.COMPLETED
        ).values_list("lesson_id", flat=True)
    )
    if done != lesson_ids:
        return None
    certificate = Certificate.objects.filter(student=student, course=course).first()
    if certificate is None:
        certificate = Certificate.objects.create(
            student=student,
            course=course,
            code=certificate_code_new(),
            issued_at=now or timezone.now(),
        )
    return certificate


CERTIFICATE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def certificate_code_new() -> str:
    while True:
        raw = "".join(secrets.choice(CERTIFICATE_ALPHABET) for _ in range(10))
        code = f"{raw[:5]}-{raw[5:]}"
        if not Certificate.objects.filter(code=code).exists():
            return code


def download_progress_record(*, download: LessonDownload) -> None:
    """A download recorded by the download URLs counts as `download` progress (its event id is
    derived from the download's id, so recording it twice counts once)."""
    event = ProgressEventIn(
        id=uuid.uuid5(DOWNLOAD_EVENT_NAMESPACE, f"download:{download.pk}"),
        lesson=download.lesson_id,
        type="download",
        at=download.downloaded_at or timezone.now(),
        rendition=download.rendition_id,
    )
    try:
        progress_events_record(student=download.student, events=[event])
    except ValidationFailed:
        logger.info("download %s not counted as progress (lesson not live)", download.pk)


def tv_checkin_submit(
    *, student: StudentProfile, code: str, lesson: LessonPage | None = None, now=None
) -> tuple[LessonPage | None, str]:
    """A student typed the código del día. Returns (the lesson checked in, "") or (None, why)
    with why in "unknown" (no lesson of their courses has that code), "not_aired" (the code is
    right but the episode has not aired yet) or "other_lesson"."""
    now = now or timezone.now()
    normalized = "".join(code.split()).upper()
    match = (
        LessonPage.objects.live()
        .filter(course__enrollments__student=student, on_air_code=normalized)
        .first()
        if normalized
        else None
    )
    if match is None:
        return None, "unknown"
    if lesson is not None and match.pk != lesson.pk:
        return None, "other_lesson"
    first = lessons_first_aired([match.pk]).get(match.pk)
    if first is None or first > now:
        return None, "not_aired"
    progress_events_record(
        student=student,
        events=[
            ProgressEventIn(
                id=uuid.uuid4(), lesson=match.pk, type="tv_checkin", at=now, code=normalized
            )
        ],
        now=now,
    )
    return match, ""


def quiz_attempt_submit(
    *, student: StudentProfile, lesson: LessonPage, answers: list[int]
) -> QuizAttempt:
    """A quiz answered on the lesson page (a form, no JavaScript needed)."""
    progress_events_record(
        student=student,
        events=[
            ProgressEventIn(
                id=uuid.uuid4(), lesson=lesson.pk, type="quiz", at=timezone.now(), answers=answers
            )
        ],
    )
    return QuizAttempt.objects.filter(student=student, lesson=lesson).order_by("-pk").first()
