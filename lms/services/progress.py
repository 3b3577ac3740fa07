"""Progress: events, summaries and counters, completion, certificates, TV check-ins and quizzes."""

import logging
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.errors import ValidationFailed
from lms.hooks import lessons_first_aired
from lms.models import (
    Certificate,
    CoursePage,
    LessonDownload,
    LessonMediaAsset,
    LessonPage,
    LessonProgress,
    LessonStats,
    ProgressEvent,
    QuizAttempt,
    QuizQuestion,
    StudentActivity,
    StudentProfile,
)
from lms.selectors import current_enrollments, district_sizes_key

logger = logging.getLogger(__name__)


DOWNLOAD_EVENT_NAMESPACE = uuid.UUID("6d1f2a4e-3c55-4f7b-9a52-0e8f6f1b7c21")


MAX_WATCHED_DELTA_SECONDS = 120.0  # a client reports every few seconds; more is not credible


CLOCK_SKEW = timedelta(minutes=10)


# No course of the programme can be older (Lima's new year 2000): the floor for a course never
# published through Wagtail (created by a script), which has no first_published_at.
EARLIEST_EVENT_AT = datetime(2000, 1, 1, tzinfo=ZoneInfo("America/Lima"))


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


def _event_before_course(at: datetime, course: CoursePage) -> str:
    """Why `at` cannot be the date of an event of the course ("" when it can): nothing happens
    in a course before it was first published."""
    if at < EARLIEST_EVENT_AT:
        return "la fecha es de antes del año 2000."
    opened = course.first_published_at
    if opened is not None and at < opened:
        day = timezone.localtime(opened).strftime("%d/%m/%Y")
        return f"la fecha es de antes de que existiera el curso (publicado el {day})."
    return ""


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
        date_error = _event_before_course(event.at, lessons[event.lesson].course)
        if date_error:
            raise _event_invalid(i, "at", date_error)
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
