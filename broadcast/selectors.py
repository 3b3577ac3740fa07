"""Reads: airings in a window, feed fingerprints, what is on now, episode plans and deadlines,
presenters' double bookings, the week grid and the next airing of a lesson."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, F, Max, Min, Q, QuerySet
from django.utils import timezone

from broadcast.models import (
    WEEKDAY_NAMES,
    Airing,
    Channel,
    CourseBroadcastSettings,
    Episode,
    PresenterCalendar,
)
from core.dates import in_range, out_of_range_message

LIMA = settings.TIME_ZONE
MAX_WINDOW_DAYS = 731  # two years (one of them may be a leap year)
DEFAULT_BACK_DAYS = 28
DEFAULT_AHEAD_WEEKS = 26

MONTH_NAMES = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
]


def local_now() -> datetime:
    return timezone.localtime()


def local_day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


class WindowError(ValueError):
    """A ?from/?to window that cannot be served; the message is Spanish, `field` the parameter
    at fault."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


def parse_window(raw_from: str | None, raw_to: str | None, *, today: date | None = None):
    """(start, end) aware datetimes from ?from=YYYY-MM-DD&to=YYYY-MM-DD (both Lima dates, `to`
    inclusive, years 2000-2100). Default: 4 weeks back to 26 weeks ahead; at most 2 years."""
    today = today or local_now().date()

    def parse(raw: str | None, name: str, default: date) -> date:
        if raw in (None, ""):
            return default
        try:
            day = date.fromisoformat(raw)
        except ValueError as exc:
            raise WindowError(
                f"El parámetro «{name}» debe ser una fecha con formato AAAA-MM-DD.", field=name
            ) from exc
        if not in_range(day):
            raise WindowError(f"«{name}»: {out_of_range_message()}", field=name)
        return day

    first = parse(raw_from, "from", today - timedelta(days=DEFAULT_BACK_DAYS))
    last = parse(raw_to, "to", today + timedelta(weeks=DEFAULT_AHEAD_WEEKS))
    if last < first:
        raise WindowError("La fecha «to» debe ser igual o posterior a «from».", field="to")
    if (last - first).days > MAX_WINDOW_DAYS:
        raise WindowError("El periodo pedido es demasiado largo: como máximo 2 años.", field="to")
    return local_day_start(first), local_day_start(last + timedelta(days=1))


@dataclass(frozen=True)
class LessonRef:
    """What airings print of their lesson. Read as plain columns: building a Wagtail page
    object per airing cost more than the rest of a feed."""

    id: int
    episode_number: int
    title: str
    summary: str
    url_path: str
    live: bool
    path: str | None = None  # site-relative URL, when the site root was given


LESSON_COLUMNS = {
    "l_id": "episode__lesson_id",
    "l_number": "episode__lesson__episode_number",
    "l_title": "episode__lesson__title",
    "l_summary": "episode__lesson__summary",
    "l_url_path": "episode__lesson__url_path",
    "l_live": "episode__lesson__live",
}


def lesson_of(airing: Airing) -> LessonRef | None:
    if "lesson" in airing.__dict__:
        return airing.lesson
    if airing.episode_id is None:
        return None
    lesson = airing.episode.lesson
    return LessonRef(
        lesson.pk, lesson.episode_number, lesson.title, lesson.summary, lesson.url_path, lesson.live
    )


@dataclass(frozen=True)
class PremiereRef:
    uid: str
    starts_at: datetime
    channel: Channel


PREMIERE_COLUMNS = {
    "p_uid": "premiere__uid",
    "p_starts_at": "premiere__starts_at",
    "p_channel_id": "premiere__channel_id",
}


def premiere_of(airing: Airing) -> "PremiereRef | Airing | None":
    if "premiere_ref" in airing.__dict__:
        return airing.premiere_ref
    return airing.premiere if airing.premiere_id else None


def presenter_names_of(airing: Airing) -> list[str]:
    if "presenter_names" in airing.__dict__:
        return airing.presenter_names
    if airing.episode_id is None:
        return []
    return [p.get_full_name() or p.username for p in airing.episode.presenters.all()]


def attach_lessons(airings: list[Airing], *, root_path: str | None = None) -> list[Airing]:
    """Fills what the feeds print from the annotated columns plus two small queries (channels,
    presenters), so each row builds one model object instead of six."""
    channels = {c.pk: c for c in Channel.objects.all()}
    episode_ids = {a.episode_id for a in airings if a.episode_id}
    names: dict[int, list[str]] = {}
    if episode_ids:
        rows = (
            Episode.presenters.through.objects.filter(episode_id__in=episode_ids)
            .order_by("user__first_name", "user__last_name")
            .values_list("episode_id", "user__first_name", "user__last_name", "user__username")
        )
        for episode_id, first, last, username in rows:
            names.setdefault(episode_id, []).append(f"{first} {last}".strip() or username)
    for a in airings:
        a.channel = channels[a.channel_id]
        a.premiere_ref = (
            PremiereRef(a.p_uid, a.p_starts_at, channels[a.p_channel_id]) if a.premiere_id else None
        )
        a.presenter_names = names.get(a.episode_id, [])
        if a.l_id is None:
            a.lesson = None
            continue
        path = lesson_path_of(a.l_url_path, root_path)
        a.lesson = LessonRef(
            a.l_id, a.l_number, a.l_title, a.l_summary, a.l_url_path, a.l_live, path
        )
    return airings


def _airings_base() -> QuerySet[Airing]:
    return Airing.objects.annotate(
        **{k: F(v) for k, v in {**LESSON_COLUMNS, **PREMIERE_COLUMNS}.items()}
    )


def airing_loaded(*, pk: int) -> Airing:
    return attach_lessons([_airings_base().get(pk=pk)])[0]


def _window_filter(
    qs: QuerySet, *, start: datetime, end: datetime, channel: Channel | None, presenter=None
) -> QuerySet:
    qs = qs.filter(starts_at__lt=end, ends_at__gt=start)
    if channel is not None:
        qs = qs.filter(channel=channel)
    if presenter is not None:
        qs = qs.filter(episode__presenters=presenter)
    return qs


def airings_in_window(
    *,
    start: datetime,
    end: datetime,
    channel: Channel | None = None,
    presenter=None,
    root_path: str | None = None,
) -> list[Airing]:
    """Every airing (cancelled ones too) in the window, with what the feeds print, in a
    constant number of queries."""
    qs = _window_filter(_airings_base(), start=start, end=end, channel=channel, presenter=presenter)
    return attach_lessons(list(qs.order_by("starts_at", "channel__number")), root_path=root_path)


def feed_fingerprint(
    *, start: datetime, end: datetime, channel: Channel | None = None, presenter=None
) -> tuple[int, datetime | None]:
    """(count, last modified) of what a feed would show, in one query, for ETag/304."""
    qs = _window_filter(
        Airing.objects.all(), start=start, end=end, channel=channel, presenter=presenter
    )
    row = qs.aggregate(
        n=Count("id", distinct=True),
        m_airing=Max("updated_at"),
        m_episode=Max("episode__updated_at"),
        m_lesson=Max("episode__lesson__last_published_at"),
        m_channel=Max("channel__updated_at"),
    )
    keys = ("m_airing", "m_episode", "m_lesson", "m_channel")
    stamps = [row[k] for k in keys if row[k] is not None]
    return row["n"], max(stamps) if stamps else None


def channel_by_slug(slug: str) -> Channel | None:
    return Channel.objects.filter(slug=slug).first()


def presenter_by_token(token: str):
    calendar = PresenterCalendar.objects.select_related("user").filter(token=token).first()
    if calendar is None or not calendar.user.is_active:
        return None
    return calendar.user


def lesson_root_path() -> str | None:
    """The url_path of the default site's root page (lesson URLs are relative to it)."""
    from wagtail.models import Site

    return (
        Site.objects.filter(is_default_site=True)
        .values_list("root_page__url_path", flat=True)
        .first()
    )


def lesson_path_of(url_path: str | None, root_path: str | None) -> str | None:
    if url_path is None or root_path is None or not url_path.startswith(root_path):
        return None
    return "/" + url_path[len(root_path) :]


def channels_list() -> list[Channel]:
    return list(Channel.objects.all())


# --- what's on ---------------------------------------------------------------------------------
def airings_now(*, now: datetime | None = None) -> list[dict]:
    """Per channel: the airing on air now (or None) and the next one."""
    now = now or timezone.now()
    channels = channels_list()
    live = {
        a.channel_id: a
        for a in attach_lessons(
            list(
                _airings_base()
                .filter(starts_at__lte=now, ends_at__gt=now)
                .exclude(state=Airing.State.CANCELLED)
            )
        )
    }
    upcoming = attach_lessons(
        list(
            _airings_base()
            .filter(starts_at__gt=now, starts_at__lt=now + timedelta(days=14))
            .exclude(state=Airing.State.CANCELLED)
            .order_by("starts_at")
        )
    )
    nxt: dict[int, Airing] = {}
    for a in upcoming:
        nxt.setdefault(a.channel_id, a)
    return [{"channel": c, "on_air": live.get(c.pk), "next": nxt.get(c.pk)} for c in channels]


def airings_today(*, today: date | None = None) -> list[Airing]:
    today = today or local_now().date()
    start = local_day_start(today)
    airings = airings_in_window(
        start=start, end=start + timedelta(days=1), root_path=lesson_root_path()
    )
    return [a for a in airings if a.starts_at >= start]


@dataclass
class WeekDay:
    day: date
    label: str
    by_channel: list[tuple[Channel, list[Airing]]]
    is_today: bool = False


def week_grid(*, week_of: date) -> dict:
    """Precondition: week_of is within core.dates' range (its neighbours then still exist)."""
    monday = week_of - timedelta(days=week_of.weekday())
    previous, following = monday - timedelta(days=7), monday + timedelta(days=7)
    start = local_day_start(monday)
    channels = channels_list()
    airings = airings_in_window(
        start=start, end=start + timedelta(days=7), root_path=lesson_root_path()
    )
    today = local_now().date()
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        cells = []
        for ch in channels:
            cells.append(
                (
                    ch,
                    [
                        a
                        for a in airings
                        if a.channel_id == ch.pk and timezone.localtime(a.starts_at).date() == day
                    ],
                )
            )
        days.append(WeekDay(day=day, label=day_label(day), by_channel=cells, is_today=day == today))
    return {
        "monday": monday,
        "sunday": monday + timedelta(days=6),
        "channels": channels,
        "days": days,
        # None at the edges of the supported range: no link to a week the page refuses
        "previous": previous if in_range(previous) else None,
        "next": following if in_range(following) else None,
    }


def day_label(day: date) -> str:
    return f"{WEEKDAY_NAMES[day.weekday()].capitalize()} {day.day} de {MONTH_NAMES[day.month - 1]}"


# --- episode planning --------------------------------------------------------------------------
@dataclass
class Deadline:
    label: str
    due: date
    done: bool
    overdue: bool


@dataclass
class EpisodePlan:
    episode: Episode
    premieres: list[Airing] = field(default_factory=list)
    repeats: list[Airing] = field(default_factory=list)
    first_air: datetime | None = None
    deadlines: list[Deadline] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def overdue(self) -> bool:
        return any(d.overdue for d in self.deadlines)


STATE_ORDER = list(Episode.State.values)


def _course_path(lesson) -> str:
    # Lesson → unit → course: the course's path is two tree steps shorter.
    return lesson.path[: len(lesson.path) - 2 * lesson.steplen]


def _course_settings(lessons) -> dict[str, CourseBroadcastSettings]:
    paths = {_course_path(lesson) for lesson in lessons}
    return {
        s.course.path: s
        for s in CourseBroadcastSettings.objects.select_related("course").filter(
            course__path__in=paths
        )
    }


def missing_for(episode: Episode) -> list[str]:
    missing = []
    if episode.script_id is None:
        missing.append("Falta el guion.")
    if episode.recording_id is None:
        missing.append("Falta la grabación.")
    if not episode.lesson.live:
        missing.append("La lección aún no está validada.")
    if not episode.lesson.on_air_code:
        missing.append("La lección no tiene código del día.")
    return missing


def episode_plans(episodes: list[Episode], *, today: date | None = None) -> list[EpisodePlan]:
    """Deadlines counted back from each episode's first (non-cancelled) premiere, with the
    course's offsets (7/3/1 days by default), what is missing and double-booking warnings."""
    today = today or local_now().date()
    settings_by_course = _course_settings([e.lesson for e in episodes])
    airings = (
        Airing.objects.select_related("channel", "premiere", "episode__lesson")
        .filter(episode__in=episodes)
        .order_by("starts_at")
    )
    by_episode: dict[int, list[Airing]] = {}
    for a in airings:
        by_episode.setdefault(a.episode_id, []).append(a)
    warnings = presenter_double_bookings(episodes=episodes)
    plans = []
    for episode in episodes:
        plan = EpisodePlan(episode=episode)
        for a in by_episode.get(episode.pk, []):
            (plan.premieres if a.kind == Airing.Kind.PREMIERE else plan.repeats).append(a)
        live = [a for a in plan.premieres if a.state != Airing.State.CANCELLED]
        plan.first_air = live[0].starts_at if live else None
        conf = settings_by_course.get(_course_path(episode.lesson))
        offsets = (
            (conf.script_days_before, conf.recording_days_before, conf.approval_days_before)
            if conf
            else (7, 3, 1)
        )
        if plan.first_air is not None:
            first_day = timezone.localtime(plan.first_air).date()
            idx = STATE_ORDER.index(episode.state)
            checks = [
                ("Guion", offsets[0], episode.script_id is not None and idx >= 1),
                ("Grabación", offsets[1], episode.recording_id is not None and idx >= 2),
                ("Aprobación", offsets[2], idx >= 3),
            ]
            for label, days, done in checks:
                due = first_day - timedelta(days=days)
                plan.deadlines.append(
                    Deadline(label=label, due=due, done=done, overdue=not done and today > due)
                )
        plan.missing = missing_for(episode)
        plan.warnings = [w for eid, w in warnings if eid == episode.pk]
        plans.append(plan)
    return plans


def presenter_episodes(*, user, today: date | None = None) -> list[EpisodePlan]:
    """A presenter's episodes still to air (or aired within the last week)."""
    today = today or local_now().date()
    since = local_day_start(today - timedelta(days=7))
    episodes = list(
        Episode.objects.select_related("lesson", "script", "recording")
        .prefetch_related("presenters")
        .filter(presenters=user)
        .annotate(
            last_air=Max("airings__starts_at", filter=~Q(airings__state=Airing.State.CANCELLED))
        )
        .filter(Q(last_air__gte=since) | Q(last_air__isnull=True))
        .order_by("lesson__episode_number")
    )
    plans = episode_plans(episodes, today=today)
    plans.sort(key=lambda p: (p.first_air is None, p.first_air or timezone.now()))
    return plans


def presenter_double_bookings(*, episodes=None, user=None) -> list[tuple[int, str]]:
    """[(episode id, Spanish warning)] for presenters booked on two overlapping live
    (premiere) airings on different channels."""
    qs = (
        Airing.objects.select_related("channel", "episode__lesson")
        .prefetch_related("episode__presenters")
        .filter(kind=Airing.Kind.PREMIERE, episode__isnull=False, ends_at__gt=timezone.now())
        .exclude(state=Airing.State.CANCELLED)
    )
    if user is not None:
        qs = qs.filter(episode__presenters=user)
    elif episodes is not None:
        people = Episode.presenters.through.objects.filter(episode__in=episodes).values("user_id")
        qs = qs.filter(episode__presenters__in=people)
    airings = sorted(set(qs), key=lambda a: a.starts_at)
    found: list[tuple[int, str]] = []
    for i, a in enumerate(airings):
        for b in airings[i + 1 :]:
            if b.starts_at >= a.ends_at:
                break
            if a.channel_id == b.channel_id:
                continue
            shared = {p.pk: p for p in a.episode.presenters.all()}.keys() & {
                p.pk for p in b.episode.presenters.all()
            }
            for person in a.episode.presenters.all():
                if person.pk in shared:
                    name = person.get_full_name() or person.username
                    text = f"{name} está en dos emisiones en vivo a la vez: «{a}» y «{b}»."
                    found.append((a.episode_id, text))
                    found.append((b.episode_id, text))
    return found


# --- the next airing of a lesson (template tag) ------------------------------------------------
@dataclass
class NextAiring:
    premiere: Airing | None
    repeats: list[Airing]

    def __str__(self) -> str:
        return next_airing_sentence(self)


def _when(airing: Airing) -> str:
    local = timezone.localtime(airing.starts_at)
    return f"el {WEEKDAY_NAMES[local.weekday()]} {local:%H:%M}"


def next_airing_sentence(item: NextAiring) -> str:
    if item.premiere is not None:
        text = f"Se emite {_when(item.premiere)} por {item.premiere.channel.short_name}"
        if item.repeats:
            text += "; repetición " + " y ".join(
                _when_channel(r, item.premiere) for r in item.repeats
            )
        return text
    if item.repeats:
        first = item.repeats[0]
        return f"Repetición {_when(first)} por {first.channel.short_name}"
    return ""


def _when_channel(repeat: Airing, premiere: Airing) -> str:
    if repeat.channel_id == premiere.channel_id:
        return _when(repeat)
    return f"{_when(repeat)} por {repeat.channel.short_name}"


def next_airings_by_lesson(*, now: datetime | None = None) -> dict[int, NextAiring]:
    """{lesson id: its next premiere and that premiere's coming repeats} (or, once the premiere
    has aired, its next repeat), in two queries whatever the number of lessons."""
    now = now or timezone.now()
    upcoming = list(
        Airing.objects.select_related("channel", "episode")
        .filter(episode__isnull=False, ends_at__gt=now, starts_at__lt=now + timedelta(weeks=8))
        .exclude(state=Airing.State.CANCELLED)
        .order_by("starts_at")
    )
    result: dict[int, NextAiring] = {}
    for a in upcoming:
        lesson_id = a.episode.lesson_id
        item = result.get(lesson_id)
        if item is None:
            item = result[lesson_id] = NextAiring(premiere=None, repeats=[])
            if a.kind == Airing.Kind.PREMIERE:
                item.premiere = a
            else:
                item.repeats.append(a)
            continue
        if item.premiere is not None and a.premiere_id == item.premiere.pk:
            item.repeats.append(a)
    for item in result.values():
        item.repeats = item.repeats[:1] if item.premiere is None else item.repeats
    return result


def lessons_first_airing(lesson_ids) -> dict[int, datetime]:
    """{lesson id: start of its first airing on either channel}, cancelled airings left out.
    Registered into lms.hooks (the LMS's TV check-in rule asks it without importing us)."""
    rows = (
        Airing.objects.filter(episode__lesson_id__in=list(lesson_ids))
        .exclude(state=Airing.State.CANCELLED)
        .values("episode__lesson_id")
        .annotate(first=Min("starts_at"))
    )
    return {row["episode__lesson_id"]: row["first"] for row in rows}
