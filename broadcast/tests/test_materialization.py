from datetime import UTC, date, time, timedelta

import pytest
from django.utils import timezone

from broadcast import services
from broadcast.models import Airing, Channel, SlotRule
from broadcast.tests.factories import lima, next_week

pytestmark = pytest.mark.django_db


def test_wednesday_premiere_is_21_lima_whatever_the_utc_offset(programme):
    wednesday = next_week(2)
    premiere = Airing.objects.get(kind="premiere", occurrence_date=wednesday)
    assert premiere.starts_at == lima(wednesday, 21)
    # stored in UTC: Lima is UTC-5 today, so 02:00 the next day
    assert premiere.starts_at.astimezone(UTC).time() == time(2, 0)
    assert premiere.ends_at - premiere.starts_at == timedelta(hours=1)


def test_expansion_uses_the_zone_rules_of_each_date():
    # Peru used UTC-4 in the summer of 1987: 21:00 Lima was 01:00 UTC, not 02:00.
    channel = Channel(name="Archivo", number=99, slug="archivo", xmltv_id="archivo.pe")
    rule = SlotRule(
        channel=channel,
        weekdays="3",
        start_time=time(21, 0),
        duration_minutes=60,
        valid_from=date(1987, 1, 1),
    )
    occurrences = services.rule_occurrences(
        rule=rule, first=date(1987, 1, 1), last=date(1987, 6, 30)
    )
    utc_hours = {day.month: start.astimezone(UTC).hour for day, (start, _) in occurrences.items()}
    assert utc_hours[1] == 1  # DST
    assert utc_hours[6] == 2  # standard time


def test_saturday_repeats_point_to_that_weeks_premieres_in_order(programme):
    saturday = next_week(5)
    repeats = Airing.objects.filter(occurrence_date=saturday, channel__slug="canal-7").order_by(
        "starts_at"
    )
    assert [timezone.localtime(a.starts_at).hour for a in repeats] == [16, 17, 18]
    assert [a.premiere.occurrence_date for a in repeats] == [
        next_week(2),
        next_week(3),
        next_week(4),
    ]
    assert all(a.kind == "repeat" for a in repeats)


def test_channel_25_repeats_follow_the_programme(programme):
    premieres_of = {
        next_week(0): next_week(4) - timedelta(days=7),  # Monday: previous Friday
        next_week(1): next_week(2) - timedelta(days=7),  # Tuesday: previous week's Wednesday
        next_week(2): next_week(3) - timedelta(days=7),  # Wednesday: previous week's Thursday
        next_week(3): next_week(2),  # Thursday: the evening before
        next_week(4): next_week(3),  # Friday: the evening before
    }
    for day, premiere_day in premieres_of.items():
        airing = Airing.objects.get(channel__slug="canal-25", occurrence_date=day)
        assert timezone.localtime(airing.starts_at).time() == time(20, 0)
        assert airing.premiere.channel.slug == "canal-7"
        assert airing.premiere.occurrence_date == premiere_day


def test_materialisation_is_idempotent_and_reaches_the_horizon(programme):
    before = set(Airing.objects.values_list("uid", flat=True))
    result = services.airings_materialize()
    assert (result.created, result.updated, result.cancelled) == (0, 0, 0)
    assert set(Airing.objects.values_list("uid", flat=True)) == before
    last = Airing.objects.order_by("-starts_at").first()
    assert timezone.localtime(last.starts_at).date() >= timezone.localdate() + timedelta(weeks=25)


def test_editing_a_rule_changes_future_airings_only_and_keeps_uid_and_episode(scheduled):
    rule = SlotRule.objects.get(channel__slug="canal-7", kind="premiere")
    premiere = Airing.objects.get(kind="premiere", occurrence_date=next_week(2))
    past = Airing.objects.filter(rule=rule, starts_at__lt=timezone.now()).first()
    past_start = past.starts_at if past else None
    rule.start_time = time(21, 30)
    services.slot_rule_save(rule=rule)
    premiere.refresh_from_db()
    assert timezone.localtime(premiere.starts_at).time() == time(21, 30)
    assert premiere.sequence == 1
    assert premiere.episode == scheduled[0]
    if past:
        past.refresh_from_db()
        assert past.starts_at == past_start


def test_moved_and_cancelled_airings_survive_regeneration(scheduled, users):
    moved = Airing.objects.get(channel__slug="canal-25", occurrence_date=next_week(0))
    cancelled = Airing.objects.get(channel__slug="canal-25", occurrence_date=next_week(1))
    services.airing_move(
        airing=moved, starts_at=lima(next_week(0), 19), reason="Sesión de concejo", user=None
    )
    services.airing_cancel(airing=cancelled, reason="Corte de luz", user=None)
    services.airings_materialize()
    moved.refresh_from_db()
    cancelled.refresh_from_db()
    assert moved.state == "moved" and timezone.localtime(moved.starts_at).hour == 19
    assert cancelled.state == "cancelled"
    assert Airing.objects.filter(rule=moved.rule, occurrence_date=next_week(0)).count() == 1


def test_holiday_cancels_the_day_and_later_materialisation_keeps_it_cancelled(programme):
    holiday = next_week(3)
    services.schedule_exception_holiday(day=holiday, reason="Feriado", user=None)
    day_airings = Airing.objects.filter(occurrence_date=holiday)
    assert {a.state for a in day_airings} == {"cancelled"}
    assert all(a.sequence == 1 for a in day_airings)
    services.airings_materialize()
    assert {a.state for a in Airing.objects.filter(occurrence_date=holiday)} == {"cancelled"}


def test_removing_a_weekday_cancels_its_future_airings(programme):
    rule = SlotRule.objects.get(channel__slug="canal-25", weekdays="0")
    rule.valid_until = next_week(0) - timedelta(days=1)
    services.slot_rule_save(rule=rule)
    later = Airing.objects.get(rule=rule, occurrence_date=next_week(0))
    assert later.state == "cancelled" and later.sequence == 1


def test_past_airings_are_marked_aired(programme):
    later = timezone.now() + timedelta(weeks=3)
    result = services.airings_materialize(now=later)
    assert result.marked_aired > 0
    assert not Airing.objects.filter(ends_at__lte=later, state="scheduled").exists()


def test_beat_schedule_runs_materialisation_once_every_day():
    from celery import current_app
    from celery.schedules import crontab
    from django.conf import settings

    from broadcast.tasks import materialize_task

    entry = settings.CELERY_BEAT_SCHEDULE["broadcast-materialize"]
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab)
    # one minute of one hour, on every day of every month
    assert len(schedule.hour) == 1 and len(schedule.minute) == 1
    assert schedule.day_of_week == set(range(7))
    assert schedule.day_of_month == set(range(1, 32))
    assert schedule.month_of_year == set(range(1, 13))
    assert current_app.tasks[entry["task"]] == materialize_task  # the name reaches this task


def test_materialize_task_brings_back_a_missing_future_airing(programme):
    from broadcast.tasks import materialize_task

    wednesday = next_week(2)
    premiere = Airing.objects.get(kind="premiere", occurrence_date=wednesday)
    rule_id = premiere.rule_id
    premiere.delete()

    result = materialize_task.run()

    assert result["created"] >= 1
    back = Airing.objects.get(rule_id=rule_id, occurrence_date=wednesday)
    assert back.starts_at == lima(wednesday, 21) and back.state == "scheduled"
    assert materialize_task.run()["created"] == 0  # idempotent: a second run adds nothing


def test_materialize_task_for_a_channel_that_is_gone_does_nothing(programme):
    from broadcast.tasks import materialize_task

    before = Airing.objects.count()
    assert materialize_task.run(channel_id=999_999) == {}
    assert Airing.objects.count() == before
