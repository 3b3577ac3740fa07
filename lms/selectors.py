"""Every non-trivial read of the LMS. The student pages' queries stay constant in the number of
lessons: each list is one query, never one per lesson."""

import math
import os
from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from core import roles
from lms.models import (
    Certificate,
    CoursePage,
    Enrollment,
    LessonBundle,
    LessonMediaAsset,
    LessonPage,
    LessonProgress,
    LessonStats,
    QuizAttempt,
    QuizQuestion,
    StudentActivity,
    StudentProfile,
    UnitPage,
)
from media_pipeline.models import MediaAsset, Rendition
from media_pipeline.profiles import POSTER, PROFILES, profile_label, profile_slug

STAFF_VIEWERS = (roles.PRESENTERS, roles.VALIDATORS, roles.COACHES)


def size_mb_label(size_bytes: int | None) -> str:
    """A size in MB (1,000,000 bytes, as phone plans count) in Spanish number format, rounded
    up so a student's data budget is never underestimated: "21 MB", "0,3 MB"."""
    if not size_bytes:
        return "0 MB"
    mb = size_bytes / 1_000_000
    if mb >= 10:
        return f"{math.ceil(mb):,} MB".replace(",", ".")
    tenths = math.ceil(mb * 10 - 1e-9) / 10
    return f"{tenths:.1f} MB".replace(".", ",")


def student_profile_for(user) -> StudentProfile | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.student_profile
    except StudentProfile.DoesNotExist:
        return None


def student_is_enrolled(*, student: StudentProfile, course_id: int | None) -> bool:
    return (
        course_id is not None
        and Enrollment.objects.filter(student=student, course_id=course_id).exists()
    )


def lesson_viewer_allowed(*, user, lesson: LessonPage) -> tuple[bool, StudentProfile | None]:
    """(may see the lesson, the student profile if any): enrolled students of the lesson's
    course, and the staff who write, validate or follow the course."""
    student = None
    if getattr(user, "is_authenticated", False):
        # the profile and the enrolment in one query: this runs on every lesson page view
        student = (
            StudentProfile.objects.filter(user=user)
            .annotate(
                enrolled=Exists(
                    Enrollment.objects.filter(student=OuterRef("pk"), course_id=lesson.course_id)
                )
            )
            .first()
        )
    if student is not None and lesson.course_id is not None and student.enrolled:
        return True, student
    return roles.user_has_role(user, *STAFF_VIEWERS), student


@dataclass
class LessonEntry:
    lesson: LessonPage
    unit: UnitPage | None


def student_lessons(*, student: StudentProfile) -> dict:
    """The student's courses with their live lessons in course order, grouped by unit, and the
    latest lesson (the highest episode number) to put first in view. Four queries in all."""
    courses = list(
        CoursePage.objects.live()
        .filter(enrollments__student=student)
        .order_by("path")
        .only("id", "title", "path", "depth", "url_path")
    )
    if not courses:
        return {"courses": [], "latest": None, "lesson_count": 0}
    course_ids = [c.pk for c in courses]
    lessons = list(
        LessonPage.objects.live()
        .public()
        .filter(course_id__in=course_ids)
        .order_by("path")
        .only("id", "title", "path", "depth", "url_path", "episode_number", "summary", "course_id")
    )
    prefix_filter = Q()
    for course in courses:
        prefix_filter |= Q(path__startswith=course.path, depth=course.depth + 1)
    units = {
        u.path: u
        for u in UnitPage.objects.live().filter(prefix_filter).only("id", "title", "path", "number")
    }
    by_course: dict[int, list[dict]] = {c.pk: [] for c in courses}
    unit_groups: dict[str, dict] = {}
    latest = None
    for lesson in lessons:
        unit_path = lesson.path[: lesson.steplen * (lesson.depth - 1)]
        group = unit_groups.get(unit_path)
        if group is None:
            group = {"unit": units.get(unit_path), "lessons": []}
            unit_groups[unit_path] = group
            by_course[lesson.course_id].append(group)
        group["lessons"].append(lesson)
        if latest is None or lesson.episode_number > latest.episode_number:
            latest = lesson
    return {
        "courses": [{"course": c, "units": by_course[c.pk]} for c in courses],
        "latest": latest,
        "lesson_count": len(lessons),
    }


@dataclass
class DownloadItem:
    kind: str  # "rendition", "document" or "bundle"
    label: str  # "Solo audio", "Ficha de trabajo (PDF)"
    size_bytes: int
    url: str
    filename: str
    description: str = ""
    extension: str = ""

    @property
    def size_label(self) -> str:
        return size_mb_label(self.size_bytes)


def _document_extension(document) -> str:
    return os.path.splitext(document.file.name)[1].lstrip(".").lower()


def lesson_documents(*, lesson: LessonPage) -> list:
    """The documents placed in the lesson's body, in order, each once (one query)."""
    seen = set()
    documents = []
    for block in lesson.body:
        document = block.value if block.block_type == "document" else None
        if document is not None and document.pk not in seen:
            seen.add(document.pk)
            documents.append(document)
    return documents


def document_filename(*, lesson: LessonPage, document) -> str:
    ext = _document_extension(document)
    stem = slugify(document.title)[:60] or "documento"
    return f"leccion-{lesson.episode_number}-{stem}" + (f".{ext}" if ext else "")


def _lesson_renditions(*, lesson: LessonPage) -> list[tuple[LessonMediaAsset, list[Rendition]]]:
    links = list(
        LessonMediaAsset.objects.filter(lesson=lesson)
        .select_related("asset")
        .prefetch_related(
            Prefetch(
                "asset__renditions",
                queryset=Rendition.objects.exclude(profile=POSTER).order_by("profile"),
            )
        )
        .order_by("sort_order", "pk")
    )
    result = []
    for link in links:
        renditions = [r for r in link.asset.renditions.all() if r.profile in PROFILES]
        renditions.sort(key=lambda r: PROFILES[r.profile].order)
        result.append((link, renditions))
    return result


def rendition_filenames(*, lesson: LessonPage) -> dict[int, str]:
    """rendition id -> download filename, "leccion-12-solo-audio.m4a" (a second video of the same
    lesson gets "-2", and so on)."""
    names: dict[int, str] = {}
    for position, (_link, renditions) in enumerate(_lesson_renditions(lesson=lesson), start=1):
        suffix = "" if position == 1 else f"-{position}"
        for rendition in renditions:
            profile = PROFILES[rendition.profile]
            names[rendition.pk] = (
                f"leccion-{lesson.episode_number}-{profile_slug(rendition.profile)}{suffix}"
                f".{profile.extension}"
            )
    return names


def bundle_filename(*, lesson: LessonPage, profile: str) -> str:
    return f"leccion-{lesson.episode_number}-todo-{profile_slug(profile)}.zip"


def lesson_downloads_for(*, lesson: LessonPage) -> dict:
    """What the lesson page offers to download, with sizes: each ready rendition of each media
    asset, each document of the body, and the "Descargar todo" bundles. A handful of queries,
    whatever the number of files."""
    pairs = _lesson_renditions(lesson=lesson)
    several = len(pairs) > 1
    media: list[DownloadItem] = []
    processing = []
    for position, (link, renditions) in enumerate(pairs, start=1):
        if link.asset.status != MediaAsset.Status.READY:
            processing.append(link.asset)
            continue
        suffix = "" if position == 1 else f"-{position}"
        for rendition in renditions:
            profile = PROFILES[rendition.profile]
            label = profile.label + (f" · {link.asset.title}" if several else "")
            media.append(
                DownloadItem(
                    kind="rendition",
                    label=label,
                    size_bytes=rendition.size_bytes,
                    url=reverse("lms:download_rendition", args=[lesson.pk, rendition.pk]),
                    filename=(
                        f"leccion-{lesson.episode_number}-{profile_slug(rendition.profile)}"
                        f"{suffix}.{profile.extension}"
                    ),
                    description=profile.description,
                    extension=profile.extension,
                )
            )
    documents = []
    for document in lesson_documents(lesson=lesson):
        ext = _document_extension(document)
        documents.append(
            DownloadItem(
                kind="document",
                label=f"{document.title} ({ext.upper()})" if ext else document.title,
                size_bytes=document.file_size or 0,
                url=reverse("lms:download_document", args=[lesson.pk, document.pk]),
                filename=document_filename(lesson=lesson, document=document),
                extension=ext,
            )
        )
    bundles = []
    for bundle in LessonBundle.objects.filter(lesson=lesson).order_by("profile"):
        if bundle.profile not in PROFILES:
            continue
        bundles.append(
            {
                "bundle": bundle,
                "ready": bundle.status == LessonBundle.Status.READY,
                "item": DownloadItem(
                    kind="bundle",
                    label=f"Todo en «{profile_label(bundle.profile)}»",
                    size_bytes=bundle.size_bytes,
                    url=reverse("lms:download_bundle", args=[lesson.pk, bundle.profile]),
                    filename=bundle_filename(lesson=lesson, profile=bundle.profile),
                    description=f"{len(bundle.manifest)} archivos en un .zip",
                    extension="zip",
                ),
                "order": PROFILES[bundle.profile].order,
            }
        )
    bundles.sort(key=lambda b: b["order"])
    return {
        "media_downloads": media,
        "document_downloads": documents,
        "bundles": bundles,
        "media_processing": processing,
    }


def lesson_bundle_inputs(*, lesson: LessonPage) -> dict[str, list[dict]] | None:
    """profile -> the files of its bundle (name, storage file, fingerprint); None while any
    media asset of the lesson is not ready yet."""
    pairs = _lesson_renditions(lesson=lesson)
    if any(link.asset.status != MediaAsset.Status.READY for link, _ in pairs):
        return None
    names = rendition_filenames(lesson=lesson)
    documents = [
        {
            "name": document_filename(lesson=lesson, document=d),
            "file": d.file,
            "size": d.file_size or 0,
            "fingerprint": f"doc:{d.pk}:{d.file_hash}:{d.file_size}",
        }
        for d in lesson_documents(lesson=lesson)
    ]
    inputs: dict[str, list[dict]] = {}
    for _link, renditions in pairs:
        for rendition in renditions:
            inputs.setdefault(rendition.profile, []).append(
                {
                    "name": names[rendition.pk],
                    "file": rendition.file,
                    "size": rendition.size_bytes,
                    "fingerprint": f"rendition:{rendition.pk}:{rendition.sha256}",
                }
            )
    return {profile: files + documents for profile, files in inputs.items()}


def lesson_rendition_get(*, lesson: LessonPage, rendition_id: int) -> Rendition | None:
    """The rendition if it belongs to one of the lesson's ready assets."""
    return (
        Rendition.objects.filter(
            pk=rendition_id,
            asset__lesson_links__lesson=lesson,
            asset__status=MediaAsset.Status.READY,
        )
        .exclude(profile=POSTER)
        .first()
    )


def lesson_document_get(*, lesson: LessonPage, document_id: int):
    for document in lesson_documents(lesson=lesson):
        if document.pk == document_id:
            return document
    return None


def lessons_using_asset(*, asset_id: int) -> list[int]:
    return list(
        LessonMediaAsset.objects.filter(asset_id=asset_id).values_list("lesson_id", flat=True)
    )


# --- who sees which course's students ------------------------------------------------------------
VIEW_ALL_STUDENTS_PERM = "lms.view_all_students"


def coach_course_ids(*, user) -> list[int] | None:
    """The courses whose students and progress `user` may see: None means every course
    (superusers and the "view all" permission); otherwise the courses they coach
    (CoursePage.coaches), possibly none. One query, remembered on the user object."""
    if user.is_superuser or user.has_perm(VIEW_ALL_STUDENTS_PERM):
        return None
    cached = getattr(user, "_lms_coached_course_ids", None)
    if cached is None:
        cached = list(
            CoursePage.objects.filter(coaches=user).order_by("path").values_list("pk", flat=True)
        )
        user._lms_coached_course_ids = cached
    return cached


def current_enrollments(*, course_ids: list[int] | None = None):
    """The enrolments that make a student one of a course's students today: those not ended.
    A student who left a course (left_at) or was moved to another one (their enrolment here
    ended, or is gone) is no longer among its students, whatever progress they left in its
    lessons. Every list, chart, follow-up list and export of a course's students reads them
    from here. None: in any course."""
    qs = Enrollment.objects.filter(left_at__isnull=True)
    return qs if course_ids is None else qs.filter(course_id__in=course_ids)


def currently_enrolled(*, course_ids: list[int], student: str = "pk") -> Exists:
    """A filter for any queryset whose rows lead to a student: `student` is the path from the
    queried model to the StudentProfile id ("pk" on StudentProfile itself, "student_id" on a
    progress row). True where that student is currently enrolled in one of `course_ids`.
    Exists, not a join, so a student in two of the courses is one row."""
    return Exists(current_enrollments(course_ids=course_ids).filter(student=OuterRef(student)))


def students_in_courses(qs, *, course_ids: list[int] | None):
    """Narrows a StudentProfile queryset to students currently enrolled in any of the courses
    (None: no narrowing)."""
    if course_ids is None:
        return qs
    return qs.filter(currently_enrolled(course_ids=course_ids))


def student_for_staff(*, user, student_id: int) -> StudentProfile | None:
    """The student if `user` holds their record: an enrolment in a course they coach, ended or
    not (the departure page shows, and undoes, a departure just recorded). What the coach may
    do with a student who is no longer in their courses is narrower: see
    student_current_for_staff."""
    qs = StudentProfile.objects.select_related("user").filter(pk=student_id)
    course_ids = coach_course_ids(user=user)
    if course_ids is None:
        return qs.first()
    return qs.filter(
        Exists(Enrollment.objects.filter(student=OuterRef("pk"), course_id__in=course_ids))
    ).first()


def student_current_for_staff(*, user, student: StudentProfile) -> bool:
    """Whether the student is currently enrolled in a course `user` may see (always for those
    who see every course)."""
    course_ids = coach_course_ids(user=user)
    if course_ids is None:
        return True
    return current_enrollments(course_ids=course_ids).filter(student=student).exists()


def enrollments_for_staff(*, user, student: StudentProfile):
    """The student's enrolments in the courses `user` may see (every one for None), oldest
    first, with their course."""
    qs = Enrollment.objects.filter(student=student).select_related("course").order_by("pk")
    course_ids = coach_course_ids(user=user)
    return qs if course_ids is None else qs.filter(course_id__in=course_ids)


def courses_for_staff(*, user):
    """The courses `user` may import into and follow, in page-tree order."""
    qs = CoursePage.objects.order_by("path")
    course_ids = coach_course_ids(user=user)
    return qs if course_ids is None else qs.filter(pk__in=course_ids)


def students_search(
    *, query: str = "", district: str = "", zone: str = "", course_ids: list[int] | None = None
):
    """Students matching the search, among those enrolled in `course_ids` (None: everyone)."""
    qs = StudentProfile.objects.select_related("user").order_by("last_names", "first_names")
    qs = students_in_courses(qs, course_ids=course_ids)
    query = query.strip()
    if query:
        if query.isdigit():
            qs = qs.filter(dni__startswith=query)
        else:
            for word in query.split():
                qs = qs.filter(Q(first_names__icontains=word) | Q(last_names__icontains=word))
    if district:
        qs = qs.filter(district=district)
    if zone:
        qs = qs.filter(zone=zone)
    return qs


def course_outline(*, course: CoursePage) -> list[dict]:
    """The course's live units, each with its live public lessons in order (two queries)."""
    units = list(
        UnitPage.objects.live()
        .child_of(course)
        .order_by("path")
        .only("id", "title", "path", "depth", "number", "intro")
    )
    lessons = LessonPage.objects.live().public().descendant_of(course).order_by("path")
    by_unit: dict[str, list] = {u.path: [] for u in units}
    for lesson in lessons.only(
        "id", "title", "path", "depth", "url_path", "episode_number", "summary"
    ):
        unit_path = lesson.path[: lesson.steplen * (lesson.depth - 1)]
        if unit_path in by_unit:
            by_unit[unit_path].append(lesson)
    return [{"unit": u, "lessons": by_unit[u.path]} for u in units if by_unit[u.path]]


def unit_lessons(*, unit: UnitPage) -> list[LessonPage]:
    return list(LessonPage.objects.live().public().child_of(unit).order_by("path"))


def lesson_move_conflicts(*, page, destination) -> list[str]:
    """Why moving `page` (a lesson, or a unit with its lessons) under `destination` would break
    a course's unique on-air codes or episode numbers; empty when the move is fine."""
    lessons = list(LessonPage.objects.descendant_of(page, inclusive=True))
    if not lessons:
        return []
    depth = destination.depth + 1  # where `page` will sit
    course_depth = depth - (2 if page.specific_class is LessonPage else 1)
    target = CoursePage.objects.filter(
        path=destination.path[: destination.steplen * course_depth]
    ).first()
    if target is None:
        return []
    moving = [lesson.pk for lesson in lessons]
    others = LessonPage.objects.filter(course=target).exclude(pk__in=moving)
    problems = []
    for lesson in lessons:
        if lesson.course_id == target.pk:
            continue
        clash = others.filter(on_air_code=lesson.on_air_code).first()
        if clash is not None:
            problems.append(
                f"El código del día «{lesson.on_air_code}» de «{lesson.title}» ya lo usa "
                f"«{clash.title}» en el curso de destino."
            )
        clash = others.filter(episode_number=lesson.episode_number).first()
        if clash is not None:
            problems.append(
                f"El episodio {lesson.episode_number} de «{lesson.title}» ya existe en el curso "
                f"de destino («{clash.title}»)."
            )
    return problems


# --- progress -----------------------------------------------------------------------------------
def student_progress_list(*, student: StudentProfile) -> list[LessonProgress]:
    return list(LessonProgress.objects.filter(student=student).order_by("lesson_id"))


def student_progress_by_lesson(*, student: StudentProfile | None) -> dict[int, LessonProgress]:
    """One query: the student's summaries keyed by lesson id (empty for staff)."""
    if student is None:
        return {}
    return {p.lesson_id: p for p in LessonProgress.objects.filter(student=student)}


def lesson_quiz_questions(*, lesson: LessonPage) -> list[QuizQuestion]:
    return list(QuizQuestion.objects.filter(lesson=lesson).order_by("sort_order", "pk"))


def lesson_progress_context(
    *,
    lesson: LessonPage,
    student: StudentProfile | None,
    attempt_id: int | None = None,
    questions: list[QuizQuestion] | None = None,
) -> dict:
    """What the lesson page shows of the student's progress and the quiz: three queries at most,
    whatever the number of lessons or students; one or two when the caller already has the
    lesson's questions (the lesson page keeps them in its cache)."""
    if questions is None:
        questions = lesson_quiz_questions(lesson=lesson)
    progress = None
    attempt = None
    if student is not None:
        progress = LessonProgress.objects.filter(student=student, lesson=lesson).first()
        if attempt_id and questions:
            attempt = QuizAttempt.objects.filter(
                pk=attempt_id, student=student, lesson=lesson
            ).first()
    review = []
    if attempt is not None:
        for question, answer in zip(questions, attempt.answers, strict=False):
            choices = question.choice_list()
            review.append(
                {
                    "question": question,
                    "right": answer == question.correct_choice,
                    "chosen": choices[answer - 1] if 0 < answer <= len(choices) else "",
                    "correct": choices[question.correct_choice - 1]
                    if 0 < question.correct_choice <= len(choices)
                    else "",
                }
            )
    return {
        "progress": progress,
        "quiz_questions": [{"question": q, "choices": q.choice_list()} for q in questions],
        "quiz_attempt": attempt,
        "quiz_review": review,
    }


def student_progress_overview(*, student: StudentProfile) -> dict:
    """Mis lecciones: each lesson's summary (one query) and the student's certificates (one)."""
    return {
        "progress_by_lesson": student_progress_by_lesson(student=student),
        "certificates": {c.course_id: c for c in Certificate.objects.filter(student=student)},
    }


def certificate_of(*, student: StudentProfile, course_id: int) -> Certificate | None:
    return (
        Certificate.objects.select_related("student", "course")
        .filter(student=student, course_id=course_id)
        .first()
    )


def certificate_by_code(*, code: str) -> Certificate | None:
    normalized = code.strip().upper()
    if len(normalized) > 12:
        return None
    return Certificate.objects.select_related("student", "course").filter(code=normalized).first()


# --- the coaches' view ("Seguimiento") ------------------------------------------------------------
FOLLOW_UP_DAYS = 7
FOLLOW_UP_PAGE = 50
DISTRICT_SIZES_CACHE_SECONDS = 300


def tracking_courses(*, course_ids: list[int] | None = None) -> list[CoursePage]:
    """The live courses to follow: every one, or only `course_ids` (a coach's courses)."""
    qs = CoursePage.objects.live().order_by("path").only("id", "title", "path", "slug")
    if course_ids is not None:
        qs = qs.filter(pk__in=course_ids)
    return list(qs)


def district_sizes_key(*, course_id: int) -> str:
    """The cache key of course_district_sizes (a departure forgets it: lms.services)."""
    return f"lms:district-sizes:{course_id}"


def course_district_sizes(*, course: CoursePage) -> dict[str, int]:
    """Students currently enrolled, per district. Enrolment changes rarely (imports), so the
    count is cached for a few minutes: the dashboard's cost does not follow the number of
    students. A departure recorded, or undone, forgets it at once."""
    key = district_sizes_key(course_id=course.pk)
    sizes = cache.get(key)
    if sizes is None:
        sizes = dict(
            current_enrollments(course_ids=[course.pk])
            .values_list("student__district")
            .annotate(n=Count("id"))
            .values_list("student__district", "n")
        )
        cache.set(key, sizes, DISTRICT_SIZES_CACHE_SECONDS)
    return sizes


@dataclass
class LessonRow:
    lesson: LessonPage
    enrolled: int
    started: int = 0
    web: int = 0
    downloaded: int = 0
    tv: int = 0
    completed: int = 0

    @property
    def completed_percent(self) -> int:
        return round(100 * self.completed / self.enrolled) if self.enrolled else 0


@dataclass
class DistrictRow:
    district: str
    students: int
    completions: int
    lessons: int

    @property
    def completed_percent(self) -> int:
        possible = self.students * self.lessons
        return round(100 * self.completions / possible) if possible else 0


def tracking_dashboard(*, course: CoursePage) -> dict:
    """The charts' numbers, read from the counters (LessonStats) kept up to date as progress
    arrives: a handful of queries whose size follows lessons and districts, not students."""
    lessons = list(
        LessonPage.objects.live()
        .filter(course=course)
        .order_by("episode_number")
        .only("id", "title", "episode_number")
    )
    sizes = course_district_sizes(course=course)
    enrolled = sum(sizes.values())
    rows = {lesson.pk: LessonRow(lesson=lesson, enrolled=enrolled) for lesson in lessons}
    completions: dict[str, int] = {}
    for stats in LessonStats.objects.filter(lesson_id__in=rows):
        if stats.district == "":
            row = rows[stats.lesson_id]
            row.started, row.web, row.downloaded = stats.started, stats.web, stats.downloaded
            row.tv, row.completed = stats.tv, stats.completed
        else:
            completions[stats.district] = completions.get(stats.district, 0) + stats.completed
    districts = [
        DistrictRow(
            district=district,
            students=students,
            completions=completions.get(district, 0),
            lessons=len(lessons),
        )
        for district, students in sorted(sizes.items())
    ]
    return {"lesson_rows": list(rows.values()), "district_rows": districts, "enrolled": enrolled}


def follow_up_students(*, course: CoursePage, now=None, page: int = 1) -> dict:
    """Students currently enrolled with no activity for FOLLOW_UP_DAYS days or more (never
    active first, then the longest silent; those who left or were moved to another course are
    not followed up), one page at a time. The silent ones are read in the order of the
    last-activity index and the read stops at the page, so its cost does not follow the number
    of students."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=FOLLOW_UP_DAYS)
    fields = ("id", "dni", "first_names", "last_names", "district", "zone", "phone")
    page = max(1, page)
    start = (page - 1) * FOLLOW_UP_PAGE
    wanted = FOLLOW_UP_PAGE + 1
    in_course = currently_enrolled(course_ids=[course.pk])
    never = list(
        StudentProfile.objects.filter(in_course, activity__isnull=True)
        .only(*fields)
        .order_by("last_names", "first_names", "pk")[start : start + wanted]
    )
    students = never
    if len(never) < wanted:
        # how many never-active students the earlier pages showed decides where to resume
        skip = 0
        if start:
            skip = max(
                0,
                start - StudentProfile.objects.filter(in_course, activity__isnull=True).count(),
            )
        silent = list(
            StudentActivity.objects.filter(
                currently_enrolled(course_ids=[course.pk], student="student_id"),
                last_activity_at__lt=cutoff,
            )
            .select_related("student")
            .only(*(f"student__{f}" for f in fields), "last_activity_at")
            .order_by("last_activity_at", "pk")[skip : skip + wanted - len(never)]
        )
        for activity in silent:
            activity.student.activity = activity
        students = never + [a.student for a in silent]
    return {
        "students": students[:FOLLOW_UP_PAGE],
        "page": page,
        "has_next": len(students) > FOLLOW_UP_PAGE,
        "cutoff": cutoff,
    }


PROGRESS_CSV_COLUMNS = [
    "dni", "apellidos", "nombres", "distrito", "zona", "telefono", "episodio", "leccion",
    "estado", "porcentaje_visto", "segundos_vistos", "descargada", "vista_en_tv",
    "nota_cuestionario", "cuestionario_aprobado", "completada", "ultima_actividad",
]  # fmt: skip


def progress_csv_rows(*, course: CoursePage):
    """The summaries of the course's current students as CSV rows (streamed, in chunks): a
    student who left the course or was moved to another keeps their progress rows in its
    lessons, but is not one of its students any more."""
    states = dict(LessonProgress.State.choices)

    def when(value) -> str:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

    qs = (
        LessonProgress.objects.filter(
            currently_enrolled(course_ids=[course.pk], student="student_id"),
            lesson__course=course,
        )
        .order_by(
            "student__last_names", "student__first_names", "student_id", "lesson__episode_number"
        )
        .values_list(
            "student__dni",
            "student__last_names",
            "student__first_names",
            "student__district",
            "student__zone",
            "student__phone",
            "lesson__episode_number",
            "lesson__title",
            "state",
            "percent_watched",
            "seconds_watched",
            "downloaded_at",
            "tv_checkin_at",
            "quiz_best_score",
            "quiz_passed",
            "completed_at",
            "last_activity_at",
        )  # fmt: skip
    )
    for row in qs.iterator(chunk_size=2000):
        (dni, last, first, district, zone, phone, episode, title, state, percent, seconds,
         downloaded, tv, score, passed, completed, last_activity) = row  # fmt: skip
        yield [
            dni, last, first, district, zone, phone, episode, title, states.get(state, state),
            percent, round(seconds), when(downloaded), when(tv), "" if score is None else score,
            "sí" if passed else "no", when(completed), when(last_activity),
        ]  # fmt: skip


# --- who may play a media asset (asked by media_pipeline through its hook) ----------------------
def lesson_asset_watch_allowed(*, user, asset_id: int) -> bool | None:
    """For the player URLs: None when no lesson uses the asset (the LMS has no say);
    otherwise whether `user` is a student enrolled in a course of one of those lessons. A lesson
    uses an asset through its "Material audiovisual" or a player block in its body (found in
    Wagtail's reference index, kept up to date on every save of the page)."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Page, ReferenceIndex

    in_body = ReferenceIndex.objects.filter(
        base_content_type=ContentType.objects.get_for_model(Page),
        to_content_type=ContentType.objects.get_for_model(MediaAsset),
        to_object_id=str(asset_id),
    ).values_list("object_id", flat=True)
    page_ids = {int(pk) for pk in in_body if pk.isdigit()}
    # drafts count too: material of a lesson not yet published is not for every student
    course_ids = set(
        LessonPage.objects.filter(
            Q(pk__in=page_ids) | Q(lesson_assets__asset_id=asset_id)
        ).values_list("course_id", flat=True)
    )
    course_ids.discard(None)
    if not course_ids:
        return None
    if not getattr(user, "is_authenticated", False):
        return False
    return Enrollment.objects.filter(student__user=user, course_id__in=course_ids).exists()
