import pytest
from django.db import IntegrityError, transaction
from django.utils import translation
from wagtail.models import GroupPagePermission, WorkflowState
from wagtail.test.utils.form_data import (
    inline_formset,
    nested_form_data,
    querydict_from_html,
    rich_text,
    streamfield,
)

from lms.models import LessonPage
from lms.services import WORKFLOW_NAME
from lms.tests.factories import course_create, lesson_create, unit_create

pytestmark = pytest.mark.django_db


def _lesson_form(**fields) -> dict:
    data = {
        "title": "Mi idea de negocio",
        "slug": "mi-idea-de-negocio",
        "episode_number": 9,
        "on_air_code": "maiz9",
        "summary": "Del producto de la chacra a la feria.",
        "body": streamfield([("paragraph", rich_text("<p>Hoy hablamos de ideas.</p>"))]),
        "lesson_assets": inline_formset([]),
        "comments": inline_formset([]),
    }
    data.update(fields)
    return nested_form_data(data)


def _add(client, unit, action: str, **fields):
    url = f"/admin/pages/add/lms/lessonpage/{unit.pk}/"
    # start from what the editor renders, so panels added later (the quiz) keep their defaults
    data = querydict_from_html(client.get(url).content.decode(), form_id="page-edit-form")
    for key, value in _lesson_form(**fields).items():
        data[key] = value
    data[action] = "1"
    return client.post(url, data)


def test_a_course_gets_the_validation_workflow_and_the_roles_page_permissions(course):
    assert course.get_workflow().name == WORKFLOW_NAME
    granted = {
        (p.group.name, p.permission.codename)
        for p in GroupPagePermission.objects.filter(page=course).select_related(
            "group", "permission"
        )
    }
    assert ("Conductoras", "add_page") in granted
    assert ("Conductoras", "change_page") in granted
    assert ("Conductoras", "publish_page") not in granted
    assert ("Validación", "publish_page") in granted


def test_a_presenter_cannot_publish_a_lesson_but_can_submit_it_and_validation_approves_it(
    client_for, users, course
):
    unit = unit_create(course=course)
    presenter = client_for("presenter")
    response = _add(presenter, unit, "action-publish")
    assert response.status_code == 302
    lesson = LessonPage.objects.get(slug="mi-idea-de-negocio")
    assert not lesson.live
    assert lesson.on_air_code == "MAIZ9"
    assert lesson.course_id == course.pk
    assert not lesson.permissions_for_user(users["presenter"]).can_publish()

    edit_url = f"/admin/pages/{lesson.pk}/edit/"
    lesson_form = querydict_from_html(
        presenter.get(edit_url).content.decode(), form_id="page-edit-form"
    )
    for key, value in _lesson_form().items():
        lesson_form[key] = value
    lesson_form["action-submit"] = "1"
    response = presenter.post(edit_url, lesson_form)
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert not lesson.live
    state = WorkflowState.objects.get(object_id=str(lesson.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    task_state = state.current_task_state

    # the presenter is not a validator: approving is refused
    presenter.post(f"/admin/pages/workflow/action/{lesson.pk}/approve/{task_state.pk}/")
    lesson.refresh_from_db()
    assert not lesson.live

    validator = client_for("validator")
    response = validator.post(f"/admin/pages/workflow/action/{lesson.pk}/approve/{task_state.pk}/")
    assert response.status_code in (200, 302)
    lesson.refresh_from_db()
    assert lesson.live
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_APPROVED


def test_validation_can_request_changes_and_the_lesson_stays_unpublished(client_for, course):
    unit = unit_create(course=course)
    presenter = client_for("presenter")
    _add(presenter, unit, "action-submit")
    lesson = LessonPage.objects.get(slug="mi-idea-de-negocio")
    task_state = WorkflowState.objects.get(object_id=str(lesson.pk)).current_task_state
    client_for("validator").post(
        f"/admin/pages/workflow/action/{lesson.pk}/reject/{task_state.pk}/",
        {"comment": "Falta la ficha de trabajo."},
    )
    lesson.refresh_from_db()
    assert not lesson.live
    state = WorkflowState.objects.get(object_id=str(lesson.pk))
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES


def test_the_approval_actions_read_in_spanish(course, users):
    task = course.get_workflow().tasks.get().specific
    with translation.override("es"):
        labels = [str(label) for _, label, _ in task.get_actions(course, users["validator"])]
    assert labels == ["Solicitar cambios", "Aprobar", "Aprobar con comentario"]


def test_a_repeated_on_air_code_gets_a_spanish_form_error(client_for, course):
    unit = unit_create(course=course)
    lesson_create(unit=unit, episode=1, code="SOL12", title="Conozco mi celular")
    response = _add(client_for("presenter"), unit, "action-submit", on_air_code="sol12")
    assert response.status_code == 200
    html = response.content.decode()
    assert "El código «SOL12» ya lo usa la lección 1 («Conozco mi celular»)" in html
    assert not LessonPage.objects.filter(slug="mi-idea-de-negocio").exists()


@pytest.mark.parametrize("code", ["AB1", "ABCDEFG", "AB-12", "ÑAÑU"])
def test_an_on_air_code_must_have_4_to_6_letters_or_digits(client_for, course, code):
    unit = unit_create(course=course)
    response = _add(client_for("presenter"), unit, "action-submit", on_air_code=code)
    assert response.status_code == 200
    assert "error-message" in response.content.decode()
    assert not LessonPage.objects.filter(slug="mi-idea-de-negocio").exists()


def test_the_same_code_is_fine_in_another_course(client_for, course):
    lesson_create(unit=unit_create(course=course), episode=1, code="SOL12")
    other = course_create(slug="otro-curso", title="Otro curso")
    unit = unit_create(course=other)
    lesson_create(unit=unit, episode=1, code="SOL12")
    assert LessonPage.objects.filter(on_air_code="SOL12").count() == 2


def test_the_database_refuses_a_repeated_code_in_a_course(course):
    unit = unit_create(course=course)
    lesson_create(unit=unit, episode=1, code="SOL12")
    with pytest.raises(IntegrityError), transaction.atomic():
        lesson_create(unit=unit, episode=2, code="SOL12")


def test_a_repeated_episode_number_gets_a_spanish_form_error(client_for, course):
    unit = unit_create(course=course)
    lesson_create(unit=unit, episode=9, code="ABCD", title="Otra lección")
    response = _add(client_for("presenter"), unit, "action-submit")
    assert "La lección «Otra lección» ya es el episodio 9 de este curso." in (
        response.content.decode()
    )


def test_a_presenter_picks_the_lessons_media_assets_in_the_editor(client_for, course):
    from lms.tests.factories import MediaAssetFactory

    unit = unit_create(course=course)
    asset = MediaAssetFactory(title="Clase grabada")
    presenter = client_for("presenter")
    form = presenter.get(f"/admin/pages/add/lms/lessonpage/{unit.pk}/")
    assert form.status_code == 200
    assert "Material audiovisual de la lección" in form.content.decode()
    _add(
        presenter,
        unit,
        "action-submit",
        lesson_assets=inline_formset([{"asset": asset.pk, "ORDER": 1}]),
    )
    lesson = LessonPage.objects.get(slug="mi-idea-de-negocio")
    assert [link.asset for link in lesson.lesson_assets.all()] == [asset]


def test_the_validators_screens_for_a_lesson_in_review_are_in_spanish(client_for, course):
    import re

    unit = unit_create(course=course)
    _add(client_for("presenter"), unit, "action-submit")
    lesson = LessonPage.objects.get(slug="mi-idea-de-negocio")
    validator = client_for("validator")
    english = re.compile(
        r"\b(Approve\w*|Request changes|Awaiting|In Moderation|Submit\w*|Review\w*|Publish\w*)\b"
    )
    for url in ["/admin/", f"/admin/pages/{lesson.pk}/edit/"]:
        html = validator.get(url).content.decode()
        text = re.sub(r"<script.*?</script>|<[^>]+>", " ", html, flags=re.S)
        assert english.findall(text) == [], url
    editor = validator.get(f"/admin/pages/{lesson.pk}/edit/").content.decode()
    assert "Aprobar" in editor
    assert "Solicitar cambios" in editor


def test_copying_a_lesson_is_refused_with_a_spanish_message(client_for, course):
    unit = unit_create(course=course)
    lesson = lesson_create(unit=unit, episode=1, code="SOL12")
    validator = client_for("validator")
    response = validator.post(
        f"/admin/pages/{lesson.pk}/copy/",
        {"new_title": "Copia", "new_slug": "copia", "new_parent_page": unit.pk},
        follow=True,
    )
    assert "Las lecciones no se copian" in response.content.decode()
    assert LessonPage.objects.count() == 1


def test_moving_a_lesson_into_a_course_that_uses_its_code_is_refused(client_for, course):
    lesson = lesson_create(unit=unit_create(course=course), episode=1, code="SOL12")
    other = course_create(slug="otro-curso", title="Otro curso")
    other_unit = unit_create(course=other)
    lesson_create(unit=other_unit, episode=2, code="SOL12", title="Lección con el mismo código")
    admin = client_for("superuser")
    response = admin.post(f"/admin/pages/{lesson.pk}/move/{other_unit.pk}/confirm/", follow=True)
    assert "ya lo usa «Lección con el mismo código»" in response.content.decode()
    lesson.refresh_from_db()
    assert lesson.course_id == course.pk


def test_moving_a_lesson_to_another_course_carries_its_course_along(client_for, course):
    lesson = lesson_create(unit=unit_create(course=course), episode=1, code="SOL12")
    other = course_create(slug="otro-curso", title="Otro curso")
    other_unit = unit_create(course=other)
    client_for("superuser").post(f"/admin/pages/{lesson.pk}/move/{other_unit.pk}/confirm/")
    lesson.refresh_from_db()
    assert lesson.get_parent().pk == other_unit.pk
    assert lesson.course_id == other.pk


@pytest.mark.django_db
def test_a_deleted_validation_workflow_is_restored_with_its_task():
    from wagtail.models import Workflow, WorkflowTask

    from lms.services import lesson_workflow_get

    Workflow.objects.all().delete()
    workflow = lesson_workflow_get()
    stored = WorkflowTask.objects.filter(workflow=workflow).select_related("task")
    assert [wt.task.name for wt in stored] == ["Aprobación de la Región de Educación"]
