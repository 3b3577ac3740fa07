"""The three export formats, built from a list of airings already loaded with what they print
(selectors.airings_in_window): iCalendar (RFC 5545), XMLTV and a CSV rundown."""

import io
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

from django.conf import settings
from icalendar import Calendar, Event, Timezone

from broadcast.models import Airing, Channel
from broadcast.selectors import lesson_of, lesson_path_of, premiere_of, presenter_names_of
from core.csv import BOM, csv_writer

PRODID = "-//Municipalidad Provincial de Cajamarca//Paso a Paso//ES"
CATEGORY = {Airing.Kind.PREMIERE: "Estreno", Airing.Kind.REPEAT: "Repetición"}


@dataclass
class FeedContext:
    base_url: str  # "https://host" with no trailing slash
    root_path: str | None  # url_path of the site root, for lesson URLs

    def lesson_url(self, airing: Airing) -> str | None:
        lesson = lesson_of(airing)
        path = lesson_path_of(lesson.url_path if lesson else None, self.root_path)
        return f"{self.base_url}{path}" if path else None


def programme_title() -> str:
    return settings.BROADCAST_PROGRAMME_TITLE


def episode_label(airing: Airing) -> str:
    lesson = lesson_of(airing)
    if lesson is None:
        return "Episodio por anunciar"
    return f"Episodio {lesson.episode_number}: {lesson.title}"


def summary(airing: Airing) -> str:
    return f"{programme_title()} — {episode_label(airing)}"


def presenter_names(airing: Airing) -> list[str]:
    return presenter_names_of(airing)


def _local(moment: datetime, channel: Channel) -> datetime:
    return moment.astimezone(channel.tz)


def description(airing: Airing) -> str:
    lines = []
    lesson = lesson_of(airing)
    if lesson is not None and lesson.summary:
        lines.append(lesson.summary)
    premiere = premiere_of(airing)
    if airing.kind == Airing.Kind.REPEAT and premiere is not None:
        first = _local(premiere.starts_at, premiere.channel)
        lines.append(
            f"Repetición del estreno del {first:%d/%m/%Y} a las {first:%H:%M} por "
            f"{premiere.channel.name}."
        )
    else:
        lines.append(f"Estreno por {airing.channel.name}.")
    names = presenter_names(airing)
    if names:
        lines.append("Conducen: " + ", ".join(names) + ".")
    if airing.state == Airing.State.MOVED:
        lines.append("Horario cambiado.")
    if airing.state == Airing.State.CANCELLED:
        lines.append("Emisión cancelada.")
    return "\n".join(lines)


# --- iCalendar ---------------------------------------------------------------------------------
def build_ics(airings: list[Airing], *, calname: str, ctx: FeedContext) -> bytes:
    """One VEVENT per airing, expanded on the server (no RRULE: an edit of one occurrence can
    never break a series), times with TZID=America/Lima and the VTIMEZONE that defines it."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", calname)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    cal.add("x-published-ttl", "PT1H")
    zones = {a.channel.time_zone for a in airings} or {settings.TIME_ZONE}
    for tzid in sorted(zones):
        cal.add_component(Timezone.from_tzid(tzid))
    for airing in airings:
        cal.add_component(_event(airing, ctx))
    return cal.to_ical()


def _event(airing: Airing, ctx: FeedContext) -> Event:
    channel = airing.channel
    event = Event()
    event.add("uid", airing.uid)
    # DTSTAMP is this version's time, not the request's: the body (and its ETag) stays stable.
    event.add("dtstamp", airing.updated_at)
    event.add("created", airing.created_at)
    event.add("last-modified", airing.updated_at)
    event.add("sequence", airing.sequence)
    event.add("dtstart", _local(airing.starts_at, channel))
    event.add("dtend", _local(airing.ends_at, channel))
    event.add("summary", summary(airing))
    event.add("description", description(airing))
    event.add("location", f"{channel.name} (canal {channel.number})")
    url = ctx.lesson_url(airing)
    if url:
        event.add("url", url)
    event.add("categories", [CATEGORY[airing.kind]])
    premiere = premiere_of(airing)
    if premiere is not None:
        event.add("related-to", premiere.uid)
    event.add("status", "CANCELLED" if airing.is_cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT")
    return event


# --- XMLTV -------------------------------------------------------------------------------------
def _xmltv_time(moment: datetime, channel: Channel) -> str:
    # Lima's offset at that instant (today -0500), never a constant.
    return _local(moment, channel).strftime("%Y%m%d%H%M%S %z")


def build_xmltv(channels: list[Channel], airings: list[Airing], *, ctx: FeedContext) -> bytes:
    """XMLTV (xmltv.dtd): channels with display names, then one programme per airing that
    still goes on air (cancelled ones are left out of an EPG)."""
    out = io.StringIO()
    w = out.write
    w('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE tv SYSTEM "xmltv.dtd">\n')
    w(
        f"<tv source-info-name={quoteattr('Paso a Paso')} "
        f"generator-info-name={quoteattr('Paso a Paso ' + PRODID)} "
        f"source-info-url={quoteattr(ctx.base_url + '/programacion/')}>\n"
    )
    for ch in channels:
        w(f"  <channel id={quoteattr(ch.xmltv_id)}>\n")
        w(f'    <display-name lang="es">{escape(ch.name)}</display-name>\n')
        w(f'    <display-name lang="es">{escape(ch.short_name)}</display-name>\n')
        w(f"    <display-name>{ch.number}</display-name>\n")
        w(f"    <url>{escape(ctx.base_url)}/programacion/</url>\n")
        w("  </channel>\n")
    for a in airings:
        if a.is_cancelled:
            continue
        ch = a.channel
        w(
            f"  <programme start={quoteattr(_xmltv_time(a.starts_at, ch))} "
            f"stop={quoteattr(_xmltv_time(a.ends_at, ch))} channel={quoteattr(ch.xmltv_id)}>\n"
        )
        w(f'    <title lang="es">{escape(programme_title())}</title>\n')
        w(f'    <sub-title lang="es">{escape(episode_label(a))}</sub-title>\n')
        w(f'    <desc lang="es">{escape(description(a))}</desc>\n')
        names = presenter_names(a)
        if names:
            w("    <credits>\n")
            for name in names:
                w(f"      <presenter>{escape(name)}</presenter>\n")
            w("    </credits>\n")
        w('    <category lang="es">Educación</category>\n')
        w('    <language lang="es">Español</language>\n')
        w(
            f'    <length units="minutes">{int((a.ends_at - a.starts_at).total_seconds() // 60)}'
            "</length>\n"
        )
        url = ctx.lesson_url(a)
        if url:
            w(f"    <url>{escape(url)}</url>\n")
        lesson = lesson_of(a)
        if lesson is not None:
            number = lesson.episode_number
            # xmltv_ns counts from zero: season.episode.part, no season here.
            w(f'    <episode-num system="xmltv_ns">.{number - 1}.</episode-num>\n')
            w(f'    <episode-num system="onscreen">Episodio {number}</episode-num>\n')
        if a.kind == Airing.Kind.REPEAT:
            first = premiere_of(a)
            if first is not None:
                shown = _xmltv_time(first.starts_at, first.channel)
                w(
                    f"    <previously-shown start={quoteattr(shown)} "
                    f"channel={quoteattr(first.channel.xmltv_id)} />\n"
                )
            else:
                w("    <previously-shown />\n")
        else:
            w('    <premiere lang="es">Estreno</premiere>\n')
        w("  </programme>\n")
    w("</tv>\n")
    return out.getvalue().encode("utf-8")


# --- CSV rundown -------------------------------------------------------------------------------
CSV_HEADER = [
    "fecha",
    "canal",
    "inicio",
    "fin",
    "episodio",
    "título",
    "conductoras",
    "tipo",
    "estado",
    "enlace",
]


def build_csv(airings: list[Airing], *, ctx: FeedContext) -> bytes:
    """UTF-8 with a byte-order mark and CRLF rows: Excel opens it with accents intact."""
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for a in airings:
        ch = a.channel
        start, end = _local(a.starts_at, ch), _local(a.ends_at, ch)
        lesson = lesson_of(a)
        writer.writerow(
            [
                start.strftime("%Y-%m-%d"),
                ch.short_name,
                start.strftime("%H:%M"),
                end.strftime("%H:%M"),
                lesson.episode_number if lesson else "",
                lesson.title if lesson else "Por anunciar",
                "; ".join(presenter_names(a)),
                CATEGORY[a.kind],
                a.get_state_display(),
                ctx.lesson_url(a) or "",
            ]
        )
    return (BOM + out.getvalue()).encode("utf-8")
