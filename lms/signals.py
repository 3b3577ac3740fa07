"""Keeps the course's workflow/permissions, the lessons' course and the bundles in step with the
page tree and the media pipeline."""

from django.db.models.signals import post_delete, post_save
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


def _lesson_media_changed(sender, raw: bool = False, **kwargs):
    """Whatever the lesson page's cached parts show besides the page itself: the downloads
    (assets, renditions, bundles, documents), the body's players and images, the quiz."""
    from core.cache import bump
    from lms.lesson_cache import LESSON_MEDIA

    if not raw:
        bump(LESSON_MEDIA)


def _connect_lesson_media() -> None:
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model

    from lms.models import LessonBundle, LessonMediaAsset, QuizQuestion
    from media_pipeline.models import Rendition

    models = (
        MediaAsset,
        Rendition,
        LessonBundle,
        LessonMediaAsset,
        QuizQuestion,
        get_document_model(),
        get_image_model(),
    )
    for model in models:
        for signal in (post_save, post_delete):
            signal.connect(
                _lesson_media_changed,
                sender=model,
                dispatch_uid=f"lms.lesson_media.{model._meta.label}.{id(signal)}",
            )


_connect_lesson_media()
