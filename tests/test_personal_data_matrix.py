"""Object-level matrix of personal data: every export and list that shows people (the coaches'
CSV, dashboard and follow-up list, the students list, a student's certificate, the cabina desk
and its CSV, the back office's CSVs, the API lists) is read by someone who may read it, in a
world where one student was moved to another course, one left the course and one belongs to
another coach's course, and where one file was taken by another cabina, one came from the web
and one was taken by the reader at the cabina they worked in before. Each case names the people
who must not appear in it and the one who must (so an empty page cannot pass)."""

import csv
import io
import json
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from lms.models import Certificate, Enrollment
from lms.retention import enrollment_mark_left
from lms.selectors import tracking_dashboard
from lms.services import ProgressEventIn, progress_events_record, student_enroll
from lms.tests.factories import (
    course_coach_add,
    course_create,
    lesson_create,
    student_create,
    unit_create,
)
from tramites_bridge.models import Cabina, CabinaAgent, Channel
from tramites_bridge.services import submission_create
from tramites_bridge.tests.factories import ProcedureFactory

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Person:
    """What of a person must not leak: their DNI, names and phone; `district` is checked only
    where aggregates are shown. Their codes (a certificate's, a tracking code) are made by the
    world and checked too."""

    dni: str
    first_names: str
    last_names: str
    phone: str
    district: str = ""


STUDENTS = {
    # still in course X (Ana's): silent for ten days, so in the follow-up list too
    "current": Person("48100001", "Xavier", "Presente Quispe", "976100001", "Jesús"),
    # was in X, moved to course Y (Berta's): the departure from X is recorded
    "moved": Person("48100002", "Mateo", "Trasladado Chilon", "976100002", "Llacanora"),
    # was in X and left it
    "left": Person("48100003", "Lidia", "Retirada Huaman", "976100003", "Namora"),
    # only ever in Y
    "other": Person("48200001", "Yolanda", "Ajena Cueva", "976200001", "Matara"),
}
CITIZENS = {
    # taken by cabina A (where the reader works now) by another agent of A
    "own_cabina": Person("42000001", "Celia", "Propia Tello", "976300001"),
    # taken by cabina B
    "other_cabina": Person("42000002", "Bruna", "Vecina Rojas", "976300002"),
    # sent from the website: no cabina
    "web": Person("42000003", "Wilma", "Portal Sanchez", "976300003"),
    # taken by the reader at cabina C, before they moved to cabina A
    "previous_cabina": Person("42000004", "Pablo", "Anterior Vega", "976300004"),
}


def _watch(student, lesson, *, days_ago: int) -> None:
    """Watches the lesson to the end (completed), `days_ago` days ago."""
    at = timezone.now() - timedelta(days=days_ago)
    progress_events_record(
        student=student,
        events=[
            ProgressEventIn(
                id=uuid.uuid4(),
                lesson=lesson.pk,
                type="position",
                at=at,
                position_seconds=95.0,
                duration_seconds=100.0,
            )
        ],
        now=at + timedelta(minutes=5),
    )


def _lms_world(make_user) -> dict:
    x = course_create()
    y = course_create(slug="huertos-familiares", title="Huertos familiares")
    ana = make_user("coach", username="ana-coordina")
    berta = make_user("coach", username="berta-coordina")
    course_coach_add(course=x, user=ana)
    course_coach_add(course=y, user=berta)
    lesson_x = lesson_create(unit=unit_create(course=x), episode=1, code="EQUIS1")
    lesson_y = lesson_create(unit=unit_create(course=y), episode=1, code="YGRIEG")
    profiles = {}
    for key, person in STUDENTS.items():
        profiles[key] = student_create(
            dni=person.dni,
            course=y if key == "other" else x,
            first_names=person.first_names,
            last_names=person.last_names,
            district=person.district,
            phone=person.phone,
        )
    for key in ("current", "moved", "left"):
        _watch(profiles[key], lesson_x, days_ago=10)
    _watch(profiles["other"], lesson_y, days_ago=10)
    # the move and the departure happen after their progress in X was counted
    student_enroll(student=profiles["moved"], course=y)
    for key in ("moved", "left"):
        enrollment = Enrollment.objects.get(student=profiles[key], course=x)
        enrollment_mark_left(enrollment=enrollment)
    codes = {
        key: list(Certificate.objects.filter(student=profile).values_list("code", flat=True))
        for key, profile in profiles.items()
    }
    assert codes["current"] and codes["moved"]  # X has one lesson: watching it earns X's
    return {
        "x": x,
        "y": y,
        "ana": ana,
        "berta": berta,
        "lesson_x": lesson_x,
        "student_codes": codes,
        **profiles,
    }


def _tramites_world(make_user) -> dict:
    procedure = ProcedureFactory(tupa_code="LF-01", with_fields=False)
    cabinas = {
        key: Cabina.objects.create(name=f"Cabina {key.upper()}", address="Jr. Prueba 1", ruc=ruc)
        for key, ruc in (("a", "10401234569"), ("b", "20123456786"), ("c", "10401234569"))
    }
    agents = {}
    for key in ("a", "b", "moved"):
        agents[key] = make_user("cabina_agent", username=f"agente-{key}")
        cabina = cabinas["c" if key == "moved" else key]
        CabinaAgent.objects.create(cabina=cabina, user=agents[key])
    takers = {
        "own_cabina": ("a", "a"),
        "other_cabina": ("b", "b"),
        "web": (None, None),
        "previous_cabina": ("c", "moved"),
    }
    codes = {}
    for key, (cabina_key, agent_key) in takers.items():
        person = CITIZENS[key]
        submission, _ = submission_create(
            procedure=procedure,
            idempotency_key=f"matriz-{key}",
            dni=person.dni,
            first_names=person.first_names,
            last_names=person.last_names,
            phone=person.phone,
            data={},
            channel=Channel.CABINA if cabina_key else Channel.WEB,
            actor_id=agents[agent_key].pk if agent_key else None,
            cabina=cabinas[cabina_key] if cabina_key else None,
        )
        codes[key] = [submission.code, submission.display_code]
    # the agent moves from cabina C to cabina A
    CabinaAgent.objects.filter(user=agents["moved"]).update(cabina=cabinas["a"])
    # an agent taken off their cabina: no desk at all
    gone = make_user("cabina_agent", username="agente-retirado")
    CabinaAgent.objects.create(cabina=cabinas["b"], user=gone)
    CabinaAgent.objects.filter(user=gone).delete()
    return {"agent_moved": agents["moved"], "agent_gone": gone, "citizen_codes": codes}


@pytest.fixture
def world(make_user) -> dict:
    return {**_lms_world(make_user), **_tramites_world(make_user)}


# --- how each case is read ---------------------------------------------------------------------
def _session(world, reader: str) -> Client:
    client = Client()
    user = world[reader]
    client.force_login(getattr(user, "user", user))  # a student profile logs in as its user
    return client


def _bearer(world, reader: str, token_for) -> Client:
    user = world[reader]
    return Client(HTTP_AUTHORIZATION=f"Bearer {token_for('cabina_agent', user)}")


def _text(response) -> str:
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    text = body.decode("utf-8-sig")
    if response.get("Content-Type", "").startswith("application/json"):
        # names with accents are escaped in JSON: compare the decoded values
        return json.dumps(json.loads(text), ensure_ascii=False)
    if response.get("Content-Type", "").startswith("text/csv"):
        # a real parser on the export: every cell, one per line
        return "\n".join(cell for row in csv.reader(io.StringIO(text)) for cell in row)
    return text


def _follow_up(text: str) -> str:
    return text[text.index('id="sin-actividad"') :]


def _listing(text: str) -> str:
    """The results, not the search box (which shows what was searched for)."""
    return text[text.index('<table class="listing">') :]


@dataclass
class Case:
    name: str
    reader: str  # a key of the world: a coach, a student, an agent, a role user
    url: str  # "{x}"/"{y}": the courses' ids
    hidden: list[str]  # keys of STUDENTS or CITIZENS who must not appear
    shown: str | None  # who must appear (None: a refusal, an empty search, or aggregates only)
    status: int = 200
    api: bool = False
    aggregates: bool = False  # districts are checked too (charts, per-district tables)
    part: object = None  # narrows the page to one section

    def __str__(self) -> str:
        return self.name


LMS_HIDDEN = ["moved", "left", "other"]
TRAMITES_HIDDEN = ["other_cabina", "web", "previous_cabina"]
CASES = [
    Case("coach CSV", "ana", "/admin/seguimiento/avance.csv", LMS_HIDDEN, "current"),
    Case(
        "coach CSV of the course asked for",
        "ana",
        "/admin/seguimiento/avance.csv?curso={x}",
        LMS_HIDDEN,
        "current",
    ),
    Case(
        "coach dashboard and charts",
        "ana",
        "/admin/seguimiento/",
        LMS_HIDDEN,
        "current",
        aggregates=True,
    ),
    Case(
        "coach follow-up list",
        "ana",
        "/admin/seguimiento/?curso={x}",
        LMS_HIDDEN,
        "current",
        part=_follow_up,
    ),
    Case(
        "other course's coach CSV",
        "berta",
        "/admin/seguimiento/avance.csv",
        ["current", "left"],
        "other",
    ),
    Case(
        "other course's coach dashboard",
        "berta",
        "/admin/seguimiento/",
        ["current", "left"],
        "other",
        aggregates=True,
    ),
    Case(
        "other course's coach follow-up list",
        "berta",
        "/admin/seguimiento/",
        ["current", "left"],
        "moved",
        part=_follow_up,
    ),
    Case(
        "CSV of a course for someone who sees every course",
        "superuser",
        "/admin/seguimiento/avance.csv?curso={x}",
        LMS_HIDDEN,
        "current",
    ),
    Case("coach students list", "ana", "/admin/estudiantes/", LMS_HIDDEN, "current"),
    Case(
        "other course's coach students list",
        "berta",
        "/admin/estudiantes/",
        ["current", "left"],
        "moved",
    ),
    Case(
        "coach students search by DNI of the moved student",
        "ana",
        "/admin/estudiantes/?q=48100002",
        ["moved"],
        None,
        part=_listing,
    ),
    Case(
        "coach students search by DNI of the student who left",
        "ana",
        "/admin/estudiantes/?q=48100003",
        ["left"],
        None,
        part=_listing,
    ),
    Case(
        "coach students search by name of another course's student",
        "ana",
        "/admin/estudiantes/?q=Yolanda",
        ["other"],
        None,
        part=_listing,
    ),
    Case(
        "a new password card for a student who moved away",
        "ana",
        "/admin/estudiantes/{moved_pk}/nueva-contrasena/",
        ["moved"],
        None,
        status=404,
    ),
    Case(
        "another student's certificate",
        "other",
        "/mis-lecciones/certificado/{x}/",
        ["current", "moved"],
        None,
        status=404,
    ),
    Case("cabina desk", "agent_moved", "/cabina/", TRAMITES_HIDDEN, "own_cabina"),
    Case("cabina desk list", "agent_moved", "/cabina/tramites/", TRAMITES_HIDDEN, "own_cabina"),
    Case(
        "cabina desk CSV",
        "agent_moved",
        "/cabina/cuenta/?formato=csv",
        TRAMITES_HIDDEN,
        "own_cabina",
    ),
    Case(
        "cabina API list",
        "agent_moved",
        "/api/v1/tramites/cabina/submissions",
        TRAMITES_HIDDEN,
        "own_cabina",
        api=True,
    ),
    Case(
        "cabina API ledger",
        "agent_moved",
        "/api/v1/tramites/cabina/ledger",
        TRAMITES_HIDDEN,
        "own_cabina",
        api=True,
    ),
    Case(
        "desk of an agent taken off their cabina",
        "agent_gone",
        "/cabina/tramites/",
        list(CITIZENS),
        None,
        status=403,
    ),
    Case(
        "back office settlements CSV",
        "back_office",
        "/admin/tramites/liquidaciones/?formato=csv",
        list(CITIZENS),
        None,
    ),
    Case(
        "back office statistics CSV",
        "back_office",
        "/admin/tramites/estadisticas/?formato=csv",
        list(CITIZENS),
        None,
    ),
    Case(
        "back office CSV asked for by a cabina agent",
        "agent_moved",
        "/admin/tramites/liquidaciones/?formato=csv",
        list(CITIZENS),
        None,
        status=302,
    ),
    Case(
        "back office queue asked for by a coach",
        "ana",
        "/admin/tramites/bandeja/",
        list(CITIZENS),
        None,
        status=302,
    ),
]


def _markers(world, key: str, *, with_district: bool = False) -> list[str]:
    person = STUDENTS.get(key) or CITIZENS[key]
    codes = {**world["student_codes"], **world["citizen_codes"]}[key]
    found = [person.dni, person.first_names, person.last_names, person.phone, *codes]
    return found + ([person.district] if with_district else [])


@pytest.mark.parametrize("case", CASES, ids=str)
def test_no_one_appears_where_they_should_not(case, world, users, token_for):
    world = {**users, **world}
    url = case.url.format(x=world["x"].pk, y=world["y"].pk, moved_pk=world["moved"].pk)
    client = _bearer(world, case.reader, token_for) if case.api else _session(world, case.reader)
    response = client.get(url)
    assert response.status_code == case.status, (case.name, response.status_code)
    text = _text(response)
    if case.part is not None:
        text = case.part(text)
    for key in case.hidden:
        for marker in _markers(world, key, with_district=case.aggregates):
            assert marker not in text, f"{case.name}: {key} appears ({marker})"
    if case.shown is not None:
        shown = _markers(world, case.shown)
        assert any(m in text for m in shown), f"{case.name}: {case.shown} is missing"


def test_the_coachs_charts_count_only_the_students_currently_in_the_course(world, users):
    """Three students watched lesson 1 of X to the end; one moved to Y and one left: X counts
    one student, Y counts its own two (the one who moved brought no progress of Y)."""
    x = tracking_dashboard(course=world["x"])
    assert x["enrolled"] == 1
    (row,) = x["lesson_rows"]
    assert (row.started, row.completed, row.web) == (1, 1, 1)
    assert [(d.district, d.students, d.completions) for d in x["district_rows"]] == [
        ("Jesús", 1, 1)
    ]
    y = tracking_dashboard(course=world["y"])
    assert y["enrolled"] == 2
    (row,) = y["lesson_rows"]
    assert (row.started, row.completed) == (1, 1)
    page = _session({**users, **world}, "ana").get("/admin/seguimiento/").content.decode()
    assert "Aprendiendo paso a paso: 1 estudiante matriculado" in page


def test_a_departure_undone_brings_the_student_back_into_the_counts(
    world, users, django_capture_on_commit_callbacks
):
    ana = _session({**users, **world}, "ana")
    assert "1 estudiante matriculado" in ana.get("/admin/seguimiento/").content.decode()
    enrollment = Enrollment.objects.get(student=world["left"], course=world["x"])
    with django_capture_on_commit_callbacks(execute=True):
        enrollment_mark_left(enrollment=enrollment, undo=True)
    x = tracking_dashboard(course=world["x"])
    (row,) = x["lesson_rows"]
    assert (x["enrolled"], row.started, row.completed) == (2, 2, 2)
    assert STUDENTS["left"].dni in _text(ana.get("/admin/seguimiento/avance.csv"))
    # recorded again from the departure page: out of the counts and the export at once
    with django_capture_on_commit_callbacks(execute=True):
        response = ana.post(
            f"/admin/estudiantes/{world['left'].pk}/retiro/", {"enrollment": enrollment.pk}
        )
    assert response.status_code == 302
    x = tracking_dashboard(course=world["x"])
    (row,) = x["lesson_rows"]
    assert (x["enrolled"], row.started, row.completed) == (1, 1, 1)
    assert STUDENTS["left"].dni not in _text(ana.get("/admin/seguimiento/avance.csv"))


def test_progress_sent_after_leaving_the_course_is_not_counted(world):
    _watch(world["left"], world["lesson_x"], days_ago=0)
    (row,) = tracking_dashboard(course=world["x"])["lesson_rows"]
    assert (row.started, row.completed) == (1, 1)
