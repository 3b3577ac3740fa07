from django import template

from lms.selectors import course_outline, size_mb_label, unit_lessons

register = template.Library()


@register.filter
def mb(size_bytes) -> str:
    """A size in bytes as students read it: "21 MB", "0,3 MB" (rounded up)."""
    try:
        return size_mb_label(int(size_bytes or 0))
    except (TypeError, ValueError):
        return ""


@register.filter
def progress_for(progress_by_lesson, lesson):
    """The student's summary of `lesson` from a {lesson id: LessonProgress} dict, or None."""
    if not progress_by_lesson:
        return None
    return progress_by_lesson.get(getattr(lesson, "pk", lesson))


@register.inclusion_tag("lms/includes/progress_badge.html")
def progress_badge(progress):
    return {"progress": progress}


@register.simple_tag
def students_retention_period() -> str:
    """How long a departed student's data is kept, in words (settings.RETENTION_STUDENTS_DAYS)."""
    from django.conf import settings

    from core.retention import retention_period_text

    return retention_period_text(settings.RETENTION_STUDENTS_DAYS)


@register.simple_tag
def lms_course_outline(course):
    """The course page's units with their published lessons (see lms.selectors)."""
    return course_outline(course=course)


@register.simple_tag
def lms_unit_lessons(unit):
    """The unit page's published lessons, in order."""
    return unit_lessons(unit=unit)
