import pytest
from django.contrib.auth import authenticate
from django.db import models
from wagtail.models import Site, TaskState, WorkflowState

from core.seed import DEMO_PASSWORD
from core.seed import seed as seed_accounts
from lms.districts import CAJAMARCA_DISTRICTS
from lms.models import CoursePage, Enrollment, LessonPage, StudentProfile, UnitPage
from lms.seed import seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    from cms.seed import seed_site_root

    seed_accounts()
    seed_site_root()
    return seed()


def test_the_demo_course_has_units_and_lessons_published_through_validation(seeded):
    course = CoursePage.objects.get(slug="aprendiendo-paso-a-paso")
    home = Site.objects.get(is_default_site=True).root_page
    assert course.get_parent().pk == home.pk
    assert UnitPage.objects.child_of(course).count() == 3
    lessons = LessonPage.objects.filter(course=course)
    assert lessons.live().count() >= 12
    assert sorted(lessons.values_list("episode_number", flat=True)) == list(range(1, 13))
    codes = list(lessons.values_list("on_air_code", flat=True))
    assert len(set(codes)) == len(codes)
    assert all(4 <= len(code) <= 6 for code in codes)
    # each went through the workflow: submitted by a presenter, approved by the validator
    for lesson in LessonPage.objects.all():
        state = WorkflowState.objects.get(object_id=str(lesson.pk))
        assert state.status == WorkflowState.STATUS_APPROVED
        approval = TaskState.objects.get(workflow_state=state)
        assert approval.status == TaskState.STATUS_APPROVED
        assert approval.finished_by.username == "validacion"
        assert state.requested_by.username in {"conductora.rosa", "conductora.milagros"}


def test_530_students_across_the_province_enrolled_and_a_second_run_adds_none(seeded):
    assert StudentProfile.objects.count() == 530
    course = CoursePage.objects.get(slug="aprendiendo-paso-a-paso")
    assert Enrollment.objects.filter(course=course).count() == 530
    assert set(StudentProfile.objects.values_list("district", flat=True)) == set(
        CAJAMARCA_DISTRICTS
    )
    assert set(StudentProfile.objects.values_list("zone", flat=True)) == {"urbana", "rural"}
    demo = StudentProfile.objects.get(dni="40000001")
    assert demo.enrollments.filter(course=course).exists()
    assert authenticate(username="40000001", password=DEMO_PASSWORD) is not None
    other = StudentProfile.objects.exclude(dni="40000001").first()
    assert authenticate(username=other.dni, password=DEMO_PASSWORD) is not None
    # the demo coach follows the course
    assert list(course.coaches.values_list("username", flat=True)) == ["coordinacion"]
    # a second run creates nothing
    counts = (
        LessonPage.objects.count(),
        StudentProfile.objects.count(),
        Enrollment.objects.count(),
    )
    assert seed() == []
    assert counts == (
        LessonPage.objects.count(),
        StudentProfile.objects.count(),
        Enrollment.objects.count(),
    )


def test_the_demo_progress_is_varied_and_its_counters_match(seeded):
    from django.db.models import Count

    from lms.models import Certificate, LessonProgress, LessonStats, StudentActivity

    course = CoursePage.objects.get(slug="aprendiendo-paso-a-paso")
    assert LessonProgress.objects.count() > 3000
    assert Certificate.objects.filter(course=course).count() >= 5
    active = StudentActivity.objects.count()
    assert 400 < active < 530  # some never started
    # stalled students: silent for a week or more though they had started
    from datetime import timedelta

    from django.utils import timezone

    week_ago = timezone.now() - timedelta(days=7)
    assert StudentActivity.objects.filter(last_activity_at__lt=week_ago).count() > 40
    # rural students check in from TV more often than urban ones
    tv_share = {}
    for zone in ("rural", "urbana"):
        qs = LessonProgress.objects.filter(student__zone=zone)
        tv_share[zone] = qs.filter(tv_checkin_at__isnull=False).count() / qs.count()
    assert tv_share["rural"] > tv_share["urbana"] + 0.15
    # the counters equal a recount of the summaries
    totals = LessonStats.objects.filter(district="").values_list("lesson_id", "completed", "tv")
    recount = dict(
        LessonProgress.objects.values("lesson_id")
        .annotate(c=Count("id", filter=models.Q(state="completed")))
        .values_list("lesson_id", "c")
    )
    assert {lesson_id: c for lesson_id, c, _ in totals} == recount
    # idempotent
    assert not [item for item in seed() if "avance" in item or "preguntas" in item]
