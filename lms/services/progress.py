"""Progress: events, summaries and counters, completion, certificates, TV check-ins and quizzes."""

import logging
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.cache import forget
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


@dataclass
class _Batch:
    """One batch of events on its way in: what it is checked against (the student's live lessons
    it names, their quiz questions in order, the (lesson, rendition) pairs its downloads may
    name) and, once inside the transaction, what its fresh events change."""

    student: StudentProfile
    now: datetime
    lessons: dict[int, LessonPage]
    questions: dict[int, list[QuizQuestion]]
    lesson_renditions: set[tuple[int, int]]
    outcome: ProgressOutcome = field(default_factory=lambda: ProgressOutcome(summaries=[]))
    aired: dict[int, datetime] = field(default_factory=dict)
    summaries: dict[int, LessonProgress] = field(default_factory=dict)
    before: dict[int, dict[str, bool]] = field(default_factory=dict)  # flags before the batch
    rows: list[ProgressEvent] = field(default_factory=list)
    attempts: list[QuizAttempt] = field(default_factory=list)


# every summary field an event can change
_SUMMARY_FIELDS = [
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
]


def progress_events_record(
    *, student: StudentProfile, events: list[ProgressEventIn], now=None
) -> ProgressOutcome:
    """Stores a batch of events and brings the summaries, counters, the student's last activity,
    course completion and certificates up to date, all in one transaction.

    Idempotent (an event id already stored is skipped) and order-free (every summary field is a
    max, a min or a sum of new events). Any malformed event rejects the whole batch with a 422
    naming it, before anything is written."""
    batch = _batch_load(student=student, events=events, now=now or timezone.now())
    for i, event in enumerate(events):
        _event_check(batch, i, event)

    with transaction.atomic():
        # One batch per student at a time: a retried batch racing its first try counts once.
        StudentProfile.objects.select_for_update().filter(pk=student.pk).first()
        fresh = _events_fresh(batch, events)
        existing = {
            p.lesson_id: p
            for p in LessonProgress.objects.select_for_update().filter(
                student=student, lesson_id__in=batch.lessons
            )
        }
        if not fresh:
            batch.outcome.summaries = sorted(existing.values(), key=lambda p: p.lesson_id)
            return batch.outcome
        batch.aired = lessons_first_aired([e.lesson for e in fresh if e.type == "tv_checkin"])
        for event in fresh:
            _event_apply(batch, event, existing=existing)
        newly_completed = _completions_mark(batch)
        _batch_save(batch)
        _course_stats_apply(batch)
        _student_activity_touch(batch)
        for course in {batch.lessons[lid].course for lid in newly_completed}:
            course_completion_check(student=student, course=course, now=batch.now)
        batch.outcome.stored = len(batch.rows)
        merged = {**existing, **batch.summaries}
        batch.outcome.summaries = sorted(merged.values(), key=lambda p: p.lesson_id)
    return batch.outcome


def _batch_load(*, student: StudentProfile, events: list[ProgressEventIn], now: datetime) -> _Batch:
    """Reads what the events are checked against: three queries whatever the batch's size."""
    lessons = {
        lesson.pk: lesson
        for lesson in LessonPage.objects.live()
        .filter(pk__in={e.lesson for e in events}, course__enrollments__student=student)
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
    return _Batch(
        student=student,
        now=now,
        lessons=lessons,
        questions=questions,
        lesson_renditions=lesson_renditions,
    )


def _event_check(batch: _Batch, i: int, event: ProgressEventIn) -> None:
    """Raises ValidationFailed naming the event `i` of the batch when it cannot be stored."""
    if event.lesson not in batch.lessons:
        raise _event_invalid(
            i, "lesson", "la lección no existe o usted no está inscrito en su curso."
        )
    if event.at > batch.now + CLOCK_SKEW:
        raise _event_invalid(i, "at", "la fecha está en el futuro.")
    date_error = _event_before_course(event.at, batch.lessons[event.lesson].course)
    if date_error:
        raise _event_invalid(i, "at", date_error)
    if (
        event.type == "download"
        and event.rendition is not None
        and (event.lesson, event.rendition) not in batch.lesson_renditions
    ):
        raise _event_invalid(i, "rendition", "esa descarga no es de esta lección.")
    if event.type == "quiz":
        _quiz_answers_check(i, event, batch.questions.get(event.lesson, []))


def _quiz_answers_check(i: int, event: ProgressEventIn, questions: list[QuizQuestion]) -> None:
    if not questions:
        raise _event_invalid(i, "answers", "esta lección no tiene cuestionario.")
    if len(event.answers or []) != len(questions):
        raise _event_invalid(
            i, "answers", f"se esperaban {len(questions)} respuestas, una por pregunta."
        )
    for q, answer in zip(questions, event.answers, strict=True):
        if not 1 <= answer <= len(q.choice_list()):
            raise _event_invalid(i, "answers", "una respuesta no es una opción válida.")


def _events_fresh(batch: _Batch, events: list[ProgressEventIn]) -> list[ProgressEventIn]:
    """The events not stored yet (by an earlier batch or earlier in this one), counting the
    others as duplicates."""
    seen = set(
        ProgressEvent.objects.filter(event_id__in=[e.id for e in events]).values_list(
            "event_id", flat=True
        )
    )
    fresh: list[ProgressEventIn] = []
    for event in events:
        if event.id in seen:
            batch.outcome.duplicates += 1
            continue
        seen.add(event.id)
        fresh.append(event)
    return fresh


def _event_apply(
    batch: _Batch, event: ProgressEventIn, *, existing: dict[int, LessonProgress]
) -> None:
    """Folds one fresh event into its lesson's summary and queues its event row."""
    progress = batch.summaries.get(event.lesson)
    if progress is None:
        progress = existing.get(event.lesson) or LessonProgress(
            student=batch.student, lesson_id=event.lesson
        )
        batch.summaries[event.lesson] = progress
        batch.before[event.lesson] = _flags(progress)
    at = min(event.at, batch.now)
    data: dict = {}
    if event.type == "position":
        data = _position_apply(progress, event, at)
    elif event.type == "download":
        data = {"rendition": event.rendition}
        progress.downloaded_at = _earliest(progress.downloaded_at, at)
    elif event.type == "tv_checkin":
        data = _tv_checkin_apply(batch, progress, event, at)
    elif event.type == "quiz":
        data = _quiz_apply(batch, progress, event)
    progress.last_activity_at = max(progress.last_activity_at or at, at)
    if progress.state == LessonProgress.State.NOT_STARTED and (
        event.type != "tv_checkin" or data.get("accepted")
    ):
        progress.state = LessonProgress.State.IN_PROGRESS
    batch.rows.append(
        ProgressEvent(
            event_id=event.id,
            student=batch.student,
            lesson_id=event.lesson,
            type=event.type,
            at=at,
            data=data,
        )
    )


def _position_apply(progress: LessonProgress, event: ProgressEventIn, at: datetime) -> dict:
    """A player position: the furthest point and the longest duration seen, the seconds watched
    added (each report capped). Returns the event row's data."""
    position = max(0.0, event.position_seconds or 0.0)
    duration = max(0.0, event.duration_seconds or 0.0)
    watched = min(max(0.0, event.watched_seconds or 0.0), MAX_WATCHED_DELTA_SECONDS)
    data: dict = {"position_seconds": position, "duration_seconds": duration}
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
    return data


def _tv_checkin_apply(
    batch: _Batch, progress: LessonProgress, event: ProgressEventIn, at: datetime
) -> dict:
    """A code read on TV counts when it is the lesson's and the lesson has aired; it dates the
    check-in no earlier than the first airing. Returns the event row's data."""
    code = (event.code or "").strip().upper()
    first = batch.aired.get(event.lesson)
    lesson = batch.lessons[event.lesson]
    accepted = code == lesson.on_air_code and first is not None and first <= batch.now
    if accepted:
        progress.tv_checkin_at = _earliest(progress.tv_checkin_at, max(at, first))
        progress.tv_code = code
    else:
        batch.outcome.wrong_codes += 1
    return {"code": code, "accepted": accepted}


def _quiz_apply(batch: _Batch, progress: LessonProgress, event: ProgressEventIn) -> dict:
    """A quiz attempt: graded, queued as an attempt, and the best score kept. Returns the event
    row's data."""
    score = quiz_grade(questions=batch.questions[event.lesson], answers=event.answers or [])
    passed = score >= batch.lessons[event.lesson].quiz_pass_percent
    batch.attempts.append(
        QuizAttempt(
            student=batch.student,
            lesson_id=event.lesson,
            answers=event.answers,
            score=score,
            passed=passed,
        )
    )
    progress.quiz_best_score = max(progress.quiz_best_score or 0, score)
    progress.quiz_passed = progress.quiz_passed or passed
    return {"answers": event.answers, "score": score, "passed": passed}


def _completions_mark(batch: _Batch) -> set[int]:
    """Marks the summaries the batch made meet their course's rule; returns their lesson ids."""
    newly_completed: set[int] = set()
    for lesson_id, progress in batch.summaries.items():
        lesson = batch.lessons[lesson_id]
        if progress.state != LessonProgress.State.COMPLETED and progress_completed(
            progress=progress,
            course=lesson.course,
            has_quiz=bool(batch.questions.get(lesson_id)),
        ):
            progress.state = LessonProgress.State.COMPLETED
            progress.completed_at = batch.now
            newly_completed.add(lesson_id)
    return newly_completed


def _batch_save(batch: _Batch) -> None:
    """Writes the event rows, the quiz attempts and the summaries, in bulk."""
    ProgressEvent.objects.bulk_create(batch.rows)
    QuizAttempt.objects.bulk_create(batch.attempts)
    to_create = [p for p in batch.summaries.values() if p.pk is None]
    to_update = [p for p in batch.summaries.values() if p.pk is not None]
    LessonProgress.objects.bulk_create(to_create)
    if to_update:
        LessonProgress.objects.bulk_update(to_update, _SUMMARY_FIELDS)


def _course_stats_apply(batch: _Batch) -> None:
    """Adds the flags the batch's summaries gained to their lessons' counters. A student who
    left a lesson's course keeps their progress, but the course's counters count its current
    students only."""
    course_ids = list({lesson.course_id for lesson in batch.lessons.values()})
    in_course = set(
        current_enrollments(course_ids=course_ids)
        .filter(student=batch.student)
        .values_list("course_id", flat=True)
    )
    _stats_apply(
        student=batch.student,
        changes={
            lid: (batch.before[lid], _flags(p))
            for lid, p in batch.summaries.items()
            if batch.lessons[lid].course_id in in_course
        },
    )


def _student_activity_touch(batch: _Batch) -> None:
    """Moves the student's last activity forward to the batch's latest event, never back."""
    last = max(p.last_activity_at for p in batch.summaries.values() if p.last_activity_at)
    activity, created = StudentActivity.objects.get_or_create(
        student=batch.student, defaults={"last_activity_at": last}
    )
    if not created and last > activity.last_activity_at:
        StudentActivity.objects.filter(pk=batch.student.pk).update(last_activity_at=last)


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
    forget(district_sizes_key(course_id=course_id))


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
