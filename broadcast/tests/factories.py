"""Builders for broadcast tests: a course with lessons, the programme's schedule from this
week, episodes on next week's premieres."""

from datetime import date, datetime, time, timedelta

import factory
from django.utils import timezone

from broadcast import services
from broadcast.models import Airing, Channel, Episode
from broadcast.seed import programme_schedule_install


def this_monday() -> date:
    return services.week_start(timezone.localdate())


def lima(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def build_course(n_lessons: int = 3, *, live: bool = True):
    """A course → unit → n lessons under the home page; returns the lessons."""
    from wagtail.models import Site

    from cms.seed import seed_site_root
    from lms.models import CoursePage, LessonPage, UnitPage

    seed_site_root()
    home = Site.objects.get(is_default_site=True).root_page
    course = CoursePage(title="Aprendiendo paso a paso", slug="aprendiendo-paso-a-paso")
    home.add_child(instance=course)
    unit = UnitPage(title="Unidad 1", slug="unidad-1", number=1)
    course.add_child(instance=unit)
    lessons = []
    for number in range(1, n_lessons + 1):
        lesson = LessonPage(
            title=f"Lección {number}: el presupuesto familiar",
            slug=f"leccion-{number}",
            episode_number=number + 10,
            on_air_code=f"COD{number:02d}",
            summary="Cómo anotar ingresos y gastos de la semana.",
            live=live,
        )
        unit.add_child(instance=lesson)
        lessons.append(lesson)
    return lessons


def install_programme() -> tuple[Channel, Channel]:
    programme_schedule_install(valid_from=this_monday())
    return Channel.objects.get(slug="canal-7"), Channel.objects.get(slug="canal-25")


def premiere_on(day: date) -> Airing:
    return Airing.objects.get(kind=Airing.Kind.PREMIERE, occurrence_date=day)


class EpisodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Episode


def episode_on(lesson, premiere: Airing, presenters=()) -> Episode:
    episode = EpisodeFactory(lesson=lesson)
    episode.presenters.set(presenters)
    services.episode_schedule(episode=episode, premiere=premiere)
    return episode


def next_week(weekday: int) -> date:
    return this_monday() + timedelta(days=7 + weekday)
