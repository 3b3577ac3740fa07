"""Keeps the course's workflow/permissions, the lessons' course and the bundles in step with the
page tree and the media pipeline."""

from django.db.models.signals import post_save
from django.dispatch import receiver
from wagtail.signals import page_published, post_page_move

from lms.models import CoursePage, LessonDownload, LessonPage
from media_pipeline.models import MediaAsset


@receiver(post_save, sender=CoursePage)
def course_created(sender, instance: CoursePage, created: bool, raw: bool = False, **kwargs):
    if created and not raw:
        from lms.services import course_workflow_ensure

        course_workflow_ensure(course=instance)


@receiver(post_save, sender=MediaAsset)
def asset_saved(sender, instance: MediaAsset, raw: bool = False, **kwargs):
    if raw or instance.status != MediaAsset.Status.READY:
        return
    from lms.selectors import lessons_using_asset
    from lms.services import lesson_bundles_queue

    lesson_bundles_queue(lesson_ids=lessons_using_asset(asset_id=instance.pk))


@receiver(page_published, sender=LessonPage)
def lesson_published(sender, instance: LessonPage, **kwargs):
    from lms.services import lesson_bundles_queue

    lesson_bundles_queue(lesson_ids=[instance.pk])


@receiver(post_page_move)
def page_moved(sender, instance, **kwargs):
    """A lesson, or a unit with its lessons, moved: their course may have changed."""
    from lms.services import lesson_course_refresh

    for lesson in LessonPage.objects.descendant_of(instance, inclusive=True):
        lesson_course_refresh(lesson=lesson)


@receiver(post_save, sender=LessonDownload)
def download_recorded(sender, instance: LessonDownload, created: bool, raw: bool = False, **kw):
    """Part 1's recorded downloads count as `download` progress."""
    if created and not raw:
        from lms.services import download_progress_record

        download_progress_record(download=instance)
