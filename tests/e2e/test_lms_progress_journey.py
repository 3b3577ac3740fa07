"""A student plays the lesson's audio until the site records the progress, loses the link,
plays on, and the progress arrives once the link returns; then they type the código del día
of the aired episode and the lesson shows as watched on TV. A coach sees the student counted in
the charts and gone from the follow-up list."""

import shutil
import subprocess
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import expect

from broadcast.models import Airing, Channel, Episode
from lms.models import LessonProgress
from lms.tests.factories import (
    MediaAssetFactory,
    course_coach_add,
    course_create,
    lesson_create,
    student_create,
    unit_create,
)
from media_pipeline.binaries import ffmpeg_binaries
from media_pipeline.models import Rendition
from tests.fixtures import LIVE_DB, TEST_PASSWORD, wait_for

pytestmark = [pytest.mark.e2e, LIVE_DB]

CLIP_SECONDS = 8


def _clip() -> bytes:
    """A real 8-second AAC clip (a few KB): long enough to pause, go offline and play on."""
    tmp = Path(tempfile.mkdtemp(prefix="lms-e2e-"))
    out = tmp / "clip.m4a"
    subprocess.run(  # noqa: S603
        [
            ffmpeg_binaries().ffmpeg, "-y", "-loglevel", "error", "-f", "lavfi", "-i",
            f"sine=frequency=330:duration={CLIP_SECONDS}", "-ac", "1", "-c:a", "aac",
            "-b:a", "16k", "-movflags", "+faststart", str(out),
        ],
        check=True,
    )  # fmt: skip
    data = out.read_bytes()
    shutil.rmtree(tmp, ignore_errors=True)
    return data


@pytest.fixture
def world():
    import hashlib

    course = course_create()
    unit = unit_create(course=course, number=1, title="Unidad 1: Mi celular")
    data = _clip()
    asset = MediaAssetFactory(title="Clase 1")
    Rendition.objects.create(
        asset=asset,
        profile="audio",
        file=ContentFile(data, name="audio.m4a"),
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        mime_type="audio/mp4",
        duration_seconds=CLIP_SECONDS,
    )
    lesson = lesson_create(
        unit=unit,
        episode=1,
        code="SOL01",
        title="Conozco mi celular",
        assets=[asset],
        body=[("player", {"asset": asset, "caption": ""})],
    )
    channel = Channel.objects.create(
        name="Canal 25", number=25, slug="canal-25", xmltv_id="canal25.e2e"
    )
    aired = timezone.now() - timedelta(hours=3)
    Airing.objects.create(
        channel=channel,
        occurrence_date=timezone.localdate(aired),
        starts_at=aired,
        ends_at=aired + timedelta(minutes=30),
        kind=Airing.Kind.PREMIERE,
        episode=Episode.objects.create(lesson=lesson),
    )
    student = student_create(
        dni="45671234", course=course, first_names="Flor", last_names="Chilón Tasilla",
        district="Jesús", zone="rural", phone="976543210",
    )  # fmt: skip
    return {"lesson": lesson, "student": student, "course": course}


def _summary(world) -> LessonProgress | None:
    return LessonProgress.objects.filter(student=world["student"], lesson=world["lesson"]).first()


def _coach_tracking(page, make_user, course) -> None:
    # a coach sees the courses they follow
    course_coach_add(course=course, user=make_user("coach", username="coordinacion-e2e"))
    page.goto("/admin/login/")
    page.get_by_label("Nombre de usuario").fill("coordinacion-e2e")
    page.get_by_label("Contraseña").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url("**/admin/")
    page.get_by_role("link", name="Seguimiento").first.click()
    expect(page.get_by_role("heading", name="Avance por lección")).to_be_visible()


def test_progress_survives_going_offline_and_tv_checkin_counts(phone_page, page, make_user, world):
    # before: the coach finds the student among those to call
    _coach_tracking(page, make_user, world["course"])
    follow_up = page.locator("table.follow-up")
    expect(follow_up).to_contain_text("Chilón Tasilla, Flor")
    expect(follow_up).to_contain_text("976543210")

    student = world["student"]
    phone_page.goto("/cuenta/ingresar/")
    phone_page.get_by_label("DNI").fill(student.dni)
    phone_page.get_by_label("Contraseña").fill(TEST_PASSWORD)
    phone_page.get_by_role("button", name="Ingresar").click()
    phone_page.wait_for_url("**/mis-lecciones/")
    phone_page.get_by_role("link", name="Abrir la lección 1").click()
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Conozco mi celular")

    audio = phone_page.locator("audio[data-asset-id]")
    audio.evaluate("a => { a.muted = true; return a.play(); }")
    phone_page.wait_for_function(
        "() => document.querySelector('audio').currentTime >= 3", timeout=15_000
    )
    audio.evaluate("a => a.pause()")
    wait_for(
        lambda: (p := _summary(world)) is not None and p.position_seconds >= 3,
        timeout=20,
        message="the first part of the playback never reached the server",
    )
    online_position = _summary(world).position_seconds
    assert _summary(world).percent_watched < 80
    expect(phone_page.locator("#progress-status")).to_have_text("Su avance quedó guardado.")

    # the link drops; the student plays to the end; the events wait in the phone's storage
    phone_page.context.set_offline(True)
    audio.evaluate("a => a.play()")
    phone_page.wait_for_function("() => document.querySelector('audio').ended", timeout=20_000)
    expect(phone_page.locator("#progress-status")).to_contain_text("Sin conexión")
    queued = phone_page.evaluate(
        "() => JSON.parse(localStorage.getItem('pap-progress-queue') || '[]').length"
    )
    assert queued >= 1
    assert _summary(world).position_seconds == online_position

    # the link returns: the queue empties and the progress arrives
    phone_page.context.set_offline(False)
    wait_for(
        lambda: _summary(world).percent_watched >= 95,
        timeout=20,
        message="the progress played offline never arrived",
    )
    phone_page.wait_for_function(
        "() => JSON.parse(localStorage.getItem('pap-progress-queue') || '[]').length === 0"
    )

    # the código del día of the aired episode: watched on TV
    phone_page.reload()
    phone_page.get_by_label("Código del día").fill("sol01")
    phone_page.get_by_role("button", name="Registrar que la vi en TV").click()
    expect(phone_page.locator(".messages")).to_contain_text("Registramos que vio la lección 1")
    expect(phone_page.locator(".watched-tv")).to_contain_text("Vio esta lección en TV")
    assert _summary(world).tv_checkin_at is not None
    phone_page.goto("/mis-lecciones/")
    expect(phone_page.locator(".lesson-list")).to_contain_text("Completada · vista en TV")

    # after: the coach sees the student counted and no longer in the follow-up list
    page.reload()
    expect(page.locator("svg.chart").first).to_contain_text("Lección 1: 100 % (1)")
    expect(page.locator("#sin-actividad").locator("..")).to_contain_text(
        "Todos los estudiantes tuvieron actividad"
    )
