"""Builders for the course tree, students and lesson media (real files: a 1-second AAC clip
made by ffmpeg, and a real PDF)."""

import hashlib
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model
from wagtail.models import Site

from core import roles
from core.pdf import one_page_pdf
from lms.models import (
    CoursePage,
    Enrollment,
    LessonMediaAsset,
    LessonPage,
    StudentProfile,
    UnitPage,
)
from media_pipeline.binaries import ffmpeg_binaries
from media_pipeline.models import MediaAsset, Rendition
from tests.fixtures import TEST_PASSWORD


def home_page():
    from cms.seed import seed_site_root

    seed_site_root()
    return Site.objects.get(is_default_site=True).root_page


def course_create(*, slug: str = "aprendiendo-paso-a-paso", title: str = "Aprendiendo paso a paso"):
    course = CoursePage(title=title, slug=slug)
    home_page().add_child(instance=course)
    return course


def course_coach_add(*, course: CoursePage, user) -> None:
    """Makes `user` (a member of Coordinación) a coach of the course."""
    CoursePage.coaches.through.objects.get_or_create(coursepage=course, user=user)


def unit_create(*, course: CoursePage, number: int = 1, title: str | None = None) -> UnitPage:
    unit = UnitPage(title=title or f"Unidad {number}", number=number, slug=f"unidad-{number}")
    course.add_child(instance=unit)
    return unit


def lesson_create(
    *,
    unit: UnitPage,
    episode: int,
    code: str | None = None,
    title: str | None = None,
    body=None,
    assets: list[MediaAsset] = (),
    live: bool = True,
) -> LessonPage:
    """A lesson published directly (tests of the workflow itself go through the admin)."""
    lesson = LessonPage(
        title=title or f"Lección de prueba {episode}",
        slug=f"leccion-{episode}",
        episode_number=episode,
        on_air_code=code or f"C{episode:04d}",
        summary=f"Resumen {episode}",
        body=body or [],
        live=False,
    )
    lesson.lesson_assets = [LessonMediaAsset(asset=a, sort_order=i) for i, a in enumerate(assets)]
    unit.add_child(instance=lesson)
    if live:
        lesson.save_revision().publish()
        lesson.refresh_from_db()
    return lesson


def student_create(*, dni: str, course: CoursePage | None = None, **fields) -> StudentProfile:
    User = get_user_model()
    user = User.objects.create_user(username=dni, password=TEST_PASSWORD)
    user.groups.add(Group.objects.get(name=roles.STUDENTS))
    profile = StudentProfile.objects.create(
        user=user,
        dni=dni,
        first_names=fields.get("first_names", "Juana"),
        last_names=fields.get("last_names", "Quispe Huamán"),
        district=fields.get("district", "Cajamarca"),
        zone=fields.get("zone", StudentProfile.Zone.URBAN),
        phone=fields.get("phone", ""),
    )
    if course is not None:
        Enrollment.objects.create(student=profile, course=course)
    return profile


@cache
def _audio_clip_bytes() -> bytes:
    """A real 1-second AAC (m4a) clip, generated once per test run."""
    ffmpeg = ffmpeg_binaries().ffmpeg
    tmp = Path(tempfile.mkdtemp(prefix="lms-clip-"))
    out = tmp / "clip.m4a"
    subprocess.run(  # noqa: S603
        [
            ffmpeg, "-y", "-loglevel", "error", "-f", "lavfi", "-i",
            "sine=frequency=440:duration=1", "-ac", "1", "-c:a", "aac", "-b:a", "24k", str(out),
        ],
        check=True,
    )  # fmt: skip
    data = out.read_bytes()
    shutil.rmtree(tmp, ignore_errors=True)
    return data


class MediaAssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MediaAsset

    title = factory.Sequence(lambda n: f"Clase {n}")
    original_filename = "clase.m4a"
    original = factory.LazyAttribute(lambda o: ContentFile(_audio_clip_bytes(), name="clase.m4a"))
    original_size = factory.LazyAttribute(lambda o: len(_audio_clip_bytes()))
    sha256 = factory.Sequence(lambda n: hashlib.sha256(f"asset-{n}".encode()).hexdigest())
    kind = MediaAsset.Kind.AUDIO
    status = MediaAsset.Status.READY


def rendition_create(*, asset: MediaAsset, profile: str = "audio", data: bytes | None = None):
    from media_pipeline.profiles import PROFILES

    data = _audio_clip_bytes() if data is None else data
    spec = PROFILES[profile]
    return Rendition.objects.create(
        asset=asset,
        profile=profile,
        file=ContentFile(data, name=f"{profile}.{spec.extension}"),
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        mime_type=spec.mime_type,
    )


def document_create(*, title: str = "Ficha de trabajo", size: int | None = None):
    data = one_page_pdf(title=title, lines=["Responda en su cuaderno."])
    if size:
        data = data + b"%" + b"0" * max(0, size - len(data) - 1)
    Document = get_document_model()
    document = Document(title=title, file=ContentFile(data, name="ficha.pdf"))
    document.file_size = len(data)
    document.file_hash = hashlib.sha1(data).hexdigest()  # noqa: S324 - Wagtail's own scheme
    document.save()
    return document
