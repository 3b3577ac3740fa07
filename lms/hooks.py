"""Hooks through which a higher module answers questions of the LMS without being imported.

broadcast registers, at app-ready time, the function that tells when each lesson first aired
(on either channel); the TV check-in rule asks it. lms.apps registers the view that serves a
lesson page (lms.views.lesson_serve): the page model sits below the views and selectors."""

from collections.abc import Callable, Iterable
from datetime import datetime

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse

FirstAiringProvider = Callable[[Iterable[int]], dict[int, datetime]]

_first_airing_providers: list[FirstAiringProvider] = []


def register_first_airing_provider(fn: FirstAiringProvider) -> None:
    """fn(lesson_ids) -> {lesson_id: start of its first airing that is not cancelled}."""
    if fn not in _first_airing_providers:
        _first_airing_providers.append(fn)


def lessons_first_aired(lesson_ids: Iterable[int]) -> dict[int, datetime]:
    """The earliest airing of each lesson among every provider (none registered: none aired)."""
    ids = list(lesson_ids)
    found: dict[int, datetime] = {}
    for provider in _first_airing_providers:
        for lesson_id, starts_at in provider(ids).items():
            if lesson_id not in found or starts_at < found[lesson_id]:
                found[lesson_id] = starts_at
    return found


LessonServer = Callable[..., HttpResponse]

_lesson_servers: list[LessonServer] = []


def register_lesson_server(fn: LessonServer) -> None:
    """fn(request, *args, lesson=..., **kwargs) -> the response to a lesson page's request."""
    _lesson_servers[:] = [fn]


def lesson_server() -> LessonServer:
    if not _lesson_servers:
        raise ImproperlyConfigured("No lesson server registered: is lms in INSTALLED_APPS?")
    return _lesson_servers[0]
