"""The coaches' counters (LessonStats) now count only the students currently enrolled in each
lesson's course: recount them once from the summaries, leaving out students who left a course
or were moved out of it before this change."""

from collections import defaultdict

from django.db import migrations
from django.db.models import Exists, OuterRef

FLAGS = ("started", "web", "downloaded", "tv", "completed")


def lesson_stats_recount(apps, schema_editor) -> None:
    Enrollment = apps.get_model("lms", "Enrollment")
    LessonProgress = apps.get_model("lms", "LessonProgress")
    LessonStats = apps.get_model("lms", "LessonStats")
    current = Enrollment.objects.filter(
        student=OuterRef("student_id"), course=OuterRef("lesson__course_id"), left_at__isnull=True
    )
    counts: dict[tuple[int, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(FLAGS, 0))
    rows = (
        LessonProgress.objects.filter(Exists(current))
        .values_list(
            "lesson_id", "student__district", "state", "web_at", "downloaded_at", "tv_checkin_at"
        )
        .iterator(chunk_size=2000)
    )
    for lesson_id, district, state, web_at, downloaded_at, tv_checkin_at in rows:
        flags = {
            "started": state != "not_started",
            "web": web_at is not None,
            "downloaded": downloaded_at is not None,
            "tv": tv_checkin_at is not None,
            "completed": state == "completed",
        }
        for key in [(lesson_id, "")] + ([(lesson_id, district)] if district else []):
            for name, on in flags.items():
                counts[key][name] += int(on)
    LessonStats.objects.all().delete()
    LessonStats.objects.bulk_create(
        [
            LessonStats(lesson_id=lesson_id, district=district, **values)
            for (lesson_id, district), values in counts.items()
        ],
        batch_size=2000,
    )


class Migration(migrations.Migration):
    dependencies = [("lms", "0008_course_coaches_and_view_all_students")]

    operations = [migrations.RunPython(lesson_stats_recount, migrations.RunPython.noop)]
