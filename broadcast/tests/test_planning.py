from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from broadcast import selectors, services
from broadcast.models import Airing, CourseBroadcastSettings, Episode
from broadcast.tests.factories import next_week
from core.errors import PermissionDeniedError, ValidationFailed

pytestmark = pytest.mark.django_db


def make_document(title="Guion"):
    from wagtail.documents import get_document_model

    return get_document_model().objects.create(
        title=title, file=ContentFile(b"guion", name="guion.txt")
    )


def make_asset(user):
    from media_pipeline.models import MediaAsset

    return MediaAsset.objects.create(
        title="Grabación episodio 11",
        original=ContentFile(b"\x00" * 16, name="ep11.mp4"),
        sha256="a" * 64,
        uploaded_by=user,
    )


def test_deadlines_count_back_from_the_first_air_date(scheduled):
    plan = selectors.episode_plans([scheduled[0]])[0]
    assert timezone.localtime(plan.first_air).date() == next_week(2)
    assert [(d.label, d.due) for d in plan.deadlines] == [
        ("Guion", next_week(2) - timedelta(days=7)),
        ("Grabación", next_week(2) - timedelta(days=3)),
        ("Aprobación", next_week(2) - timedelta(days=1)),
    ]
    assert plan.missing == ["Falta el guion.", "Falta la grabación."]


def test_script_deadline_overdue_the_day_after(scheduled):
    plan = selectors.episode_plans([scheduled[0]], today=next_week(2) - timedelta(days=6))[0]
    assert plan.deadlines[0].overdue and not plan.deadlines[1].overdue and plan.overdue


def test_course_settings_change_the_offsets(scheduled):
    from lms.models import CoursePage

    CourseBroadcastSettings.objects.create(
        course=CoursePage.objects.get(), script_days_before=10, recording_days_before=5
    )
    plan = selectors.episode_plans([scheduled[0]])[0]
    assert [d.due for d in plan.deadlines][:2] == [
        next_week(2) - timedelta(days=10),
        next_week(2) - timedelta(days=5),
    ]


def test_missing_lists_unvalidated_lesson_and_on_air_code(scheduled):
    lesson = scheduled[1].lesson
    lesson.live = False
    lesson.save()
    plan = selectors.episode_plans([Episode.objects.get(pk=scheduled[1].pk)])[0]
    assert "La lección aún no está validada." in plan.missing


def test_states_advance_with_their_requirements(scheduled, users):
    presenter, staff = users["presenter"], users["tv_staff"]
    episode = scheduled[0]
    with pytest.raises(ValidationFailed):
        services.episode_advance(episode=episode, user=presenter)
    services.episode_update(episode=episode, user=presenter, script=make_document())
    episode = services.episode_advance(episode=episode, user=presenter)
    assert episode.state == "guion"
    with pytest.raises(ValidationFailed):
        services.episode_advance(episode=episode, user=presenter)  # no recording yet
    services.episode_update(episode=episode, user=presenter, recording=make_asset(presenter))
    episode = services.episode_advance(episode=episode, user=presenter)
    assert episode.state == "grabado"
    with pytest.raises(PermissionDeniedError):
        services.episode_advance(episode=episode, user=presenter)  # approval is TV staff's
    episode = services.episode_advance(episode=episode, user=staff)
    assert episode.state == "aprobado"
    with pytest.raises(ValidationFailed):
        services.episode_update(episode=episode, user=staff, state="emitido")


def test_attaching_the_recording_queues_it_in_the_media_pipeline(
    scheduled, users, django_capture_on_commit_callbacks
):
    asset = make_asset(users["presenter"])
    with django_capture_on_commit_callbacks(execute=True):
        services.episode_update(episode=scheduled[0], user=users["presenter"], recording=asset)
    asset.refresh_from_db()
    assert asset.queued_at is not None


def test_a_presenter_cannot_edit_another_presenters_episode(scheduled, make_user):
    other = make_user("presenter", username="otra")
    with pytest.raises(PermissionDeniedError):
        services.episode_update(episode=scheduled[0], user=other, notes="no")


def test_episode_becomes_emitido_when_its_premiere_airs(scheduled):
    premiere = Airing.objects.get(episode=scheduled[0], kind="premiere")
    services.airings_materialize(now=premiere.ends_at + timedelta(minutes=1))
    scheduled[0].refresh_from_db()
    assert scheduled[0].state == "emitido"


def test_repeats_carry_the_premieres_episode(scheduled):
    repeats = Airing.objects.filter(premiere__episode=scheduled[0])
    assert repeats.count() >= 2
    assert set(repeats.values_list("episode_id", flat=True)) == {scheduled[0].pk}


def _episode_form(episode, **changes) -> dict:
    data = {
        "lesson": episode.lesson_id,
        "presenters": [p.pk for p in episode.presenters.all()],
        "state": episode.state,
        "script": episode.script_id or "",
        "recording": episode.recording_id or "",
        "notes": episode.notes,
    }
    data.update(changes)
    return data


def test_tv_staffs_all_episodes_admin_keeps_the_state_rules(scheduled, client_for):
    episode = scheduled[0]
    staff = client_for("tv_staff")
    url = f"/admin/broadcast_episodes/edit/{episode.pk}/"

    aired = staff.post(url, _episode_form(episode, state="emitido"))
    assert aired.status_code == 200
    assert "«Emitido» se marca solo cuando el estreno sale al aire." in aired.content.decode()
    skipped = staff.post(url, _episode_form(episode, state="aprobado"))
    assert skipped.status_code == 200
    assert "No se puede cambiar el estado todavía." in skipped.content.decode()
    episode.refresh_from_db()
    assert episode.state == "idea"

    script = make_document()
    saved = staff.post(url, _episode_form(episode, state="guion", script=script.pk, notes="Listo"))
    assert saved.status_code == 302
    episode.refresh_from_db()
    assert (episode.state, episode.script_id, episode.notes) == ("guion", script.pk, "Listo")

    # what the service does not do is refused with a reason, not dropped while saying "saved"
    other_lesson = scheduled[2].lesson_id
    scheduled[2].delete()  # a lesson with no episode: the form itself accepts it
    moved = staff.post(url, _episode_form(episode, lesson=other_lesson))
    assert moved.status_code == 200
    assert "Un episodio no cambia de lección" in moved.content.decode()
    cleared = staff.post(url, _episode_form(episode, script=""))
    assert cleared.status_code == 200
    assert "No se puede quitar el guion de un episodio" in cleared.content.decode()
    episode.refresh_from_db()
    assert (episode.lesson_id, episode.script_id) == (scheduled[0].lesson_id, script.pk)


def test_tv_staff_cannot_add_a_second_episode_for_a_lesson_from_the_admin(scheduled, client_for):
    episode = scheduled[0]
    response = client_for("tv_staff").post(
        "/admin/broadcast_episodes/new/", _episode_form(episode, notes="Duplicado")
    )
    assert response.status_code == 200
    assert "Esta lección ya tiene un episodio." in response.content.decode()
    assert Episode.objects.filter(lesson=episode.lesson).count() == 1


def test_tv_staff_adds_an_episode_from_the_admin_and_names_its_presenter(
    scheduled, client_for, users
):
    lesson = scheduled[2].lesson
    scheduled[2].delete()
    response = client_for("tv_staff").post(
        "/admin/broadcast_episodes/new/",
        {"lesson": lesson.pk, "presenters": [users["presenter"].pk], "state": "idea", "notes": ""},
    )
    assert response.status_code == 302
    episode = Episode.objects.get(lesson=lesson)
    assert list(episode.presenters.all()) == [users["presenter"]]
    assert episode.state == "idea"
