"""/api/v1/broadcast/…: channels, airings, what's on now, episodes (presenters: their own),
and moving or cancelling an airing (Personal TV)."""

import math

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from pydantic import Field

from broadcast import selectors, services
from broadcast.feeds import FeedContext, episode_label
from broadcast.models import Airing, Episode
from broadcast.schemas import (
    AiringChangeOut,
    AiringPage,
    CancelIn,
    ChannelOut,
    EpisodeIn,
    EpisodeOut,
    EpisodeUpdateIn,
    MoveIn,
    NowOut,
)
from core.accounts import API_AUTH
from core.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from core.roles import PRESENTERS, TV_STAFF, user_has_role
from core.schemas import Error

router = Router(tags=["Programación de TV"])


def _ctx(request) -> FeedContext:
    return FeedContext(
        base_url=request.build_absolute_uri("/").rstrip("/"),
        root_path=selectors.lesson_root_path(),
    )


def airing_out(a: Airing, ctx: FeedContext) -> dict:
    lesson = selectors.lesson_of(a)
    return {
        "id": a.pk,
        "uid": a.uid,
        "sequence": a.sequence,
        "channel": a.channel.name,
        "channel_slug": a.channel.slug,
        "starts_at": a.starts_at,
        "ends_at": a.ends_at,
        "kind": a.kind,
        "state": a.state,
        "premiere_id": a.premiere_id,
        "episode_id": a.episode_id,
        "episode_number": lesson.episode_number if lesson else None,
        "title": episode_label(a),
        "lesson_url": ctx.lesson_url(a),
    }


def episode_out(plan: selectors.EpisodePlan, ctx: FeedContext) -> dict:
    e = plan.episode
    return {
        "id": e.pk,
        "lesson_id": e.lesson_id,
        "episode_number": e.lesson.episode_number,
        "title": e.lesson.title,
        "state": e.state,
        "state_label": e.get_state_display(),
        "presenters": [p.get_full_name() or p.username for p in e.presenters.all()],
        "script_id": e.script_id,
        "recording_id": e.recording_id,
        "notes": e.notes,
        "first_air": plan.first_air,
        "airings": [airing_out(a, ctx) for a in plan.premieres + plan.repeats],
        "deadlines": [d.__dict__ for d in plan.deadlines],
        "missing": plan.missing,
        "warnings": plan.warnings,
    }


def _window(raw_from, raw_to):
    try:
        return selectors.parse_window(raw_from, raw_to)
    except selectors.WindowError as exc:
        raise ValidationFailed(
            str(exc), errors=[{"field": exc.field, "message": str(exc)}]
        ) from exc


@router.get("/channels", response=list[ChannelOut], auth=None, summary="Canales")
def list_channels(request):
    return selectors.channels_list()


class AiringFilter(Schema):
    channel: str | None = Field(None, description="Identificador del canal (canal-7).")
    from_: str | None = Field(None, alias="from", description="AAAA-MM-DD (hora de Lima).")
    to: str | None = Field(None, description="AAAA-MM-DD, inclusive.")
    page: int = Field(1, ge=1)
    page_size: int = Field(100, ge=1, le=500)


@router.get(
    "/airings", response={200: AiringPage, 404: Error, 422: Error}, auth=None, summary="Emisiones"
)
def list_airings(request, filters: Query[AiringFilter]):
    start, end = _window(filters.from_, filters.to)
    channel = None
    if filters.channel:
        channel = selectors.channel_by_slug(filters.channel)
        if channel is None:
            raise NotFoundError(f"No existe el canal «{filters.channel}».")
    airings = selectors.airings_in_window(start=start, end=end, channel=channel)
    count = len(airings)
    offset = (filters.page - 1) * filters.page_size
    ctx = _ctx(request)
    return Status(
        200,
        {
            "count": count,
            "page": filters.page,
            "pages": max(1, math.ceil(count / filters.page_size)),
            "items": [airing_out(a, ctx) for a in airings[offset : offset + filters.page_size]],
        },
    )


@router.get("/now", response=list[NowOut], auth=None, summary="Al aire ahora y a continuación")
def now(request):
    ctx = _ctx(request)
    return [
        {
            "channel": row["channel"],
            "on_air": airing_out(row["on_air"], ctx) if row["on_air"] else None,
            "next": airing_out(row["next"], ctx) if row["next"] else None,
        }
        for row in selectors.airings_now()
    ]


def _require_tv_staff(user) -> None:
    if not user_has_role(user, TV_STAFF):
        raise PermissionDeniedError("Solo el Personal TV puede cambiar la programación.")


@router.post(
    "/airings/{airing_id}/move",
    response={200: AiringChangeOut, 403: Error, 404: Error, 409: Error, 422: Error},
    auth=API_AUTH,
    summary="Cambiar el horario de una emisión",
)
def move_airing(request, airing_id: int, payload: MoveIn):
    _require_tv_staff(request.auth)
    airing = get_object_or_404(Airing.objects.select_related("channel"), pk=airing_id)
    airing = services.airing_move(
        airing=airing, starts_at=payload.starts_at, reason=payload.reason, user=request.auth
    )
    return Status(200, _airing_change(request, airing))


@router.post(
    "/airings/{airing_id}/cancel",
    response={200: AiringChangeOut, 403: Error, 404: Error, 409: Error, 422: Error},
    auth=API_AUTH,
    summary="Cancelar una emisión",
)
def cancel_airing(request, airing_id: int, payload: CancelIn):
    _require_tv_staff(request.auth)
    airing = get_object_or_404(Airing.objects.select_related("channel"), pk=airing_id)
    airing = services.airing_cancel(airing=airing, reason=payload.reason, user=request.auth)
    return Status(200, _airing_change(request, airing))


def _airing_change(request, airing: Airing) -> dict:
    fresh = selectors.airing_loaded(pk=airing.pk)
    warnings = []
    if fresh.episode_id:
        warnings = [
            w for eid, w in selectors.presenter_double_bookings() if eid == fresh.episode_id
        ]
    return {"airing": airing_out(fresh, _ctx(request)), "warnings": sorted(set(warnings))}


# --- episodes ----------------------------------------------------------------------------------
def _require_planner(user) -> None:
    if not user_has_role(user, PRESENTERS, TV_STAFF):
        raise PermissionDeniedError("Solo las conductoras y el Personal TV planifican episodios.")


def _episodes_for(user):
    qs = Episode.objects.select_related("lesson").prefetch_related("presenters")
    if user_has_role(user, TV_STAFF):
        return qs
    return qs.filter(presenters=user)


def _episode_for(user, episode_id: int) -> Episode:
    episode = _episodes_for(user).filter(pk=episode_id).first()
    if episode is None:
        # Another presenter's episode is as invisible as a missing one.
        raise NotFoundError("No se encontró el episodio.")
    return episode


@router.get(
    "/episodes", response={200: list[EpisodeOut], 403: Error}, auth=API_AUTH, summary="Episodios"
)
def list_episodes(request):
    _require_planner(request.auth)
    episodes = list(_episodes_for(request.auth).order_by("lesson__episode_number"))
    ctx = _ctx(request)
    return Status(200, [episode_out(p, ctx) for p in selectors.episode_plans(episodes)])


@router.get(
    "/episodes/{episode_id}",
    response={200: EpisodeOut, 403: Error, 404: Error},
    auth=API_AUTH,
    summary="Un episodio",
)
def get_episode(request, episode_id: int):
    _require_planner(request.auth)
    episode = _episode_for(request.auth, episode_id)
    return Status(200, episode_out(selectors.episode_plans([episode])[0], _ctx(request)))


def _premiere(airing_id: int | None) -> Airing | None:
    if airing_id is None:
        return None
    airing = Airing.objects.filter(pk=airing_id).first()
    if airing is None:
        raise NotFoundError("No se encontró la emisión.")
    return airing


@router.post(
    "/episodes",
    response={201: EpisodeOut, 403: Error, 404: Error, 409: Error, 422: Error},
    auth=API_AUTH,
    summary="Crear un episodio",
)
def create_episode(request, payload: EpisodeIn):
    from lms.models import LessonPage

    _require_planner(request.auth)
    lesson = LessonPage.objects.filter(pk=payload.lesson_id).first()
    if lesson is None:
        raise NotFoundError("No se encontró la lección.")
    episode = services.episode_create(
        lesson=lesson,
        user=request.auth,
        premiere=_premiere(payload.airing_id),
        notes=payload.notes,
    )
    episode = _episode_for(request.auth, episode.pk)
    return Status(201, episode_out(selectors.episode_plans([episode])[0], _ctx(request)))


@router.patch(
    "/episodes/{episode_id}",
    response={200: EpisodeOut, 403: Error, 404: Error, 409: Error, 422: Error},
    auth=API_AUTH,
    summary="Actualizar un episodio (estado, notas, guion, grabación)",
)
def update_episode(request, episode_id: int, payload: EpisodeUpdateIn):
    from wagtail.documents import get_document_model

    from media_pipeline.models import MediaAsset

    _require_planner(request.auth)
    episode = _episode_for(request.auth, episode_id)
    script = recording = None
    if payload.script_id is not None:
        script = get_document_model().objects.filter(pk=payload.script_id).first()
        if script is None:
            raise NotFoundError("No se encontró el documento del guion.")
    if payload.recording_id is not None:
        recording = MediaAsset.objects.filter(pk=payload.recording_id).first()
        if recording is None:
            raise NotFoundError("No se encontró la grabación.")
    if payload.airing_id is not None:
        services.episode_schedule(episode=episode, premiere=_premiere(payload.airing_id))
    services.episode_update(
        episode=episode,
        user=request.auth,
        state=payload.state,
        notes=payload.notes,
        script=script,
        recording=recording,
    )
    episode = _episode_for(request.auth, episode.pk)
    return Status(200, episode_out(selectors.episode_plans([episode])[0], _ctx(request)))
