"""Response hardening: the Content-Security-Policy of public pages and of the Wagtail admin, the
browser-safety headers, and uploads that are never served as a page of the site."""

import pytest

from config.media import media_urlpatterns

PUBLIC_PATHS = ["/", "/programa/", "/cuenta/ingresar/", "/buscar/?q=canal"]


@pytest.fixture
def site_tree(db):
    from cms.seed import seed

    seed()


def _directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_public_page_sends_a_csp_without_inline_scripts(client, site_tree, path):
    response = client.get(path)

    assert response.status_code == 200
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]


def test_student_page_sends_the_same_policy(client_for, site_tree):
    response = client_for("student").get("/cuenta/ingresar/")

    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_api_and_its_docs_send_the_policy(client, db):
    for path in ("/api/v1/openapi.json", "/api/v1/docs"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert _directives(response["Content-Security-Policy"])["script-src"] == ["'self'"]


@pytest.mark.parametrize(("role", "path"), [(None, "/admin/login/"), ("superuser", "/admin/")])
def test_wagtail_admin_has_a_policy_of_its_own(client_for, role, path):
    client = client_for(role) if role else client_for("anonymous")
    response = client.get(path)

    assert response.status_code == 200
    policy = _directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    # Wagtail's own inline scripts run; nothing from another origin does
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'self'"]
    for sources in policy.values():
        assert all(s.startswith(("'", "data:", "blob:")) for s in sources), sources


def test_admin_avatars_come_from_the_platform_not_an_outside_service(client_for, make_user):
    editor = make_user("superuser", email="editora@example.pe")
    html = client_for("superuser", user=editor).get("/admin/").content.decode()

    assert "gravatar" not in html


def test_pages_forbid_type_sniffing_and_cross_site_referrers(client, site_tree):
    response = client.get("/")

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


# --- uploads ------------------------------------------------------------------------------------
@pytest.fixture
def demo_media(settings, rf, tmp_path):
    """The demo's /media/ route (DEBUG on) over a MEDIA_ROOT holding what an uploader chose."""
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media" / "adjuntos").mkdir(parents=True)

    def fetch(name: str, content: bytes):
        (settings.MEDIA_ROOT / "adjuntos" / name).write_bytes(content)
        patterns = media_urlpatterns()
        match = patterns[0].resolve(f"media/adjuntos/{name}")
        assert match is not None
        return match.func(rf.get(f"/media/adjuntos/{name}"), **match.kwargs)

    return fetch


def test_uploaded_html_is_downloaded_not_rendered(demo_media):
    response = demo_media("constancia.html", b"<html><script>alert(document.cookie)</script>")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="constancia.html"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_uploaded_svg_is_downloaded_because_it_can_carry_scripts(demo_media):
    response = demo_media(
        "logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    )

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")


def test_uploaded_file_without_a_known_type_is_downloaded(demo_media):
    response = demo_media("notas", b"<script>alert(1)</script>")

    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("foto.png", "image/png"), ("clase.mp4", "video/mp4"), ("audio.mp3", "audio/mpeg")],
)
def test_uploaded_image_audio_and_video_are_shown_inline(demo_media, name, content_type):
    response = demo_media(name, b"\x00\x01binary")

    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_media_route_exists_only_where_the_project_serves_its_uploads(settings):
    settings.DEBUG = False

    assert media_urlpatterns() == []
    settings.SERVE_MEDIA = True
    assert [p.callback.__name__ for p in media_urlpatterns()] == ["serve_media"]


def test_uploads_are_stored_outside_the_static_root():
    from pathlib import Path

    from config.settings import base

    media, static = Path(base.MEDIA_ROOT).resolve(), Path(base.STATIC_ROOT).resolve()

    assert not media.is_relative_to(static)
    assert not static.is_relative_to(media)


def test_error_pages_speak_spanish(client, site_tree, rf):
    from core.outage import server_error

    missing = client.get("/no-existe-esta-pagina/")
    assert missing.status_code == 404
    html = missing.content.decode()
    assert '<html lang="es">' in html and "No encontramos esta página" in html
    assert "Not Found" not in html

    broken = server_error(rf.get("/"))
    assert broken.status_code == 500
    assert "Algo salió mal de nuestro lado" in broken.content.decode()
