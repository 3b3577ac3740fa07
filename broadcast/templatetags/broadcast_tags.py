"""`{% load broadcast_tags %}{% next_airing lesson as airing %}`: when a lesson airs, for lms's
templates (lms's Python never imports broadcast). `{{ airing }}` is the Spanish sentence."""

from django import template

from broadcast.selectors import NextAiring, next_airings_by_lesson

register = template.Library()

_CACHE_ATTR = "_broadcast_next_airings"


@register.simple_tag(takes_context=True)
def next_airing(context, lesson) -> NextAiring | None:
    # One load per request (or per render without one), however many lessons a list shows:
    # each {% include %} gets a fresh render_context, so the request carries the cache.
    request = context.get("request")
    if request is not None:
        cached = getattr(request, _CACHE_ATTR, None)
        if cached is None:
            cached = next_airings_by_lesson()
            setattr(request, _CACHE_ATTR, cached)
    else:
        cached = context.render_context.get(_CACHE_ATTR)
        if cached is None:
            cached = context.render_context[_CACHE_ATTR] = next_airings_by_lesson()
    if lesson is None:
        return None
    return cached.get(getattr(lesson, "pk", lesson))
