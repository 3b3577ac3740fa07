import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms.tests.factories import course_create, lesson_create, student_create, unit_create

pytestmark = pytest.mark.django_db


def test_login_lands_students_on_their_lessons(client, student):
    response = client.post(
        "/cuenta/ingresar/", {"username": student.dni, "password": "clave-de-prueba-2026"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/mis-lecciones/"


def test_login_page_asks_for_the_dni_and_explains_the_data_kept(client, course):
    html = client.get("/cuenta/ingresar/").content.decode()
    assert "DNI" in html
    assert "Ley 29733" in html


def test_staff_landing_on_my_lessons_go_on_to_the_admin(client_for):
    response = client_for("coach").get("/mis-lecciones/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_my_lessons_needs_a_login(client):
    response = client.get("/mis-lecciones/")
    assert response.status_code == 302
    assert response["Location"].startswith("/cuenta/ingresar/?next=/mis-lecciones/")


def test_my_lessons_lists_lessons_in_course_order_with_the_latest_first_in_view(
    client, course, student
):
    unit1 = unit_create(course=course, number=1, title="Unidad 1: Mi celular")
    unit2 = unit_create(course=course, number=2, title="Unidad 2: Trámites")
    for episode in (1, 2):
        lesson_create(unit=unit1, episode=episode)
    lesson_create(unit=unit2, episode=3, title="Trámites municipales")
    lesson_create(unit=unit2, episode=4, title="Borrador sin publicar", live=False)
    client.force_login(student.user)
    html = client.get("/mis-lecciones/").content.decode()
    latest = html.index("Última lección")
    assert html.index("Lección 3: Trámites municipales") > latest
    listed = re.findall(r'class="number">Lección (\d+)<', html)
    assert listed == ["1", "2", "3"]
    assert html.index("Unidad 1: Mi celular") < html.index("Unidad 2: Trámites")
    assert "Borrador sin publicar" not in html


def _my_lessons_queries(client, course, student, unit, count: int) -> int:
    start = unit.get_children().count()
    for episode in range(start + 1, start + count + 1):
        lesson_create(unit=unit, episode=episode)
    client.force_login(student.user)
    # warms the per-site caches every page shares (the first view of a site also creates its
    # settings row, which renews the footer's cache once)
    client.get("/mis-lecciones/")
    client.get("/mis-lecciones/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/mis-lecciones/")
    assert response.status_code == 200
    return len(queries)


# Query counts are taken with an in-memory cache (memory_cache), as production has one (Redis).
def test_my_lessons_query_count_does_not_grow_with_lessons(
    client, course, unit, student, memory_cache
):
    few = _my_lessons_queries(client, course, student, unit, 2)
    many = _my_lessons_queries(client, course, student, unit, 10)
    assert few == many
    assert many <= 16  # + the student's summaries and certificates (part 2)


def _lesson_page_queries(client, lesson, student) -> int:
    client.force_login(student.user)
    client.get(lesson.url)  # warms the per-site caches every page shares
    client.get(lesson.url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(lesson.url)
    assert response.status_code == 200
    return len(queries)


def test_lesson_page_query_count_does_not_grow_with_lessons_or_files(
    client, course, unit, student, lesson_with_media, memory_cache
):
    lesson = lesson_with_media["lesson"]
    first = _lesson_page_queries(client, lesson, student)
    for episode in range(20, 30):
        lesson_create(unit=unit, episode=episode)
    second = _lesson_page_queries(client, lesson, student)
    assert first == second
    # Wagtail's routing (the site, then the root and one page per level of the tree, each with
    # its specific row: 8), the user, the student's profile and enrolment, their progress, the
    # stamp of the airings; what every student shares comes from the cache
    assert second <= 12


def test_lesson_page_shows_each_download_with_its_size_in_mb(
    client, student, lesson_with_media, settings
):
    client.force_login(student.user)
    html = client.get(lesson_with_media["lesson"].url).content.decode()
    assert "Solo audio — 0,1 MB" in html
    assert "Video liviano — 0,1 MB" in html
    assert "Ficha de trabajo (PDF) — 0,1 MB" in html
    audio = lesson_with_media["audio"]
    lesson = lesson_with_media["lesson"]
    assert f'href="/mis-lecciones/{lesson.pk}/descargar/{audio.pk}/"' in html
    assert 'download="leccion-12-solo-audio.m4a"' in html


def test_lesson_page_sizes_follow_the_stored_renditions(client, student, lesson_with_media):
    audio = lesson_with_media["audio"]
    audio.size_bytes = 20_600_000
    audio.save()
    video = lesson_with_media["video"]
    video.size_bytes = 103_200_000
    video.save()
    client.force_login(student.user)
    html = client.get(lesson_with_media["lesson"].url).content.decode()
    assert "Solo audio — 21 MB" in html
    assert "Video liviano — 104 MB" in html


def test_a_student_of_another_course_is_refused_the_lesson(client, lesson_with_media):
    other_course = course_create(slug="otro-curso", title="Otro curso")
    outsider = student_create(dni="49999999", course=other_course)
    client.force_login(outsider.user)
    response = client.get(lesson_with_media["lesson"].url)
    assert response.status_code == 403
    html = response.content.decode()
    assert "no está disponible para usted" in html
    assert "Solo audio" not in html


def test_a_student_with_no_enrolment_is_refused_the_lesson(client, lesson_with_media):
    loner = student_create(dni="48888888")
    client.force_login(loner.user)
    assert client.get(lesson_with_media["lesson"].url).status_code == 403


def test_anonymous_visitors_are_sent_to_login_from_a_lesson(client, lesson_with_media):
    url = lesson_with_media["lesson"].url
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/cuenta/ingresar/?next=")


def test_the_course_page_is_public_and_lists_its_lessons(client, unit, lesson_with_media):
    html = client.get("/aprendiendo-paso-a-paso/").content.decode()
    assert "Cuentas claras" in html
    assert "Ingresar" in html


def test_my_lessons_shows_only_the_students_own_courses(client, course, unit, student):
    lesson_create(unit=unit, episode=1, title="Lección del curso propio")
    other = course_create(slug="otro-curso", title="Otro curso")
    lesson_create(unit=unit_create(course=other, number=1), episode=1, title="Lección ajena")
    client.force_login(student.user)
    html = client.get("/mis-lecciones/").content.decode()
    assert "Lección del curso propio" in html
    assert "Lección ajena" not in html


def test_the_page_tree_only_allows_course_unit_lesson(course, unit):
    from cms.models import HomePage, StandardPage
    from lms.models import CoursePage, LessonPage, UnitPage

    home = HomePage.objects.get()
    assert CoursePage.can_create_at(home)
    assert not UnitPage.can_create_at(home)
    assert not LessonPage.can_create_at(home)
    assert not LessonPage.can_create_at(course)
    assert LessonPage.can_create_at(unit)
    assert not StandardPage.can_create_at(unit)
    assert LessonPage.allowed_subpage_models() == []


def test_the_lesson_player_plays_the_lesson_audio_without_its_own_download_list(
    client, student, unit
):
    from lms.tests.factories import MediaAssetFactory, rendition_create

    asset = MediaAssetFactory(title="Clase de hoy")
    rendition_create(asset=asset, profile="audio")
    lesson = lesson_create(
        unit=unit, episode=5, assets=[asset], body=[("player", {"asset": asset, "caption": ""})]
    )
    client.force_login(student.user)
    html = client.get(lesson.url).content.decode()
    assert "<audio controls" in html
    assert "Descargar para ver sin conexión" not in html
    assert "Solo audio — 0,1 MB" in html
