"""The Content-Security-Policy in a real browser: the public pages load without a single
violation (nothing of ours needs an inline script or style), and an injected inline script is
refused."""

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
