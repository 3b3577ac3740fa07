"""The lesson page's caches (the parts every student of a lesson shares, the next airing, the
site menu and footer, the view restrictions) and Wagtail's routing around them: whatever is
published, moved or changed shows on the very next request, and the cache never carries one
person's data to another."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from wagtail.models import Page, PageViewRestriction, Site

from broadcast.models import Airing, Channel, Episode
from cms.models import SiteSettings, StandardPage
from lms.models import LessonProgress, QuizAttempt, QuizQuestion
from lms.tests.factories import (
    MediaAssetFactory,
    course_create,
    lesson_create,
    rendition_create,
    student_create,
    unit_create,
)


@pytest.fixture(autouse=True)
def _memory_cache(memory_cache):
    """A cache that keeps what it is given (as Redis does in production) and costs no query."""


@pytest.fixture
def world(db):
    course = course_create()
    unit = unit_create(course=course)
    asset = MediaAssetFactory(title="Clase 3")
    rendition_create(asset=asset, profile="audio")
    lesson = lesson_create(
        unit=unit,
        episode=3,
        code="SOL03",
        title="Cuentas claras",
        body=[("paragraph", "<p>Hoy: ingresos y gastos.</p>")],
        assets=[asset],
    )
    rosa = student_create(dni="41234567", course=course, first_names="Rosa", last_names="Cueva")
    juan = student_create(dni="42345678", course=course, first_names="Juan", last_names="Tello")
    rosa.user.first_name, rosa.user.last_name = "Rosa", "Cueva"
    rosa.user.save()
    return {"course": course, "unit": unit, "lesson": lesson, "asset": asset, "rosa": rosa,
            "juan": juan}  # fmt: skip


def page_of(client_for, student, url) -> str:
    response = client_for("student", user=student.user).get(url)
    assert response.status_code == 200
    return response.content.decode()


def airing_of(lesson, *, starts_at) -> Airing:
    channel, _ = Channel.objects.get_or_create(
        number=7, defaults={"name": "Canal 7", "slug": "canal-7", "xmltv_id": "canal7.pe"}
    )
    episode = Episode.objects.filter(lesson=lesson).first() or Episode.objects.create(lesson=lesson)
    return Airing.objects.create(
        channel=channel,
        occurrence_date=timezone.localdate(starts_at),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
        kind=Airing.Kind.PREMIERE,
        episode=episode,
    )


def section(html: str, heading_id: str) -> str:
    """The <section> that a heading id labels (the shared parts of the page)."""
    match = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', html, re.S)
    assert match, heading_id
    return match.group(0)


def test_a_published_edit_of_the_lesson_shows_at_once_and_a_draft_does_not(world, client_for):
    lesson, rosa = world["lesson"], world["rosa"]
    assert "Hoy: ingresos y gastos." in page_of(client_for, rosa, lesson.url)

    lesson.body = [("paragraph", "<p>Un borrador que nadie ve.</p>")]
    lesson.save_revision()
    html = page_of(client_for, rosa, lesson.url)
    assert "Hoy: ingresos y gastos." in html and "borrador" not in html

    lesson.title = "Cuentas claras en casa"
    lesson.body = [("paragraph", "<p>Ahora: el ahorro del mes.</p>")]
    lesson.save_revision().publish()
    html = page_of(client_for, rosa, lesson.url)
    assert "Ahora: el ahorro del mes." in html
    assert "Hoy: ingresos y gastos." not in html
    assert "Cuentas claras en casa" in html


def test_new_material_and_quiz_questions_show_at_once(world, client_for):
    lesson, rosa = world["lesson"], world["rosa"]
    html = page_of(client_for, rosa, lesson.url)
    assert "Solo audio" in html and "240p" not in html and "Cuestionario" not in html

    rendition_create(asset=world["asset"], profile="video_240p", data=b"\x00" * 5000)
    QuizQuestion.objects.create(
        lesson=lesson, sort_order=0, text="¿Dónde anota sus gastos?", choices="Aquí\nAllá",
        correct_choice=1,
    )  # fmt: skip
    html = page_of(client_for, rosa, lesson.url)
    assert "240p" in html
    assert "¿Dónde anota sus gastos?" in html


def test_a_new_airing_shows_at_once_and_a_cancelled_one_goes_away(world, client_for):
    lesson, rosa = world["lesson"], world["rosa"]
    assert "Se emite" not in page_of(client_for, rosa, lesson.url)

    airing = airing_of(lesson, starts_at=timezone.now() + timedelta(days=2))
    assert "Se emite" in page_of(client_for, rosa, lesson.url)

    # cancelled in bulk, as the schedule services write: no model signal, the stamp sees it
    Airing.objects.filter(pk=airing.pk).update(
        state=Airing.State.CANCELLED, updated_at=timezone.now()
    )
    assert "Se emite" not in page_of(client_for, rosa, lesson.url)


def test_one_students_progress_never_reaches_another(world, client_for):
    lesson, rosa, juan = world["lesson"], world["rosa"], world["juan"]
    question = QuizQuestion.objects.create(
        lesson=lesson, sort_order=0, text="¿Dónde anota sus gastos?", choices="Aquí\nAllá",
        correct_choice=1,
    )  # fmt: skip
    LessonProgress.objects.create(
        student=rosa, lesson=lesson, state=LessonProgress.State.COMPLETED, percent_watched=100,
        tv_checkin_at=timezone.now(), tv_code="SOL03", quiz_best_score=100, quiz_passed=True,
    )  # fmt: skip
    attempt = QuizAttempt.objects.create(
        student=rosa, lesson=lesson, answers=[1], score=100, passed=True
    )
    rosa_client = client_for("student", user=rosa.user)
    session = rosa_client.session
    session[f"quiz-{lesson.pk}"] = attempt.pk
    session.save()
    rosa_html = rosa_client.get(lesson.url).content.decode()
    assert "Rosa Cueva" in rosa_html
    assert "Vio esta lección en TV (código SOL03)" in rosa_html
    assert "Aprobado · mejor nota 100 %" in rosa_html
    assert "Sus respuestas" in rosa_html

    juan_html = page_of(client_for, juan, lesson.url)
    assert "Rosa" not in juan_html
    assert "SOL03" not in juan_html.replace('name="code"', "")  # no check-in of Rosa's
    assert "Vio esta lección en TV" not in juan_html
    assert "mejor nota" not in juan_html and "Sus respuestas" not in juan_html
    assert question.text in juan_html  # the quiz itself is shared
    # what both see is the same bytes: the shared parts carry nobody's data
    for heading in ("descargas", "contenido-leccion"):
        assert section(rosa_html, heading) == section(juan_html, heading)


def test_a_student_of_another_course_is_refused_after_a_student_of_it_viewed_the_lesson(
    world, client_for
):
    lesson = world["lesson"]
    page_of(client_for, world["rosa"], lesson.url)
    outsider = student_create(dni="49999999", course=course_create(slug="otro-curso"))
    response = client_for("student", user=outsider.user).get(lesson.url)
    assert response.status_code == 403


def test_each_path_answers_with_its_own_page(world, client_for):
    """The lesson, the course and the unit above it (and a path that is no page) answer with
    their own pages, on the first request and the second."""
    lesson, course, unit = world["lesson"], world["course"], world["unit"]
    client = client_for("student", user=world["rosa"].user)
    for _ in range(2):
        for page in (lesson, course, unit):
            html = client.get(page.url).content.decode()
            assert re.search(r"<h1[^>]*>\s*(.*?)\s*</h1>", html, re.S).group(1) == page.title
        assert client.get(course.url + "no-existe/").status_code == 404


def test_an_unpublished_or_renamed_lesson_is_gone_from_its_old_url_at_once(world, client_for):
    lesson, rosa = world["lesson"], world["rosa"]
    old_url = lesson.url
    page_of(client_for, rosa, old_url)

    lesson.slug = "leccion-tres"
    lesson.save_revision().publish()
    lesson.refresh_from_db()
    client = client_for("student", user=rosa.user)
    assert client.get(old_url).status_code == 404
    assert client.get(lesson.url).status_code == 200

    lesson.unpublish()
    assert client.get(lesson.url).status_code == 404


def test_a_view_restriction_added_later_applies_at_once(world, client_for):
    lesson, rosa = world["lesson"], world["rosa"]
    page_of(client_for, rosa, lesson.url)
    restriction = PageViewRestriction.objects.create(
        page=world["course"], restriction_type=PageViewRestriction.GROUPS
    )
    restriction.groups.set([Group.objects.create(name="Solo piloto")])
    response = client_for("student", user=rosa.user).get(lesson.url)
    assert response.status_code in (302, 403)
    restriction.delete()
    assert client_for("student", user=rosa.user).get(lesson.url).status_code == 200


def test_menu_and_footer_changes_show_at_once(world, client_for):
    lesson, rosa = world["lesson"], world["rosa"]
    html = page_of(client_for, rosa, lesson.url)
    assert "Preguntas frecuentes" not in html

    home = Page.objects.get(pk=world["course"].get_parent().pk)
    faq = Page(title="Preguntas frecuentes", slug="preguntas", show_in_menus=True)
    home.add_child(instance=faq)
    faq.save_revision().publish()
    settings_row = SiteSettings.for_site(home.get_site())
    settings_row.office_hours = "Lunes a sábado, de 7:00 a 19:00"
    settings_row.save()

    html = page_of(client_for, rosa, lesson.url)
    assert "Preguntas frecuentes" in html
    assert "Lunes a sábado, de 7:00 a 19:00" in html


def test_the_admin_privacy_dialog_of_a_lesson_still_reads_its_restrictions(world, client_for):
    lesson = world["lesson"]
    PageViewRestriction.objects.create(
        page=world["course"], restriction_type=PageViewRestriction.LOGIN
    )
    response = client_for("superuser").get(f"/admin/pages/{lesson.pk}/privacy/")
    assert response.status_code == 200
    # the dialog says the restriction comes from the course, and links to it
    assert f"/admin/pages/{world['course'].pk}/" in response.json()["html"]


def test_an_anonymous_visitor_after_a_student_gets_a_page_of_their_own(world, client_for, client):
    course, rosa = world["course"], world["rosa"]
    assert "Rosa Cueva" in page_of(client_for, rosa, course.url)

    response = client.get(course.url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Rosa Cueva" not in html and "Salir" not in html
    assert "Ingresar" in html
    # pages depend on the visitor's session: no shared cache in front may mix them up
    assert "Cookie" in response["Vary"]


def test_a_site_given_another_root_page_shows_that_menu_at_once(world, client_for):
    home = world["course"].get_parent()
    portal = home.add_child(instance=StandardPage(title="Portal de cabinas", slug="portal"))
    portal.add_child(
        instance=StandardPage(title="Horarios de atención", slug="horarios", show_in_menus=True)
    )
    client = client_for("student", user=world["rosa"].user)
    assert "Horarios de atención" not in client.get("/mis-lecciones/").content.decode()

    site = Site.objects.get(is_default_site=True)
    site.root_page = portal
    site.save()

    assert "Horarios de atención" in client.get("/mis-lecciones/").content.decode()
