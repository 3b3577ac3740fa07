"""Every write of the broadcast app: rules, materialisation, moves, cancellations, holidays,
episodes and presenters' calendar tokens. Admin, API, seed and tasks all come through here."""

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from wagtail.documents import get_document_model

from broadcast.models import (
    Airing,
    Channel,
    Episode,
    PresenterCalendar,
    ScheduleException,
    SlotRule,
)
from core.dates import in_range, out_of_range_message
from core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from core.roles import PRESENTERS, TV_STAFF, user_has_role

logger = logging.getLogger(__name__)


# --- rule expansion ----------------------------------------------------------------------------
def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def rule_occurrences(*, rule: SlotRule, first: date, last: date) -> dict[date, tuple]:
    """{occurrence date: (starts_at, ends_at)} in UTC for the rule's days in [first, last].

    Dates are the channel's wall clock: the start is built as a local time of that date and
    only then converted, so 21:00 stays 21:00 whatever the UTC offset of that day."""
    tz = rule.channel.tz
    first = max(first, rule.valid_from)
    if rule.valid_until:
        last = min(last, rule.valid_until)
    days = set(rule.weekday_list)
    result: dict[date, tuple] = {}
    day = first
    while day <= last:
        if day.weekday() in days:
            local_start = datetime.combine(day, rule.start_time, tzinfo=tz)
            local_end = local_start + rule.duration  # wall-clock arithmetic within one zone
            result[day] = (local_start.astimezone(UTC), local_end.astimezone(UTC))
        day += timedelta(days=1)
    return result


def _window(*, channel: Channel, now: datetime, horizon_weeks: int) -> tuple[date, date]:
    today = now.astimezone(channel.tz).date()
    return week_start(today), today + timedelta(weeks=horizon_weeks)


def _overlaps(
    *, channel_id: int, starts_at: datetime, ends_at: datetime, exclude_ids=()
) -> Airing | None:
    return (
        Airing.objects.select_related("channel")
        .filter(channel_id=channel_id, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .exclude(state=Airing.State.CANCELLED)
        .exclude(pk__in=list(exclude_ids))
        .order_by("starts_at")
        .first()
    )


def conflict_message(first: str, second: str) -> str:
    return f"La emisión «{first}» se superpone con «{second}» en el mismo canal."


def _holiday_dates(*, channel: Channel, first: date, last: date) -> set[date]:
    return set(
        ScheduleException.objects.filter(
            kind=ScheduleException.Kind.HOLIDAY, date__gte=first, date__lte=last
        )
        .filter(models_q_channel(channel))
        .values_list("date", flat=True)
    )


def models_q_channel(channel: Channel):
    from django.db.models import Q

    return Q(channel__isnull=True) | Q(channel=channel)


@dataclass
class MaterializeResult:
    created: int = 0
    updated: int = 0
    cancelled: int = 0
    skipped_conflicts: int = 0
    marked_aired: int = 0


def airings_materialize(
    *, channel: Channel | None = None, now: datetime | None = None, horizon_weeks: int | None = None
) -> MaterializeResult:
    """Idempotent: brings the airings of every rule (of one channel, or all) in line with the
    rules, from the start of this week to the horizon. Only future airings change; an airing a
    person moved or cancelled (locked) is never touched; an airing keeps its row, UID and
    episode when its rule's time changes, with its SEQUENCE raised."""
    now = now or timezone.now()
    horizon_weeks = horizon_weeks or settings.BROADCAST_HORIZON_WEEKS
    result = MaterializeResult()
    channels = [channel] if channel else list(Channel.objects.all())
    with transaction.atomic():
        for ch in channels:
            # Serialises concurrent materialisations and moves on one channel.
            Channel.objects.select_for_update().filter(pk=ch.pk).first()
            _materialize_channel(channel=ch, now=now, horizon_weeks=horizon_weeks, result=result)
        result.marked_aired = _mark_aired(now=now)
    return result


@dataclass
class _ChannelRun:
    """One channel's materialisation: its window, holidays and live airings (`busy`, to refuse
    overlaps without a query per occurrence), and the counts so far."""

    channel: Channel
    now: datetime
    first: date
    last: date
    holidays: set[date]
    busy: list
    result: MaterializeResult


def _materialize_channel(
    *, channel: Channel, now: datetime, horizon_weeks: int, result: MaterializeResult
) -> None:
    first, last = _window(channel=channel, now=now, horizon_weeks=horizon_weeks)
    busy = list(
        Airing.objects.filter(
            channel=channel,
            ends_at__gt=now - timedelta(days=7),
            starts_at__lt=now + timedelta(weeks=horizon_weeks + 2),
        )
        .exclude(state=Airing.State.CANCELLED)
        .values_list("pk", "starts_at", "ends_at", "rule_id")
    )
    run = _ChannelRun(
        channel=channel,
        now=now,
        first=first,
        last=last,
        holidays=_holiday_dates(channel=channel, first=first, last=last),
        busy=busy,
        result=result,
    )
    rules = list(SlotRule.objects.select_related("channel").filter(channel=channel))
    rules.sort(key=lambda r: r.kind != SlotRule.Kind.PREMIERE)  # premieres before repeats
    for rule in rules:
        _materialize_rule(run=run, rule=rule)


def _materialize_rule(*, run: _ChannelRun, rule: SlotRule) -> None:
    wanted = rule_occurrences(rule=rule, first=run.first, last=run.last)
    existing = {a.occurrence_date: a for a in rule.airings.filter(occurrence_date__gte=run.first)}
    premieres = _premieres_of(rule=rule, first=run.first)
    to_create = []
    for day, (starts_at, ends_at) in wanted.items():
        airing = existing.pop(day, None)
        if airing is not None:
            _airing_follow_rule(run=run, airing=airing, starts_at=starts_at, ends_at=ends_at)
            continue
        new = _airing_new(
            run=run, rule=rule, day=day, starts_at=starts_at, ends_at=ends_at, premieres=premieres
        )
        if new is not None:
            to_create.append(new)
    Airing.objects.bulk_create(to_create)
    run.result.created += len(to_create)
    # Occurrences the edited rule no longer produces: future ones are cancelled (not deleted,
    # so subscribed calendars see STATUS:CANCELLED); a later edit may bring them back.
    for airing in existing.values():
        if (
            airing.locked
            or airing.starts_at <= run.now
            or airing.state != Airing.State.SCHEDULED
            or airing.occurrence_date > run.last
        ):
            continue
        airing.state = Airing.State.CANCELLED
        airing.sequence += 1
        airing.save()
        run.result.cancelled += 1


def _premieres_of(*, rule: SlotRule, first: date) -> dict[date, Airing]:
    """{date: premiere airing} a repeat rule may point at; empty for a premiere rule."""
    if rule.kind != SlotRule.Kind.REPEAT:
        return {}
    return {
        a.occurrence_date: a
        for a in Airing.objects.filter(
            rule_id=rule.repeats_rule_id,
            occurrence_date__gte=first - timedelta(days=rule.repeats_days_back),
        )
    }


def _airing_follow_rule(
    *, run: _ChannelRun, airing: Airing, starts_at: datetime, ends_at: datetime
) -> None:
    """An existing future airing takes its rule's (new) time, or comes back from a cancellation
    the rule caused; locked, started and aired ones stay as they are."""
    if airing.locked or airing.starts_at <= run.now or airing.state == Airing.State.AIRED:
        return
    revive = airing.state == Airing.State.CANCELLED
    if not revive and (airing.starts_at, airing.ends_at) == (starts_at, ends_at):
        return
    if _busy_overlap(run.busy, starts_at, ends_at, exclude=airing.pk):
        run.result.skipped_conflicts += 1
        return
    airing.starts_at, airing.ends_at = starts_at, ends_at
    airing.state = Airing.State.SCHEDULED
    airing.sequence += 1
    airing.save()
    run.busy[:] = [b for b in run.busy if b[0] != airing.pk]
    run.busy.append((airing.pk, starts_at, ends_at, airing.rule_id))
    run.result.updated += 1


def _airing_new(
    *,
    run: _ChannelRun,
    rule: SlotRule,
    day: date,
    starts_at: datetime,
    ends_at: datetime,
    premieres: dict[date, Airing],
) -> Airing | None:
    """The unsaved airing of an occurrence that has none yet (cancelled on a holiday), or None
    when it would overlap another airing or has no premiere to repeat yet."""
    premiere = None
    if rule.kind == SlotRule.Kind.REPEAT:
        premiere = premieres.get(day - timedelta(days=rule.repeats_days_back))
        if premiere is None:
            return None  # nothing aired yet to repeat (the premiere rule starts later)
    if _busy_overlap(run.busy, starts_at, ends_at):
        logger.warning("Regla %s: %s se superpone; no se crea", rule.pk, starts_at)
        run.result.skipped_conflicts += 1
        return None
    cancelled = day in run.holidays
    if not cancelled:
        run.busy.append((None, starts_at, ends_at, rule.pk))
    return Airing(
        channel=run.channel,
        rule=rule,
        occurrence_date=day,
        starts_at=starts_at,
        ends_at=ends_at,
        kind=rule.kind,
        premiere=premiere,
        episode=premiere.episode if premiere else None,
        state=Airing.State.CANCELLED if cancelled else Airing.State.SCHEDULED,
        locked=cancelled,
    )


def _busy_overlap(busy: list, starts_at: datetime, ends_at: datetime, exclude=None) -> bool:
    return any(
        s < ends_at and e > starts_at and (exclude is None or pk != exclude) for pk, s, e, _ in busy
    )


def _mark_aired(*, now: datetime) -> int:
    aired = Airing.objects.filter(
        ends_at__lte=now, state__in=[Airing.State.SCHEDULED, Airing.State.MOVED]
    )
    episode_ids = set(
        aired.filter(kind=Airing.Kind.PREMIERE, episode__isnull=False).values_list(
            "episode_id", flat=True
        )
    )
    count = aired.update(state=Airing.State.AIRED, updated_at=now)
    if episode_ids:
        Episode.objects.filter(pk__in=episode_ids).exclude(state=Episode.State.AIRED).update(
            state=Episode.State.AIRED, updated_at=now
        )
    return count


# --- rules -------------------------------------------------------------------------------------
def slot_rule_save(*, rule: SlotRule, now: datetime | None = None) -> SlotRule:
    """Saves a new or edited rule and regenerates its channel. Refuses (409) a rule whose future
    slots overlap another airing of the channel, naming both."""
    now = now or timezone.now()
    horizon = settings.BROADCAST_HORIZON_WEEKS
    with transaction.atomic():
        Channel.objects.select_for_update().filter(pk=rule.channel_id).first()
        rule.full_clean()
        first, last = _window(channel=rule.channel, now=now, horizon_weeks=horizon)
        others = list(
            Airing.objects.select_related("channel")
            .filter(channel_id=rule.channel_id, ends_at__gt=now)
            .exclude(state=Airing.State.CANCELLED)
            .exclude(rule_id=rule.pk if rule.pk else -1)
        )
        for starts_at, ends_at in rule_occurrences(rule=rule, first=first, last=last).values():
            if starts_at <= now:
                continue
            for other in others:
                if other.starts_at < ends_at and other.ends_at > starts_at:
                    candidate = Airing(
                        channel=rule.channel, starts_at=starts_at, ends_at=ends_at, kind=rule.kind
                    )
                    raise ConflictError(conflict_message(str(candidate), str(other)))
        rule.save()
        airings_materialize(channel=rule.channel, now=now)
    return rule


def slot_rule_delete(*, rule: SlotRule, now: datetime | None = None) -> None:
    """Future unlocked airings of the rule are cancelled (feeds keep them as cancelled); past
    ones stay as history."""
    now = now or timezone.now()
    with transaction.atomic():
        for airing in rule.airings.filter(starts_at__gt=now, locked=False).exclude(
            state=Airing.State.CANCELLED
        ):
            airing.state = Airing.State.CANCELLED
            airing.sequence += 1
            airing.save()
        if rule.repeat_rules.exists():
            raise ConflictError(
                "Esta regla tiene repeticiones que apuntan a ella: elimine o cambie primero esas "
                "reglas."
            )
        rule.delete()


# --- single airings and exceptions -------------------------------------------------------------
def airing_move(
    *, airing: Airing, starts_at: datetime, reason: str, user, now: datetime | None = None
) -> Airing:
    """Moves one airing (keeps UID and episode, raises SEQUENCE). Refuses an overlap (409)."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(errors=[{"field": "reason", "message": "Indique el motivo."}])
    if timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at, airing.channel.tz)
    if not in_range(starts_at.date()):  # year 9999 plus the airing's duration overflows
        raise ValidationFailed(errors=[{"field": "starts_at", "message": out_of_range_message()}])
    if starts_at <= now:
        raise ValidationFailed(
            errors=[{"field": "starts_at", "message": "El nuevo inicio debe ser futuro."}]
        )
    with transaction.atomic():
        Channel.objects.select_for_update().filter(pk=airing.channel_id).first()
        airing = Airing.objects.select_related("channel").select_for_update().get(pk=airing.pk)
        if airing.state in (Airing.State.CANCELLED, Airing.State.AIRED):
            state = airing.get_state_display().lower()
            raise ConflictError(f"No se puede cambiar el horario de una emisión {state}.")
        duration = airing.ends_at - airing.starts_at
        ends_at = starts_at + duration
        other = _overlaps(
            channel_id=airing.channel_id,
            starts_at=starts_at,
            ends_at=ends_at,
            exclude_ids=[airing.pk],
        )
        if other is not None:
            moved = Airing(
                channel=airing.channel, starts_at=starts_at, ends_at=ends_at, kind=airing.kind
            )
            raise ConflictError(conflict_message(str(moved), str(other)))
        previous = airing.starts_at
        airing.starts_at, airing.ends_at = starts_at, ends_at
        airing.state = Airing.State.MOVED
        airing.locked = True
        airing.sequence += 1
        airing.save()
        ScheduleException.objects.create(
            kind=ScheduleException.Kind.MOVE,
            channel=airing.channel,
            airing=airing,
            new_starts_at=starts_at,
            previous_starts_at=previous,
            reason=reason,
            created_by=user,
        )
    return airing


def airing_cancel(*, airing: Airing, reason: str, user) -> Airing:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(errors=[{"field": "reason", "message": "Indique el motivo."}])
    with transaction.atomic():
        airing = Airing.objects.select_related("channel").select_for_update().get(pk=airing.pk)
        if airing.state == Airing.State.CANCELLED:
            return airing
        if airing.state == Airing.State.AIRED:
            raise ConflictError("No se puede cancelar una emisión que ya salió al aire.")
        airing.state = Airing.State.CANCELLED
        airing.locked = True
        airing.sequence += 1
        airing.save()
        ScheduleException.objects.create(
            kind=ScheduleException.Kind.CANCEL,
            channel=airing.channel,
            airing=airing,
            previous_starts_at=airing.starts_at,
            reason=reason,
            created_by=user,
        )
    return airing


def schedule_exception_holiday(
    *, day: date, reason: str, user, channel: Channel | None = None
) -> ScheduleException:
    """Cancels every airing of that Lima date (one channel or all); materialisation creates
    later occurrences of that date already cancelled."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(errors=[{"field": "reason", "message": "Indique el motivo."}])
    with transaction.atomic():
        exception = ScheduleException.objects.create(
            kind=ScheduleException.Kind.HOLIDAY,
            channel=channel,
            date=day,
            reason=reason,
            created_by=user,
        )
        schedule_exception_apply(exception=exception)
    return exception


def schedule_exception_apply(*, exception: ScheduleException) -> int:
    """Applies a holiday to the airings already materialised (idempotent)."""
    if exception.kind != ScheduleException.Kind.HOLIDAY:
        return 0
    channels = [exception.channel] if exception.channel else list(Channel.objects.all())
    count = 0
    for ch in channels:
        start = datetime.combine(exception.date, datetime.min.time(), tzinfo=ch.tz)
        end = start + timedelta(days=1)
        for airing in Airing.objects.filter(
            channel=ch, starts_at__gte=start, starts_at__lt=end
        ).exclude(state__in=[Airing.State.CANCELLED, Airing.State.AIRED]):
            airing.state = Airing.State.CANCELLED
            airing.locked = True
            airing.sequence += 1
            airing.save()
            count += 1
    return count


# --- episodes ----------------------------------------------------------------------------------
STATE_ORDER = list(Episode.State.values)


def _can_plan(user, episode: Episode | None) -> bool:
    if user_has_role(user, TV_STAFF):
        return True
    if not user_has_role(user, PRESENTERS):
        return False
    return episode is None or episode.presenters.filter(pk=user.pk).exists()


def episode_create(
    *, lesson, user, presenters=None, premiere: Airing | None = None, notes: str = ""
) -> Episode:
    """A presenter creates an episode for a lesson (and presents it); TV staff name presenters."""
    if not _can_plan(user, None):
        raise PermissionDeniedError()
    with transaction.atomic():
        if Episode.objects.filter(lesson=lesson).exists():
            raise ConflictError(
                f"La lección «{lesson.title}» ya tiene un episodio (episodio "
                f"{lesson.episode_number})."
            )
        episode = Episode.objects.create(lesson=lesson, notes=notes)
        people = list(presenters or [])
        if user_has_role(user, PRESENTERS) and not user.is_superuser and user not in people:
            people.append(user)
        episode.presenters.set(people)
        if premiere is not None:
            episode_schedule(episode=episode, premiere=premiere)
    return episode


def episode_schedule(*, episode: Episode, premiere: Airing) -> Episode:
    """Puts the episode on a premiere airing and on every repeat pointing at it."""
    if premiere.kind != Airing.Kind.PREMIERE:
        raise ValidationFailed(
            errors=[{"field": "airing_id", "message": "Elija una emisión de estreno."}]
        )
    with transaction.atomic():
        premiere = Airing.objects.select_for_update().get(pk=premiere.pk)
        if premiere.episode_id not in (None, episode.pk):
            raise ConflictError(f"La emisión «{premiere}» ya tiene otro episodio.")
        now = timezone.now()
        Airing.objects.filter(pk=premiere.pk).update(episode=episode, updated_at=now)
        Airing.objects.filter(premiere=premiere).update(episode=episode, updated_at=now)
    return episode


def _requirements_for(state: str, episode: Episode) -> list[str]:
    missing = []
    idx = STATE_ORDER.index(state)
    if idx >= STATE_ORDER.index(Episode.State.SCRIPT) and episode.script_id is None:
        missing.append("Adjunte el guion antes de pasar a «Guion».")
    if idx >= STATE_ORDER.index(Episode.State.RECORDED) and episode.recording_id is None:
        missing.append("Adjunte la grabación antes de pasar a «Grabado».")
    if idx >= STATE_ORDER.index(Episode.State.APPROVED):
        if not episode.lesson.live:
            missing.append("La lección aún no está validada (publicada).")
        if not episode.lesson.on_air_code:
            missing.append("La lección no tiene código del día.")
    return missing


def episode_update(
    *,
    episode: Episode,
    user,
    state: str | None = None,
    notes: str | None = None,
    script=None,
    recording=None,
    presenters=None,
) -> Episode:
    """A presenter edits only their own episodes. Approval is TV staff's; "emitido" is set when
    the premiere airs. Attaching a new recording queues it in the media pipeline."""
    if not _can_plan(user, episode):
        raise PermissionDeniedError("Solo puede editar sus propios episodios.")
    queue_asset = None
    with transaction.atomic():
        episode = Episode.objects.select_for_update().select_related("lesson").get(pk=episode.pk)
        if script is not None:
            episode.script = script
        if recording is not None and recording.pk != episode.recording_id:
            episode.recording = recording
            queue_asset = recording.pk
        if notes is not None:
            episode.notes = notes
        if state is not None and state != episode.state:
            if state not in STATE_ORDER:
                raise ValidationFailed(
                    errors=[{"field": "state", "message": "Estado desconocido."}]
                )
            if state == Episode.State.AIRED:
                raise ValidationFailed(
                    errors=[
                        {
                            "field": "state",
                            "message": "«Emitido» se marca solo cuando el estreno sale al aire.",
                        }
                    ]
                )
            if state == Episode.State.APPROVED and not user_has_role(user, TV_STAFF):
                raise PermissionDeniedError("La aprobación la da el Personal TV.")
            missing = _requirements_for(state, episode)
            if missing:
                raise ValidationFailed(
                    "No se puede cambiar el estado todavía.",
                    errors=[{"field": "state", "message": m} for m in missing],
                )
            episode.state = state
        episode.save()
        if presenters is not None:
            if not user_has_role(user, TV_STAFF):
                raise PermissionDeniedError("Solo el Personal TV asigna conductoras.")
            episode.presenters.set(presenters)
        # Repeats and premieres show the episode: their feeds must see a new Last-Modified.
        Airing.objects.filter(episode=episode).update(updated_at=timezone.now())
    if queue_asset is not None:
        from media_pipeline.services import asset_queue

        transaction.on_commit(lambda: asset_queue(asset_id=queue_asset))
    return episode


def episode_advance(*, episode: Episode, user) -> Episode:
    """Moves the episode one state forward (idea → guion → grabado → aprobado)."""
    idx = STATE_ORDER.index(episode.state)
    if idx + 1 >= len(STATE_ORDER):
        raise ConflictError("El episodio ya fue emitido.")
    return episode_update(episode=episode, user=user, state=STATE_ORDER[idx + 1])


def episode_edit(
    *,
    episode: Episode,
    user,
    script_file: File | None = None,
    recording=None,
    notes: str | None = None,
    advance: bool = False,
) -> Episode:
    """A presenter's edit form, all or nothing: the uploaded script becomes a document attached
    to the episode, the recording and notes are set, and with `advance` the episode moves one
    state on. A refused step (a permission, a missing requirement) stores none of it."""
    with transaction.atomic():
        script = None
        if script_file is not None:
            script = get_document_model().objects.create(
                title=f"Guion · episodio {episode.lesson.episode_number}",
                file=script_file,
                uploaded_by_user=user,
            )
        episode = episode_update(
            episode=episode, user=user, script=script, recording=recording, notes=notes
        )
        if advance:
            episode = episode_advance(episode=episode, user=user)
    return episode


# --- presenters' private calendars -------------------------------------------------------------
def presenter_calendar_ensure(*, user) -> PresenterCalendar:
    calendar, _ = PresenterCalendar.objects.get_or_create(user=user)
    return calendar


def presenter_calendar_renew(*, user) -> PresenterCalendar:
    """A new secret: the previous private link stops working at once."""
    from broadcast.models import new_calendar_token

    with transaction.atomic():
        calendar, created = PresenterCalendar.objects.select_for_update().get_or_create(user=user)
        if not created:
            calendar.token = new_calendar_token()
            calendar.save()
    return calendar
