"""Demo: both channels with the programme's rules from the current week, episodes for the demo
lessons on the coming premieres, one holiday and one moved airing. Idempotent."""

from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from broadcast import services
from broadcast.models import Airing, Channel, Episode, ScheduleException, SlotRule
from tramites_bridge.workdays import FIXED_HOLIDAYS

# Peru's fixed-date public holidays (month, day, name): the procedure calendar's table.
HOLIDAYS = FIXED_HOLIDAYS


def channels_ensure() -> tuple[Channel, Channel]:
    ch7, _ = Channel.objects.get_or_create(
        slug="canal-7",
        defaults={"name": "TV Norte canal 7", "number": 7, "xmltv_id": "tvnorte7.pe"},
    )
    ch25, _ = Channel.objects.get_or_create(
        slug="canal-25", defaults={"name": "Canal 25", "number": 25, "xmltv_id": "canal25.pe"}
    )
    return ch7, ch25


def programme_schedule_install(*, valid_from: date) -> list[SlotRule]:
    """The programme's rules (ISSUE: channel 7 Wed–Fri 21:00 premieres, Saturday 16/17/18 h
    repeats of that week's Wed/Thu/Fri; channel 25 Mon–Fri 20:00 repeats: Thu/Fri the previous
    evening's, Mon the previous Friday's, Tue/Wed the previous week's Wed/Thu)."""
    ch7, ch25 = channels_ensure()
    if SlotRule.objects.filter(channel__in=[ch7, ch25]).exists():
        return []

    def rule(channel, name, days, hour, kind="premiere", repeats=None, back=None):
        return services.slot_rule_save(
            rule=SlotRule(
                channel=channel,
                name=name,
                weekdays=days,
                start_time=time(hour, 0),
                duration_minutes=60,
                valid_from=valid_from,
                kind=kind,
                repeats_rule=repeats,
                repeats_days_back=back,
            )
        )

    premiere = rule(ch7, "Estrenos", "2,3,4", 21)
    return [
        premiere,
        rule(ch7, "Sábado: repite el miércoles", "5", 16, "repeat", premiere, 3),
        rule(ch7, "Sábado: repite el jueves", "5", 17, "repeat", premiere, 2),
        rule(ch7, "Sábado: repite el viernes", "5", 18, "repeat", premiere, 1),
        rule(ch25, "Repite la víspera", "3,4", 20, "repeat", premiere, 1),
        rule(ch25, "Lunes: repite el viernes", "0", 20, "repeat", premiere, 3),
        rule(ch25, "Repite la semana anterior", "1,2", 20, "repeat", premiere, 6),
    ]


def next_holiday(after: date) -> tuple[date, str]:
    for year in (after.year, after.year + 1):
        for month, day, name in HOLIDAYS:
            candidate = date(year, month, day)
            if candidate > after and candidate.weekday() != 6:  # nothing airs on Sunday
                return candidate, name
    raise AssertionError("unreachable")


def seed() -> list[str]:
    from lms.models import LessonPage

    created: list[str] = []
    today = timezone.localdate()
    monday = services.week_start(today)
    if not Channel.objects.exists():
        created.append("canales 7 y 25")
    rules = programme_schedule_install(valid_from=monday)
    if rules:
        created.append(f"{len(rules)} reglas")
    services.airings_materialize()

    User = get_user_model()
    presenters = list(User.objects.filter(username__in=["conductora.rosa", "conductora.milagros"]))
    premieres = list(
        Airing.objects.filter(
            kind=Airing.Kind.PREMIERE, channel__slug="canal-7", occurrence_date__gte=monday
        )
        .exclude(state=Airing.State.CANCELLED)
        .order_by("starts_at")
    )
    lessons = LessonPage.objects.order_by("episode_number")
    for index, lesson in enumerate(lessons):
        if Episode.objects.filter(lesson=lesson).exists() or index >= len(premieres):
            continue
        episode = Episode.objects.create(lesson=lesson)
        if presenters:
            episode.presenters.set([presenters[index % len(presenters)]])
        services.episode_schedule(episode=episode, premiere=premieres[index])
        created.append(str(episode))

    admin = User.objects.filter(is_superuser=True).first()
    if not ScheduleException.objects.filter(kind=ScheduleException.Kind.HOLIDAY).exists():
        day, name = next_holiday(today)
        services.schedule_exception_holiday(day=day, reason=f"Feriado: {name}", user=admin)
        created.append(f"feriado {day:%d/%m}")
    if not ScheduleException.objects.filter(kind=ScheduleException.Kind.MOVE).exists():
        next_monday = monday + timedelta(days=7)
        airing = (
            Airing.objects.select_related("channel")
            .filter(channel__slug="canal-25", occurrence_date=next_monday)
            .exclude(state=Airing.State.CANCELLED)
            .first()
        )
        if airing is not None:
            new_start = timezone.make_aware(datetime.combine(next_monday, time(19, 0)))
            services.airing_move(
                airing=airing,
                starts_at=new_start,
                reason="Transmisión especial: sesión del Concejo Municipal a las 20:00",
                user=admin,
            )
            created.append(f"emisión movida {next_monday:%d/%m}")
    return created
