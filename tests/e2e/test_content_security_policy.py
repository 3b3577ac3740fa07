"""The Content-Security-Policy in a real browser: the public pages load without a single
violation (nothing of ours needs an inline script or style), and an injected inline script is
refused; the Wagtail admin works under its own policy, which still refuses other origins."""

import pytest

from tests.fixtures import LIVE_DB

pytestmark = [pytest.mark.e2e, LIVE_DB]

# Playwright's init scripts run outside the page's policy, so this listener sees every refusal.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(
    `${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def site_tree():
    from cms.seed import seed

    seed()


@pytest.fixture
def watched_page(page):
    console = []
    page.on(
        "console",
        lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.add_init_script(RECORD_VIOLATIONS)
    page.csp_console = console
    return page


def _violations(page) -> list[str]:
    return page.evaluate("() => window.__cspViolations") + page.csp_console


@pytest.mark.parametrize("path", ["/", "/api/v1/docs"])
def test_page_loads_with_no_csp_violation(watched_page, site_tree, path):
    response = watched_page.goto(path)
    watched_page.wait_for_load_state("networkidle")

    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert _violations(watched_page) == []


def test_an_injected_inline_script_does_not_run(watched_page, site_tree):
    watched_page.goto("/")
    ran = watched_page.evaluate(
        """() => {
          window.__injected = false;
          const s = document.createElement('script');
          s.textContent = 'window.__injected = true;';
          document.body.appendChild(s);
          return window.__injected;
        }"""
    )

    assert ran is False
    watched_page.wait_for_function("() => window.__cspViolations.length > 0")
    assert any(v.startswith("script-src") for v in _violations(watched_page))


def test_student_pages_load_with_no_csp_violation(watched_page, live_server):
    from django.test import Client

    from lms.tests.factories import course_create, lesson_create, student_create, unit_create
    from media_pipeline.models import MediaAsset
    from media_pipeline.tests.factories import MediaAssetFactory, RenditionFactory

    asset = MediaAssetFactory(title="Clase 1", status=MediaAsset.Status.READY)
    RenditionFactory(asset=asset, profile="video_240p")
    course = course_create()
    lesson = lesson_create(
        unit=unit_create(course=course),
        episode=1,
        body=[("player", {"asset": asset, "caption": "Clase 1"})],
        assets=[asset],
    )
    student = student_create(dni="47200001", course=course)
    client = Client()
    client.force_login(student.user)
    watched_page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )

    for path in ("/mis-lecciones/", lesson.url):
        response = watched_page.goto(path)
        watched_page.wait_for_load_state("networkidle")
        assert response.status == 200, path
        assert "'unsafe-inline'" not in response.headers["content-security-policy"]
        assert _violations(watched_page) == [], path
    assert watched_page.locator("video").count() == 1  # the player is on the lesson page


# --- the Wagtail admin, under a policy of its own ------------------------------------------------
@pytest.fixture
def editor_page(watched_page, live_server, site_tree, django_user_model):
    """The watched page, logged in to the admin as an editor (a superuser: every menu)."""
    from django.test import Client

    editor = django_user_model.objects.create_superuser("editora", "editora@example.pe", "x")
    client = Client()
    client.force_login(editor)
    watched_page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return watched_page


def _admin_paths() -> list[str]:
    from django.urls import reverse
    from wagtail.models import Page

    from media_pipeline.models import MediaAsset

    home = Page.objects.get(depth=2)
    return [
        "/admin/",
        f"/admin/pages/{home.pk}/",
        f"/admin/pages/{home.pk}/edit/",
        "/admin/images/",
        "/admin/documents/",
        "/admin/users/",
        reverse(MediaAsset.snippet_viewset.get_url_name("add")),  # the chunked upload page
        "/admin/seguimiento/",
        "/admin/tramites/estadisticas/",
    ]


def test_admin_pages_load_with_no_csp_violation(editor_page):
    for path in _admin_paths():
        response = editor_page.goto(path)
        editor_page.wait_for_load_state("networkidle")
        assert response.status == 200, path
        policy = response.headers["content-security-policy"]
        assert "object-src 'none'" in policy and "frame-ancestors 'self'" in policy, path
        assert _violations(editor_page) == [], path
        # the admin's scripts ran: the sidebar is drawn by them
        assert editor_page.locator("#wagtail-sidebar nav").count() == 1, path


def test_the_page_editor_works_under_the_admin_policy(editor_page):
    from wagtail.models import Page

    home = Page.objects.get(depth=2)
    editor_page.goto(f"/admin/pages/{home.pk}/edit/")
    editor_page.wait_for_load_state("networkidle")

    title = editor_page.locator("#id_title")
    title.fill("Inicio (revisado)")
    editor_page.get_by_role("button", name="Guardar borrador").click()
    editor_page.wait_for_load_state("networkidle")

    assert _violations(editor_page) == []
    draft = Page.objects.get(pk=home.pk).get_latest_revision_as_object()
    assert draft.title == "Inicio (revisado)"


def test_a_script_from_another_origin_is_refused_in_the_admin(editor_page):
    editor_page.goto("/admin/")
    editor_page.evaluate(
        """() => {
          const s = document.createElement('script');
          s.src = 'https://cdn.example.com/x.js';
          document.body.appendChild(s);
        }"""
    )

    editor_page.wait_for_function("() => window.__cspViolations.length > 0")
    assert any(v.startswith("script-src") for v in _violations(editor_page))
