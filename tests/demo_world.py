"""The demo data of every app and the ids of concrete objects, for the tests that walk every
route (the permission matrix, the API fuzzer)."""

from __future__ import annotations

from typing import Any

# The demo account of each role (config/seed.py).
DEMO_USERS = {
    "student": "40000001",
    "presenter": "conductora.rosa",
    "tv_staff": "tvnorte",
    "coach": "coordinacion",
    "validator": "validacion",
    "cabina_agent": "cabina.mollepampa",
    "back_office": "mesadepartes",
    "superuser": "admin",
}


def demo_world() -> dict[str, Any]:
    """The demo data of every app (demo accounts, procedures and submissions, the course with
    its lessons, the programme) plus one processed media asset, and the ids the table needs."""
    from datetime import date, timedelta

    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile
    from django.utils import timezone
    from wagtail.documents import get_document_model
    from wagtail.models import Page

    import broadcast.seed
    import cms.seed
    import core.seed
    import lms.seed
    import tramites_bridge.seed
    from broadcast.models import (
        Airing,
        Channel,
        CourseBroadcastSettings,
        Episode,
        PresenterCalendar,
        ScheduleException,
        SlotRule,
    )
    from cms.seed import seed_site_root
    from core.tasks import worker_heartbeat_record
    from lms.models import (
        Certificate,
        LessonBundle,
        LessonPage,
        QuizQuestion,
        StudentImportJob,
        StudentProfile,
    )
    from lms.tests.factories import lesson_create
    from media_pipeline.models import MediaAsset, UploadSession
    from media_pipeline.tests.factories import MediaAssetFactory, RenditionFactory
    from tramites_bridge.models import (
        Attachment,
        Cabina,
        Holiday,
        Office,
        Procedure,
        Submission,
    )

    seed_site_root()
    core.seed.seed()
    asset = MediaAssetFactory(title="Clase de prueba", status=MediaAsset.Status.READY)
    rendition = RenditionFactory(asset=asset, profile="video_240p")
    tramites_bridge.seed.seed()
    lms.seed.seed()
    broadcast.seed.seed()
    cms.seed.seed()

    users = {role: get_user_model().objects.get(username=u) for role, u in DEMO_USERS.items()}
    users["anonymous"] = None
    lesson = LessonPage.objects.live().order_by("episode_number").first()
    submission = Submission.objects.filter(attachments__isnull=False).order_by("pk").first()
    attachment = Attachment.objects.filter(submission=submission).order_by("pk").first()
    airing = Airing.objects.filter(starts_at__gt=timezone.now()).order_by("starts_at").first()
    rosa = users["presenter"]
    episode = Episode.objects.filter(presenters=rosa).order_by("pk").first()
    upload = UploadSession.objects.create(
        title="Clase grabada", filename="clase.mp4", size=1000, uploaded_by=rosa
    )
    job = StudentImportJob.objects.create(
        course=lesson.course,
        created_by=users["coach"],
        original_filename="lista.csv",
        roster=[
            {"dni": "47000001", "first_names": "Ana", "last_names": "Prueba", "password": "x1"}
        ],
    )
    calendar, _ = PresenterCalendar.objects.get_or_create(user=rosa)
    document = get_document_model().objects.order_by("pk").first()
    failed = MediaAssetFactory(title="Clase que falló", status=MediaAsset.Status.FAILED)
    settings_row = (
        CourseBroadcastSettings.objects.first()
        or CourseBroadcastSettings.objects.create(course=lesson.course)
    )
    # update_or_create: when a worker runs, the seed's publication may already have queued and
    # built this lesson's bundle
    bundle, _ = LessonBundle.objects.update_or_create(
        lesson=lesson,
        profile=rendition.profile,
        defaults={
            "status": LessonBundle.Status.READY,
            "file": ContentFile(b"PK\x05\x06" + b"\x00" * 18, name="leccion.zip"),
            "size_bytes": 22,
        },
    )
    holiday = Holiday.objects.first() or Holiday.objects.create(
        date=date(2026, 12, 8), name="Inmaculada Concepción"
    )
    worker_heartbeat_record(hostname="matriz")
    student = StudentProfile.objects.get(user=users["student"])
    question = QuizQuestion.objects.order_by("pk").first() or QuizQuestion.objects.create(
        lesson=lesson,
        text="¿Qué botón enciende el celular?",
        choices="El lateral\nNinguno",
        correct_choice=1,
    )
    certificate = Certificate.objects.filter(student=student).first() or Certificate.objects.create(
        student=student, course=lesson.course, code="MATRIZ26", issued_at=timezone.now()
    )
    unplanned = LessonPage.objects.filter(episodes__isnull=True).order_by("pk").first()
    if unplanned is None:
        unplanned = lesson_create(unit=lesson.get_parent().specific, episode=99, code="MATRZ")

    def page_url(model_label: str) -> str:
        app_label, name = model_label.split(".")
        from django.apps import apps

        model = apps.get_model(app_label, name)
        page = model.objects.live().order_by("path").first()
        return Page.objects.get(pk=page.pk).url

    ids = {
        "code": "LF-01",
        "dni": submission.dni if submission else "",
        "tracking": submission.display_code if submission else "",
        "submission": submission.pk if submission else 0,
        "attachment": attachment.pk if attachment else 0,
        "airing_id": airing.pk,
        "move_to": (airing.starts_at + timedelta(days=1, hours=2)).isoformat(),
        "episode_id": episode.pk,
        "channel": Channel.objects.order_by("pk").first().slug,
        "channel_pk": Channel.objects.order_by("pk").first().pk,
        "presenter_token": calendar.token,
        "rule": SlotRule.objects.order_by("pk").first().pk,
        "exception": getattr(ScheduleException.objects.order_by("pk").first(), "pk", 0),
        "course_settings": settings_row.pk,
        "asset_id": asset.pk,
        "failed_asset_id": failed.pk,
        "lesson_without_episode": unplanned.pk,
        "procedure": Procedure.objects.order_by("pk").first().pk,
        "office": Office.objects.order_by("pk").first().pk,
        "holiday": holiday.pk,
        "cabina": Cabina.objects.order_by("pk").first().pk,
        "certificate_code": certificate.code,
        "quiz_lesson_id": question.lesson_id,
        "now": timezone.now().isoformat(),
        "course_id": lesson.course.pk,
        "profile": rendition.profile,
        "upload_id": upload.pk,
        "lesson_id": lesson.pk,
        "rendition_id": rendition.pk,
        "document_id": document.pk if document else 0,
        "bundle_profile": bundle.profile,
        "import_job": job.pk,
        "student_profile": StudentProfile.objects.get(user=users["student"]).pk,
        "page_home": page_url("cms.HomePage"),
        "page_standard": page_url("cms.StandardPage"),
        "page_search": page_url("cms.SearchPage"),
        "page_course": page_url("lms.CoursePage"),
        "page_unit": page_url("lms.UnitPage"),
        "page_lesson": page_url("lms.LessonPage"),
    }
    return {"users": users, "ids": ids}
