"""`{% load broadcast_tags %}{% next_airing lesson as airing %}`: when a lesson airs, for lms's
templates (lms's Python never imports broadcast). `{{ airing }}` is the Spanish sentence."""

from django import template

from broadcast.selectors import NextAiring, next_airings_by_lesson

register = template.Library()

_CACHE_KEY = "broadcast_next_airings"


@register.simple_tag(takes_context=True)
def next_airing(context, lesson) -> NextAiring | None:
    # One load per template render, however many lessons a list shows.
    render_context = context.render_context
    cached = render_context.get(_CACHE_KEY)
    if cached is None:
        cached = render_context[_CACHE_KEY] = next_airings_by_lesson()
    if lesson is None:
        return None
    return cached.get(getattr(lesson, "pk", lesson))
