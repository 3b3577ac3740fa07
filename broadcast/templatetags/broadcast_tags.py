"""`{% load broadcast_tags %}{% next_airing lesson as airing %}`: when a lesson airs, for lms's
templates (lms's Python never imports broadcast). `airing` is the Spanish sentence, or None."""

from django import template
from django.core.cache import cache
from django.db.models import Count, Max
from django.utils import timezone

from broadcast.models import Airing
from broadcast.selectors import next_airings_by_lesson

register = template.Library()

_CACHE_ATTR = "_broadcast_next_airings"
# a backstop for what the stamp below does not see (a channel renamed, an airing entering the
# eight weeks ahead): the sentence is at most this old
_TIMEOUT = 10 * 60


def _next_airings_cached() -> dict[int, str]:
    """{lesson id: the sentence of next_airings_by_lesson()} from the shared cache (sentences,
    not airings: a page view unpickles a few strings, not eight weeks of rows). The key is a
    stamp of the airings still to end (how many, the latest change): a new, edited, cancelled
    or deleted airing changes it, and so does an airing ending. Airings are also written in bulk
    (materialising a rule, marking them aired), which no model signal sees; the stamp does. One
    aggregate query per request instead of loading eight weeks of airings."""
    stamp = Airing.objects.filter(ends_at__gt=timezone.now()).aggregate(
        n=Count("pk"), last=Max("updated_at")
    )
    last = stamp["last"].isoformat() if stamp["last"] else "-"
    key = f"broadcast:next-airings:{stamp['n']}:{last}"
    found = cache.get(key)
    if found is None:
        found = {pk: str(item) for pk, item in next_airings_by_lesson().items() if str(item)}
        cache.set(key, found, _TIMEOUT)
    return found


@register.simple_tag(takes_context=True)
def next_airing(context, lesson) -> str | None:
    # One load per request (or per render without one), however many lessons a list shows:
    # each {% include %} gets a fresh render_context, so the request carries the cache.
    request = context.get("request")
    if request is not None:
        cached = getattr(request, _CACHE_ATTR, None)
        if cached is None:
            cached = _next_airings_cached()
            setattr(request, _CACHE_ATTR, cached)
    else:
        cached = context.render_context.get(_CACHE_ATTR)
        if cached is None:
            cached = context.render_context[_CACHE_ATTR] = _next_airings_cached()
    if lesson is None:
        return None
    return cached.get(getattr(lesson, "pk", lesson))
