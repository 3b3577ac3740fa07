"""Public feeds (iCalendar, XMLTV, CSV), the private presenter feed and /programacion/."""

import hashlib

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseNotFound
from django.shortcuts import render
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import content_disposition_header, http_date
from django.views.decorators.http import require_safe

from broadcast import selectors
from broadcast.feeds import FeedContext, build_csv, build_ics, build_xmltv
from core.dates import QueryDateError, query_date

CONTENT_TYPES = {
    "ics": "text/calendar; charset=utf-8",
    "xml": "application/xml; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}


def _text(response_class, message: str) -> HttpResponse:
    return response_class(message, content_type="text/plain; charset=utf-8")


def _feed(request: HttpRequest, *, fmt: str, channel=None, presenter=None, calname: str = ""):
    """Window, fingerprint (one query) and 304 before loading a single airing."""
    try:
        start, end = selectors.parse_window(request.GET.get("from"), request.GET.get("to"))
    except selectors.WindowError as exc:
        return _text(HttpResponseBadRequest, str(exc))
    count, modified = selectors.feed_fingerprint(
        start=start, end=end, channel=channel, presenter=presenter
    )
    key = "|".join(
        str(p)
        for p in (
            fmt,
            channel.pk if channel else "",
            presenter.pk if presenter else "",
            start.isoformat(),
            end.isoformat(),
            count,
            modified.isoformat() if modified else "",
            request.get_host(),
        )
    )
    etag = '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'
    last_modified = int(modified.timestamp()) if modified else None
    conditional = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if conditional is not None:
        return conditional
    airings = selectors.airings_in_window(
        start=start, end=end, channel=channel, presenter=presenter
    )
    ctx = FeedContext(
        base_url=request.build_absolute_uri("/").rstrip("/"),
        root_path=selectors.lesson_root_path(),
    )
    if fmt == "ics":
        body = build_ics(airings, calname=calname, ctx=ctx)
        filename = "programacion.ics"
    elif fmt == "xml":
        body = build_xmltv(selectors.channels_list(), airings, ctx=ctx)
        filename = "epg.xml"
    else:
        body = build_csv(airings, ctx=ctx)
        filename = f"programacion-{start:%Y%m%d}.csv"
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified)
    response["Content-Disposition"] = content_disposition_header(fmt == "csv", filename)
    patch_cache_control(response, max_age=300, private=presenter is not None)
    return response


def _calname(suffix: str) -> str:
    return f"{settings.BROADCAST_PROGRAMME_TITLE} — {suffix}"


@require_safe
def feed_all_ics(request):
    return _feed(request, fmt="ics", calname=_calname("TV Norte canales 7 y 25"))


@require_safe
def feed_channel_ics(request, slug: str):
    channel = selectors.channel_by_slug(slug)
    if channel is None:
        return _text(HttpResponseNotFound, f"No existe el canal «{slug}».")
    return _feed(request, fmt="ics", channel=channel, calname=_calname(channel.name))


@require_safe
def feed_presenter_ics(request, token: str):
    user = selectors.presenter_by_token(token)
    if user is None:
        return _text(
            HttpResponseNotFound,
            "Este enlace de calendario no existe o fue renovado. Copie el nuevo enlace desde "
            "«Mis episodios».",
        )
    name = user.get_full_name() or user.username
    return _feed(request, fmt="ics", presenter=user, calname=_calname(f"emisiones de {name}"))


@require_safe
def feed_epg(request):
    return _feed(request, fmt="xml")


@require_safe
def feed_rundown(request):
    return _feed(request, fmt="csv")


@require_safe
def schedule_page(request):
    """This week's grid for both channels, server-rendered; ?semana=YYYY-MM-DD for another."""
    week_of = selectors.local_now().date()
    raw = request.GET.get("semana")
    error = None
    if raw:
        try:
            week_of = query_date(raw, noun="semana")
        except QueryDateError as exc:
            error = f"{exc} Se muestra esta semana."
    grid = selectors.week_grid(week_of=week_of)
    return render(
        request,
        "broadcast/schedule_page.html",
        {"grid": grid, "error": error, "page_title": "Programación de TV"},
        status=400 if error else 200,
    )
