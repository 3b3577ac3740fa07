"""Quizzes are edited on the lesson in the admin: questions inline, choices one per line, the
number of the right one, with Spanish errors for a question that cannot be answered."""

import pytest
from wagtail.test.utils.form_data import (
    inline_formset,
    nested_form_data,
    querydict_from_html,
    rich_text,
    streamfield,
)

from lms.models import LessonPage, QuizQuestion

pytestmark = pytest.mark.django_db


def _post(client, unit, questions: list[dict]):
    url = f"/admin/pages/add/lms/lessonpage/{unit.pk}/"
    html = client.get(url).content.decode()
    assert "Cuestionario (opcional)" in html
    data = querydict_from_html(html, form_id="page-edit-form")
    fields = nested_form_data(
        {
            "title": "Cuido mi dinero",
            "slug": "cuido-mi-dinero",
            "episode_number": 4,
            "on_air_code": "PLATA4",
            "summary": "Ahorro en casa.",
            "body": streamfield([("paragraph", rich_text("<p>Ahorro.</p>"))]),
            "lesson_assets": inline_formset([]),
            "comments": inline_formset([]),
            "quiz_pass_percent": 60,
            "quiz_questions": inline_formset(questions),
        }
    )
    for key, value in fields.items():
        data[key] = value
    return client.post(url, data)


def test_an_editor_adds_a_quiz_to_a_lesson(client_for, unit):
    client = client_for("superuser")
    response = _post(
        client,
        unit,
        [
            {
                "text": "¿Dónde guarda sus ahorros?",
                "choices": "En una alcancía\nEn el bolsillo\nEn la caja de ahorros",
                "correct_choice": 3,
                "feedback": "La caja de ahorros protege su dinero.",
                "ORDER": 1,
            }
        ],
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    lesson = LessonPage.objects.get(slug="cuido-mi-dinero")
    question = QuizQuestion.objects.get(lesson=lesson)
    assert question.choice_list() == ["En una alcancía", "En el bolsillo", "En la caja de ahorros"]
    assert question.correct_choice == 3


def test_a_right_answer_out_of_range_is_refused_in_spanish(client_for, unit):
    client = client_for("superuser")
    response = _post(
        client,
        unit,
        [
            {
                "text": "¿Ahorra?",
                "choices": "Sí\nNo",
                "correct_choice": 5,
                "feedback": "",
                "ORDER": 1,
            }
        ],
    )
    assert response.status_code == 200
    assert "Debe ser un número del 1 al 2." in response.content.decode()
    assert not LessonPage.objects.filter(slug="cuido-mi-dinero").exists()
