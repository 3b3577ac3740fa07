"""The part of a lesson page that is the same for every student of the lesson (the downloads
section, the rendered body, the quiz questions), rendered once and kept in the shared cache.

Nothing here may depend on who asks: the student's header, progress and quiz state are added
by the view around these parts on every request. The key carries the page's own cache key
(it changes when the lesson is published), the "pages" token (any page saved, published,
moved or deleted) and the "lesson-media" token (an asset, rendition, bundle, document, image,
media link or quiz question saved or deleted), so a change shows on the next request."""

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from core.cache import PAGES, TIMEOUT, tokens
from lms.models import LessonPage
from lms.selectors import lesson_downloads_for, lesson_quiz_questions

LESSON_MEDIA = "lesson-media"  # generation token, bumped by lms.signals


def _render_parts(*, lesson: LessonPage) -> dict:
    downloads = lesson_downloads_for(lesson=lesson) if lesson.pk else {}
    return {
        "downloads_html": render_to_string("lms/includes/lesson_downloads.html", downloads),
        "body_html": render_to_string("lms/includes/lesson_body.html", {"page": lesson})
        if lesson.body
        else "",
        "quiz_questions": lesson_quiz_questions(lesson=lesson) if lesson.pk else [],
    }


def lesson_page_parts(*, lesson: LessonPage, use_cache: bool = True) -> dict:
    """{"downloads_html", "body_html", "quiz_questions"} of the lesson as published. A preview
    (an unsaved lesson or a draft) passes use_cache=False: it must show its own content and
    never be stored as the lesson's."""
    if not use_cache or not lesson.pk:
        parts = _render_parts(lesson=lesson)
    else:
        pages_token, media_token = tokens(PAGES, LESSON_MEDIA)
        key = f"lms:lesson-page:{lesson.pk}:{lesson.cache_key}:{pages_token}:{media_token}"
        parts = cache.get(key)
        if parts is None:
            parts = _render_parts(lesson=lesson)
            cache.set(key, parts, TIMEOUT)
    return {
        "downloads_html": mark_safe(parts["downloads_html"]),  # noqa: S308 (rendered templates)
        "body_html": mark_safe(parts["body_html"]),  # noqa: S308
        "quiz_questions": parts["quiz_questions"],
    }
