"""The permission matrix: every API operation, every site and admin view of our apps and every
page type, asked by each role, answers the status this table expects.

The routes are enumerated from the live NinjaAPI schema, the URL resolver and the page models,
so a route added without an entry here makes `test_every_route_has_an_entry` fail with the list
of what is missing. Each request runs inside a savepoint that is rolled back, so a write allowed
for one role does not change what the next role finds.

Expected values: an HTTP status (302 for any other redirect, as after a successful POST), or
LOGIN (a redirect to a login page) or AWAY (a redirect to the admin dashboard: Wagtail's "you may
not do this" answer to staff).

A few answers are known to be wrong and are owned by another app's issue: they are listed in
KNOWN_DEFECTS with the reason, reported on every run, and the test fails once one is fixed so
the list stays true. The expected value in the table stays the right one."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.demo_world import demo_world
from tests.fixtures import ROLES

LOGIN = "login"
AWAY = "away"
MULTIPART = "multipart/form-data"

OUR_PACKAGES = {"config", "cms", "lms", "broadcast", "media_pipeline", "tramites_bridge"}
OUR_APP_LABELS = OUR_PACKAGES - {"config"}
# Wagtail's generic admin views registered for our models: their entry points are in the table
# (the history/usage/chooser sub-views share the same permission check in Wagtail).
VIEWSET_ENTRY_POINTS = {"index", "list", "add", "edit", "delete"}
# Wagtail admin screens that are not ours but every staff role lands on.
WAGTAIL_SCREENS = [
    "admin/",
    "admin/pages/",
    "admin/pages/<int:parent_page_id>/",
    "admin/pages/<int:page_id>/edit/",
]


# --- expectation helpers -------------------------------------------------------------------------
def everyone(status: int | str = 200) -> dict[str, int | str]:
    return dict.fromkeys(ROLES, status)


def row(default: int | str, **by_role: int | str) -> dict[str, int | str]:
    unknown = set(by_role) - set(ROLES)
    assert not unknown, unknown
    return {role: by_role.get(role, default) for role in ROLES}


def api_for(*roles: str, ok: int = 200, denied: int = 403, **extra) -> dict[str, int | str]:
    """A bearer-token API operation: anonymous 401, the roles named (and superuser) `ok`."""
    return row(denied, **{"anonymous": 401, "superuser": ok, **dict.fromkeys(roles, ok), **extra})


def admin_for(*roles: str, ok: int | str = 200, denied: int | str = AWAY, **extra):
    """A Wagtail admin screen: anonymous and roles without admin access go to the login page,
    staff without the permission are turned `denied`, the roles named get `ok`."""
    by_role = {"anonymous": LOGIN, "student": LOGIN, "cabina_agent": LOGIN, "superuser": ok}
    return row(denied, **{**by_role, **dict.fromkeys(roles, ok), **extra})


@dataclass
class Case:
    """One request: `url` is formatted with the world's ids."""

    method: str
    url: str
    expect: dict[str, int | str]
    body: Any = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


# --- the table ------------------------------------------------------------------------------------
# API keys are "METHOD /api/v1/path" exactly as the OpenAPI schema names them; site keys are
# the URL pattern; page keys are "page:<app_label>.<Model>".
EPISODE_PATCH = {"notes": "Notas revisadas."}
TABLE: dict[str, list[Case]] = {}


def entry(key: str, *cases: Case) -> None:
    TABLE[key] = list(cases)


def api(key: str, expect, body=None, url: str | None = None, **kw) -> None:
    method, path = key.split(" ", 1)
    entry(key, Case(method, url or path, expect, body=body, **kw))


def site(key: str, expect, url: str | None = None, method: str = "GET", **kw) -> None:
    entry(key, Case(method, url or "/" + key, expect, **kw))


def crud(prefix: str, pk: str, *, add=(), edit=(), delete=(), view=(), new="new/") -> None:
    """A Wagtail ModelViewSet or snippet: who lists, adds, edits and deletes (roles.py)."""
    site(f"{prefix}/", admin_for(*view))
    site(f"{prefix}/{new}", admin_for(*add))
    site(f"{prefix}/edit/<int:pk>/", admin_for(*edit), url=f"/{prefix}/edit/{{{pk}}}/")
    site(f"{prefix}/delete/<int:pk>/", admin_for(*delete), url=f"/{prefix}/delete/{{{pk}}}/")


# ---- config: auth, health
api(
    "POST /api/v1/auth/token",
    everyone(200),
    body={"username": "40000001", "password": "pasoapaso2026"},
)
api("GET /api/v1/auth/me", row(200, anonymous=401))
api("POST /api/v1/auth/logout", row(200, anonymous=401))
site("^api/", everyone(404), url="/api/v2/nada")
site("healthz", everyone(200))
# Signed-in people are sent on to their landing page.
site("cuenta/ingresar/", row(302, anonymous=200))
# The admin's login (Wagtail's, wrapped by cms.views): staff are sent on to the dashboard.
site("admin/login/", row(AWAY, anonymous=200, student=200, cabina_agent=200))
site("cuenta/salir/", everyone(302), method="POST")

# ---- tramites_bridge (issues 7 and 8)
api("GET /api/v1/tramites/procedures", everyone(200))
api("GET /api/v1/tramites/procedures/{code}", everyone(200))
api(
    "GET /api/v1/tramites/track/{code}",
    everyone(200),
    url="/api/v1/tramites/track/{tracking}?dni={dni}",
)
# Open to citizens without an account and to cabina agents: a form without its fields gets 422.
# A superuser's token counts as an agent's, and a superuser has no cabina (403 no_cabina).
api(
    "POST /api/v1/tramites/submissions",
    row(422, superuser=403),
    body={"procedure": "{code}"},
    content_type=MULTIPART,
    headers={"HTTP_IDEMPOTENCY_KEY": "matriz-0001"},
)
site("tramites/seguimiento/", everyone(200))
site("tramites/formulario/<str:tupa_code>/", everyone(200), url="/tramites/formulario/{code}/")
# The receipt is shown only to the browser that sent the form (remembered in its session) and
# to the back office.
site(
    "tramites/constancia/<str:code>/",
    row(404, back_office=200, superuser=200),
    url="/tramites/constancia/{tracking}/",
)
site("admin/tramites/bandeja/", admin_for("back_office"))
site(
    "admin/tramites/bandeja/<int:pk>/",
    admin_for("back_office"),
    url="/admin/tramites/bandeja/{submission}/",
)
site(
    "admin/tramites/bandeja/<int:pk>/adjuntos/<int:attachment_pk>/",
    admin_for("back_office"),
    url="/admin/tramites/bandeja/{submission}/adjuntos/{attachment}/",
)
# A cabina agent's own desk and its account (issue 8); the cabina always comes from the agent.
# A superuser is no agent of any cabina: the desk and the agents' API refuse them too.
AGENT_API = api_for("cabina_agent", superuser=403)
api("GET /api/v1/tramites/cabina/submissions", AGENT_API)
api("GET /api/v1/tramites/cabina/ledger", AGENT_API)
AGENT_DESK = row(403, anonymous=LOGIN, cabina_agent=200)
site("cabina/", AGENT_DESK)
site("cabina/tramites/", AGENT_DESK)
site("cabina/cuenta/", AGENT_DESK)
site("cabina/tramite/<str:tupa_code>/", AGENT_DESK, url="/cabina/tramite/{code}/")
# The municipal back office's signed webhook: a request without its HMAC is refused whoever
# sends it (bearer tokens and sessions mean nothing there).
api("POST /api/v1/tramites/webhook", everyone(401), body={"event_id": "x", "code": "{tracking}"})
BO = ("back_office",)
site("admin/tramites/envios/", admin_for(*BO))
site("admin/tramites/estadisticas/", admin_for(*BO))
site("admin/tramites/liquidaciones/", admin_for(*BO))
SNIPPETS = "admin/snippets/tramites_bridge"
crud(f"{SNIPPETS}/cabina", "cabina", view=BO, add=BO, edit=BO, new="add/")
crud(f"{SNIPPETS}/procedure", "procedure", view=BO, add=BO, edit=BO, new="add/")
crud(f"{SNIPPETS}/office", "office", view=BO, add=BO, edit=BO, new="add/")
crud(f"{SNIPPETS}/holiday", "holiday", view=BO, add=BO, edit=BO, delete=BO, new="add/")

# ---- broadcast (issue 5)
api("GET /api/v1/broadcast/channels", everyone(200))
api("GET /api/v1/broadcast/airings", everyone(200))
api("GET /api/v1/broadcast/now", everyone(200))
api(
    "POST /api/v1/broadcast/airings/{airing_id}/move",
    api_for("tv_staff"),
    body={"starts_at": "{move_to}", "reason": "Partido de fútbol"},
)
api(
    "POST /api/v1/broadcast/airings/{airing_id}/cancel",
    api_for("tv_staff"),
    body={"reason": "Feriado"},
)
api("GET /api/v1/broadcast/episodes", api_for("presenter", "tv_staff"))
api("GET /api/v1/broadcast/episodes/{episode_id}", api_for("presenter", "tv_staff"))
api(
    "PATCH /api/v1/broadcast/episodes/{episode_id}",
    api_for("presenter", "tv_staff"),
    body=EPISODE_PATCH,
)
site("programacion/", everyone(200))
site("broadcast/feeds/all.ics", everyone(200))
site("broadcast/feeds/epg.xml", everyone(200))
site("broadcast/feeds/rundown.csv", everyone(200))
site("broadcast/feeds/<slug:slug>.ics", everyone(200), url="/broadcast/feeds/{channel}.ics")
site(
    "broadcast/feeds/presenter/<str:token>.ics",
    everyone(200),
    url="/broadcast/feeds/presenter/{presenter_token}.ics",
)
site("admin/programacion/calendario/", admin_for("tv_staff"))
site(
    "admin/programacion/calendario/<int:airing_id>/mover/",
    admin_for("tv_staff"),
    url="/admin/programacion/calendario/{airing_id}/mover/",
)
site(
    "admin/programacion/calendario/<int:airing_id>/cancelar/",
    admin_for("tv_staff"),
    url="/admin/programacion/calendario/{airing_id}/cancelar/",
)
site("admin/mis-episodios/", admin_for("presenter"))
site("admin/mis-episodios/calendario/renovar/", admin_for("presenter", ok=302), method="POST")
# TV staff may open any episode from their calendar; a presenter only her own (see below).
site(
    "admin/mis-episodios/<int:episode_id>/",
    admin_for("presenter", "tv_staff"),
    url="/admin/mis-episodios/{episode_id}/",
)


TV = ("tv_staff",)
crud("admin/broadcast_channels", "channel_pk", view=TV, add=TV, edit=TV)
crud("admin/broadcast_rules", "rule", view=TV, add=TV, edit=TV, delete=TV)
# An exception is added (it re-materialises the airings); changing one means adding another.
crud("admin/broadcast_exceptions", "exception", view=TV, add=TV)
crud("admin/broadcast_episodes", "episode_id", view=TV, add=TV, edit=TV)
crud("admin/broadcast_course_settings", "course_settings", view=TV, add=TV, edit=TV)
api(
    "POST /api/v1/broadcast/episodes",
    api_for("presenter", "tv_staff", ok=201),
    body={"lesson_id": "{lesson_without_episode}"},
)

# ---- media_pipeline (issue 3)
MEDIA_STAFF = ("presenter", "tv_staff", "coach", "validator")
api("GET /api/v1/media/assets", api_for(*MEDIA_STAFF))
api(
    "POST /api/v1/media/assets",
    api_for(*MEDIA_STAFF, ok=201),
    body={"title": "Clase grabada", "filename": "clase.mp4", "size": 1000},
)
# An upload session belongs to whoever started it (the presenter here): other media staff get
# the 404 of a missing one.
UPLOAD_OWNER = api_for("presenter", tv_staff=404, coach=404, validator=404)
api("GET /api/v1/media/uploads/{upload_id}", UPLOAD_OWNER)
api(
    "PATCH /api/v1/media/uploads/{upload_id}",
    UPLOAD_OWNER,
    body=b"x" * 10,
    content_type="application/offset+octet-stream",
    headers={"HTTP_CONTENT_RANGE": "bytes 0-9/1000"},
)
api(
    "DELETE /api/v1/media/uploads/{upload_id}",
    {**UPLOAD_OWNER, "presenter": 204, "superuser": 204},
)
api("GET /api/v1/media/assets/{asset_id}", api_for(*MEDIA_STAFF))
api(
    "POST /api/v1/media/assets/{asset_id}/retry",
    api_for(*MEDIA_STAFF, ok=202),
    url="/api/v1/media/assets/{failed_asset_id}/retry",
)
# The asset plays in a lesson, and a lesson is for its enrolled students and the course's staff.
site(
    "medios/ver/<int:asset_id>/<slug:profile>.<slug:ext>",
    row(200, anonymous=LOGIN, cabina_agent=403, back_office=403),
    url="/medios/ver/{asset_id}/{profile}.mp4",
)
site(
    "medios/descargar/<int:asset_id>/<slug:profile>/",
    row(200, anonymous=401, student=403, cabina_agent=403, back_office=403),
    url="/medios/descargar/{asset_id}/{profile}/",
)
site("admin/snippets/media_pipeline/mediaasset/", admin_for(*MEDIA_STAFF))
site("admin/snippets/media_pipeline/mediaasset/add/", admin_for(*MEDIA_STAFF))
site(
    "admin/snippets/media_pipeline/mediaasset/edit/<str:pk>/",
    admin_for(*MEDIA_STAFF),
    url="/admin/snippets/media_pipeline/mediaasset/edit/{asset_id}/",
)
site(
    "admin/snippets/media_pipeline/mediaasset/delete/<int:pk>/",
    admin_for(),
    url="/admin/snippets/media_pipeline/mediaasset/delete/{asset_id}/",
)
site(
    "admin/material-audiovisual/<int:pk>/reintentar/",
    admin_for(*MEDIA_STAFF, ok=302),
    url="/admin/material-audiovisual/{failed_asset_id}/reintentar/",
    method="POST",
)

# ---- lms (issue 4)
# Students land on their lessons; staff with admin access are sent on to the dashboard.
site("mis-lecciones/", row(AWAY, anonymous=LOGIN, student=200, cabina_agent=200))
# A lesson and its files: the enrolled student and the course's staff (presenters write the
# lessons, coaches follow the students, validators approve), nobody else.
LESSON_READERS = row(
    403, anonymous=LOGIN, student=200, presenter=200, coach=200, validator=200, superuser=200
)
site(
    "mis-lecciones/<int:lesson_id>/descargar/<int:rendition_id>/",
    LESSON_READERS,
    url="/mis-lecciones/{lesson_id}/descargar/{rendition_id}/",
)
site(
    "mis-lecciones/<int:lesson_id>/documento/<int:document_id>/",
    LESSON_READERS,
    url="/mis-lecciones/{lesson_id}/documento/{document_id}/",
)
site(
    "mis-lecciones/<int:lesson_id>/todo/<slug:profile>/",
    LESSON_READERS,
    url="/mis-lecciones/{lesson_id}/todo/{bundle_profile}/",
)
# Progress, TV check-ins, quizzes and certificates (issue 6): a student's own, looked up from
# the caller, never from an id in the request.
STUDENT_ONLY_API = row(403, anonymous=401, student=200)
api("GET /api/v1/lms/me/progress", STUDENT_ONLY_API)
api(
    "POST /api/v1/lms/progress",
    STUDENT_ONLY_API,
    body={
        "events": [
            {
                "id": "6f1c2e8a-1d5e-4a57-9a38-5b1c2d3e4f50",
                "lesson": "{lesson_id}",
                "type": "position",
                "at": "{now}",
                "position_seconds": 30,
                "duration_seconds": 120,
                "watched_seconds": 30,
            }
        ]
    },
)
# Plain forms that answer by going back to the page with a message.
site("mis-lecciones/codigo-del-dia/", row(302, anonymous=LOGIN), method="POST")
site(
    "mis-lecciones/<int:lesson_id>/cuestionario/",
    {**LESSON_READERS, **{r: 302 for r, v in LESSON_READERS.items() if v == 200}},
    url="/mis-lecciones/{quiz_lesson_id}/cuestionario/",
    method="POST",
)
# Only the student's own certificate exists for them; nobody else has one of this course.
site(
    "mis-lecciones/certificado/<int:course_id>/",
    row(404, anonymous=LOGIN, student=200),
    url="/mis-lecciones/certificado/{course_id}/",
)
# Public verification: name, course and date only.
site("certificados/<str:code>/", everyone(200), url="/certificados/{certificate_code}/")
# The coaches' follow-up (issue 6): charts, the stalled students with their phones, the CSV.
site("admin/seguimiento/", admin_for("coach"))
site("admin/seguimiento/avance.csv", admin_for("coach"))
site("admin/estudiantes/", admin_for("coach"))
site("admin/estudiantes/importar/", admin_for("coach"))
site(
    "admin/estudiantes/importar/<int:job_id>/",
    admin_for("coach"),
    url="/admin/estudiantes/importar/{import_job}/",
)
site(
    "admin/estudiantes/importar/<int:job_id>/estado/",
    admin_for("coach"),
    url="/admin/estudiantes/importar/{import_job}/estado/",
)
site(
    "admin/estudiantes/importar/<int:job_id>/tarjetas/",
    admin_for("coach"),
    url="/admin/estudiantes/importar/{import_job}/tarjetas/",
    method="POST",
)
site(
    "admin/estudiantes/<int:student_id>/nueva-contrasena/",
    admin_for("coach"),
    url="/admin/estudiantes/{student_profile}/nueva-contrasena/",
)
# Coaches record when a student left a course (retention of personal data counts from it).
site(
    "admin/estudiantes/<int:student_id>/retiro/",
    admin_for("coach"),
    url="/admin/estudiantes/{student_profile}/retiro/",
)

# ---- Wagtail's own screens and the site's pages
STAFF = ("presenter", "tv_staff", "coach", "validator", "back_office")
COURSE_EDITORS = ("presenter", "validator")
site("admin/", admin_for(*STAFF))
# The explorer sends course editors on to the part of the tree they may work on.
site("admin/pages/", admin_for(*COURSE_EDITORS, ok=302, superuser=200))
site(
    "admin/pages/<int:parent_page_id>/", admin_for(*COURSE_EDITORS), url="/admin/pages/{course_id}/"
)
site(
    "admin/pages/<int:page_id>/edit/",
    admin_for(*COURSE_EDITORS),
    url="/admin/pages/{lesson_id}/edit/",
)
entry("page:cms.HomePage", Case("GET", "{page_home}", everyone(200)))
entry("page:cms.StandardPage", Case("GET", "{page_standard}", everyone(200)))
entry("page:cms.SearchPage", Case("GET", "{page_search}?q=canal", everyone(200)))
entry("page:lms.CoursePage", Case("GET", "{page_course}", everyone(200)))
entry("page:lms.UnitPage", Case("GET", "{page_unit}", everyone(200)))
entry("page:lms.LessonPage", Case("GET", "{page_lesson}", LESSON_READERS))


# --- enumerating what exists --------------------------------------------------------------------
def api_route_keys() -> set[str]:
    from config.api import api as ninja_api

    schema = ninja_api.get_openapi_schema()
    return {
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method in operations
    }


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            callback = pattern.callback
            module = getattr(getattr(callback, "view_class", callback), "__module__", "")
            yield prefix + str(pattern.pattern), namespace, pattern.name, module


def site_route_keys() -> set[str]:
    keys = set(WAGTAIL_SCREENS)
    for route, namespace, name, module in _walk(get_resolver().url_patterns):
        if module.split(".")[0] in OUR_PACKAGES or (
            route.startswith("admin/")
            and name in VIEWSET_ENTRY_POINTS
            and any(label in (namespace or "") for label in OUR_APP_LABELS)
            and "choose" not in (namespace or "")
        ):
            keys.add(route)
    return keys


def page_type_keys() -> set[str]:
    from wagtail.models import get_page_models

    return {
        f"page:{model._meta.app_label}.{model.__name__}"
        for model in get_page_models()
        if model._meta.app_label in OUR_APP_LABELS
    }


def all_route_keys() -> set[str]:
    return api_route_keys() | site_route_keys() | page_type_keys()


def test_every_route_has_an_entry():
    missing = sorted(all_route_keys() - set(TABLE))
    assert not missing, (
        "Rutas sin entrada en la matriz de permisos (agréguelas a TABLE en "
        "tests/test_permission_matrix.py con el estado esperado para cada rol):\n  "
        + "\n  ".join(missing)
    )


def test_the_table_names_no_route_that_is_gone():
    gone = sorted(set(TABLE) - all_route_keys())
    assert not gone, "Entradas de la matriz sin ruta: " + ", ".join(gone)


# --- the world every request is made in ---------------------------------------------------------
@pytest.fixture
def world(db, settings) -> dict[str, Any]:
    # The world's worker heartbeat is written once; the whole walk may take longer than the
    # staleness limit on a busy machine, and /healthz is asked near its end.
    settings.WORKER_HEARTBEAT_STALE_SECONDS = 3600
    return demo_world()


def _fill(value, ids: dict[str, Any]):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def _outcome(response) -> int | str:
    if response.status_code in (301, 302, 303):
        location = urlsplit(response.get("Location", "")).path
        if "login" in location or "ingresar" in location:
            return LOGIN
        return AWAY if location == "/admin/" else 302
    return response.status_code


def _ask(case: Case, role: str, world: dict[str, Any]) -> int | str:
    from core.accounts import token_create

    ids = world["ids"]
    user = world["users"][role]
    url = _fill(case.url, ids)
    with transaction.atomic():
        if url.startswith("/api/"):
            client = Client()
            if user is not None:
                raw, _ = token_create(user=user)
                client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
        else:
            client = Client()
            if user is not None:
                client.force_login(user)
        kwargs: dict[str, Any] = dict(case.headers)
        if case.body is not None:
            body = _fill(case.body, ids) if isinstance(case.body, dict) else case.body
            if case.content_type == MULTIPART:
                kwargs.update(data=body)  # the test client encodes the form itself
            elif case.content_type == "application/json":
                kwargs.update(data=json.dumps(body), content_type=case.content_type)
            else:
                kwargs.update(data=body, content_type=case.content_type)
        response = getattr(client, case.method.lower())(url, **kwargs)
        transaction.set_rollback(True)
    return _outcome(response)


# (route key, role) -> why the answer is wrong today and whose issue fixes it.
KNOWN_DEFECTS: dict[tuple[str, str], str] = {}


def test_each_role_gets_the_expected_status_on_every_route(world):
    mismatches, known, fixed = [], [], []
    for key in sorted(TABLE):
        for case in TABLE[key]:
            for role in ROLES:
                try:
                    got = _ask(case, role, world)
                except Exception as exc:  # a crash is reported like any other wrong status
                    got = f"excepción {type(exc).__name__}: {exc}"[:200]
                want = case.expect[role]
                line = (
                    f"{case.method} {_fill(case.url, world['ids'])} [{key}] {role}: "
                    f"obtuvo {got}, se esperaba {want}"
                )
                if got == want:
                    if (key, role) in KNOWN_DEFECTS:
                        fixed.append(line)
                elif (key, role) in KNOWN_DEFECTS:
                    known.append(f"{line} — {KNOWN_DEFECTS[key, role]}")
                else:
                    mismatches.append(line)
    if known:
        print("Defectos conocidos (KNOWN_DEFECTS):\n  " + "\n  ".join(known))
    assert not mismatches, "Estados distintos a los de la matriz:\n  " + "\n  ".join(mismatches)
    assert not fixed, "Ya se corrigieron; quítelos de KNOWN_DEFECTS:\n  " + "\n  ".join(fixed)


# --- object-level isolation ---------------------------------------------------------------------
@pytest.fixture
def two_presenters_episodes(make_user):
    from broadcast.tests.factories import (
        build_course,
        episode_on,
        install_programme,
        next_week,
        premiere_on,
    )

    lessons = build_course(2)
    install_programme()
    rosa = make_user("presenter", username="rosa")
    milagros = make_user("presenter", username="milagros")
    mine = episode_on(lessons[0], premiere_on(next_week(2)), presenters=[rosa])
    theirs = episode_on(lessons[1], premiere_on(next_week(3)), presenters=[milagros])
    return rosa, mine, theirs


def test_a_presenter_cannot_read_or_edit_another_presenters_episode_by_api(
    two_presenters_episodes, api_client_for
):
    rosa, mine, theirs = two_presenters_episodes
    client = api_client_for("presenter", user=rosa)
    url = f"/api/v1/broadcast/episodes/{theirs.pk}"

    assert client.get(url).status_code == 404
    response = client.patch(url, {"notes": "cambiado"}, content_type="application/json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.notes != "cambiado"
    listed = {e["id"] for e in client.get("/api/v1/broadcast/episodes").json()}
    assert listed == {mine.pk}


def test_a_presenter_cannot_open_another_presenters_episode_in_the_admin(
    two_presenters_episodes, client_for
):
    rosa, mine, theirs = two_presenters_episodes
    client = client_for("presenter", user=rosa)

    assert client.get(f"/admin/mis-episodios/{mine.pk}/").status_code == 200
    # Wagtail answers a refusal to staff by sending them back to the dashboard.
    refused = client.get(f"/admin/mis-episodios/{theirs.pk}/")
    assert _outcome(refused) == AWAY
    response = client.post(f"/admin/mis-episodios/{theirs.pk}/", {"notes": "cambiado"})
    assert _outcome(response) == AWAY
    theirs.refresh_from_db()
    assert theirs.notes != "cambiado"


def _routes_containing(*words: str) -> list[str]:
    return sorted(k for k in all_route_keys() if any(w in k for w in words))


@pytest.fixture
def two_cabinas_with_a_submission_each(make_user, api_client_for):
    """Two cabinas, an agent in each, and one procedure each agent submitted for a citizen."""
    import uuid

    from tramites_bridge.models import Cabina, CabinaAgent
    from tramites_bridge.tests.factories import ProcedureFactory, citizen_fields, pdf_upload

    procedure = ProcedureFactory(tupa_code="LF-01")
    out = {}
    for key, ruc in (("a", "10401234569"), ("b", "20123456786")):
        cabina = Cabina.objects.create(name=f"Cabina {key}", address="Jr. Lima 1", ruc=ruc)
        agent = make_user("cabina_agent", username=f"agente-{key}")
        CabinaAgent.objects.create(cabina=cabina, user=agent)
        data = {"procedure": "LF-01", **citizen_fields(), "declaracion": pdf_upload()}
        response = api_client_for("cabina_agent", agent).post(
            "/api/v1/tramites/submissions", data, HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
        )
        assert response.status_code == 201, response.content
        out[key] = (agent, response.json()["code"], response.json()["code_display"])
    out["procedure"] = procedure
    return out


def test_a_cabina_agent_cannot_read_another_cabinas_submissions_or_ledger(
    two_cabinas_with_a_submission_each, api_client_for, client_for
):
    agent_a, code_a, display_a = two_cabinas_with_a_submission_each["a"]
    _, code_b, display_b = two_cabinas_with_a_submission_each["b"]
    api_client = api_client_for("cabina_agent", agent_a)

    listed = {s["code"] for s in api_client.get("/api/v1/tramites/cabina/submissions").json()}
    assert listed == {code_a}
    ledger = api_client.get("/api/v1/tramites/cabina/ledger").json()
    assert ledger["cabina"] == "Cabina a"
    assert {e["submission_code"] for e in ledger["entries"]} == {code_a}

    desk = client_for("cabina_agent", agent_a)
    for page in ("/cabina/tramites/", "/cabina/cuenta/"):
        html = desk.get(page).content.decode()
        assert display_a in html or code_a in html, page
        assert display_b not in html and code_b not in html, page


def test_a_student_cannot_read_another_students_progress_or_certificate(api_client_for, client_for):
    import uuid

    from django.utils import timezone

    from lms.models import Certificate
    from lms.tests.factories import course_create, lesson_create, student_create, unit_create

    course = course_create()
    lesson = lesson_create(unit=unit_create(course=course), episode=1)
    ana = student_create(dni="47100001", course=course, first_names="Ana", phone="976000111")
    beto = student_create(dni="47100002", course=course, first_names="Beto")
    Certificate.objects.create(
        student=ana, course=course, code="ANA2026X", issued_at=timezone.now()
    )
    event = {
        "id": str(uuid.uuid4()),
        "lesson": lesson.pk,
        "type": "position",
        "at": timezone.now().isoformat(),
        "position_seconds": 60,
        "duration_seconds": 100,
        "watched_seconds": 60,
    }
    ana_api = api_client_for("student", user=ana.user)
    sent = ana_api.post(
        "/api/v1/lms/progress", {"events": [event]}, content_type="application/json"
    )
    assert sent.status_code == 200, sent.content

    beto_api = api_client_for("student", user=beto.user)
    assert beto_api.get("/api/v1/lms/me/progress").json()["summaries"] == []
    assert [s["lesson"] for s in ana_api.get("/api/v1/lms/me/progress").json()["summaries"]] == [
        lesson.pk
    ]
    # Beto's certificate page for the course is his own: he has none, so 404, never Ana's.
    beto_site = client_for("student", user=beto.user)
    assert beto_site.get(f"/mis-lecciones/certificado/{course.pk}/").status_code == 404
    assert (
        client_for("student", user=ana.user)
        .get(f"/mis-lecciones/certificado/{course.pk}/")
        .status_code
        == 200
    )
    # The public verification shows the name, not the DNI or the phone.
    page = beto_site.get("/certificados/ANA2026X/").content.decode()
    assert "Ana" in page
    assert "47100001" not in page and "976000111" not in page


def test_a_coach_cannot_see_another_courses_students_or_their_progress(make_user, client_for):
    import uuid
    from datetime import timedelta

    from django.utils import timezone

    from lms.models import StudentImportJob
    from lms.services import ProgressEventIn, progress_events_record
    from lms.tests.factories import (
        course_coach_add,
        course_create,
        lesson_create,
        student_create,
        unit_create,
    )

    mine = course_create()
    theirs = course_create(slug="huertos-familiares", title="Huertos familiares")
    ana, berta = make_user("coach", username="ana-c"), make_user("coach", username="berta-c")
    course_coach_add(course=mine, user=ana)
    course_coach_add(course=theirs, user=berta)
    lesson = lesson_create(unit=unit_create(course=theirs), episode=1, code="HUER1")
    other = student_create(dni="47200001", course=theirs, first_names="Olga", phone="976200002")
    progress_events_record(
        student=other,
        events=[
            ProgressEventIn(
                id=uuid.uuid4(), lesson=lesson.pk, type="position",
                at=timezone.now() - timedelta(days=9), position_seconds=5, duration_seconds=100,
            )
        ],
    )  # fmt: skip
    job = StudentImportJob.objects.create(
        course=theirs, created_by=berta, roster=[{"dni": "47200009", "password": "x1"}]
    )
    client = client_for("coach", user=ana)

    for url in ("/admin/estudiantes/", "/admin/seguimiento/", "/admin/seguimiento/avance.csv"):
        response = client.get(url)
        body = (
            b"".join(response.streaming_content) if response.streaming else response.content
        ).decode()
        assert response.status_code == 200, url
        assert "47200001" not in body and "Olga" not in body and "976200002" not in body, url
    for url in (
        f"/admin/seguimiento/?curso={theirs.pk}",
        f"/admin/seguimiento/avance.csv?curso={theirs.pk}",
        f"/admin/estudiantes/{other.pk}/nueva-contrasena/",
        f"/admin/estudiantes/{other.pk}/retiro/",
    ):
        assert client.get(url).status_code == 404, url
    refused = client.post(f"/admin/estudiantes/importar/{job.pk}/tarjetas/")
    assert _outcome(refused) in (403, AWAY)
    job.refresh_from_db()
    assert job.roster_shown_at is None
