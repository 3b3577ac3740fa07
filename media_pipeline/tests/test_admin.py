"""The media library in the Wagtail admin: list with live progress, asset page, retry, upload."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from media_pipeline.models import MediaAsset
from media_pipeline.tests.factories import MediaAssetFactory, RenditionFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/snippets/media_pipeline/mediaasset/"


def test_the_list_shows_status_progress_and_rendition_sizes(client_for):
    running = MediaAssetFactory(
        title="Episodio 7", status="transcoding", progress=42, eta_seconds=90
    )
    ready = MediaAssetFactory(title="Episodio 6", status="ready", progress=100)
    RenditionFactory(asset=ready, profile="video_240p", size_bytes=3_400_000)
    response = client_for("tv_staff").get(LIST_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-media-asset="{running.pk}"' in html
    assert 'value="42"' in html and "quedan 90 s" in html
    assert "Procesando" in html and "Listo" in html
    assert "video_240p: 3,4 MB" in html
    assert "media_pipeline/js/progress.js" in html
    assert "Material audiovisual" in html


def test_a_failed_asset_shows_its_error_and_a_one_click_retry(
    client_for, django_capture_on_commit_callbacks
):
    failed = MediaAssetFactory(
        title="Roto",
        status="failed",
        error_message="El archivo está vacío (0 bytes).",
        error_detail="moov atom not found",
    )
    client = client_for("presenter")
    html = client.get(LIST_URL).content.decode()
    assert "El archivo está vacío" in html and "Reintentar" in html
    page = client.get(f"{LIST_URL}edit/{failed.pk}/").content.decode()
    assert "moov atom not found" in page
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(f"/admin/material-audiovisual/{failed.pk}/reintentar/")
    assert response.status_code == 302
    failed.refresh_from_db()
    assert (failed.status, failed.error_message) == ("uploaded", "")


def test_the_asset_page_lists_renditions_in_mb_against_their_budget(client_for):
    asset = MediaAssetFactory(title="Clase 3", status="ready", progress=100)
    RenditionFactory(
        asset=asset,
        profile="video_360p",
        size_bytes=5_500_000,
        duration_seconds=120,
        width=640,
        height=360,
    )
    html = client_for("coach").get(f"{LIST_URL}edit/{asset.pk}/").content.decode()
    assert "Video estándar" in html and "5,50 MB" in html
    assert "165 (220)" in html  # MB per hour and the ceiling
    assert f"/medios/descargar/{asset.pk}/video_360p/" in html


def test_roles_without_media_work_cannot_open_the_library(client_for):
    asset = MediaAssetFactory(status="failed")
    client = client_for("back_office")
    assert client.get(LIST_URL).status_code in (302, 403)
    assert client.get(f"{LIST_URL}edit/{asset.pk}/").status_code in (302, 403)
    assert client.get(f"{LIST_URL}add/").status_code in (302, 403)
    client.post(f"/admin/material-audiovisual/{asset.pk}/reintentar/")
    asset.refresh_from_db()
    assert asset.status == "failed"


def test_the_upload_page_works_without_javascript(client_for):
    client = client_for("validator")
    page = client.get(f"{LIST_URL}add/").content.decode()
    assert 'id="media-upload-form"' in page and "media_pipeline/js/upload.js" in page
    response = client.post(
        f"{LIST_URL}add/",
        {"title": "Ficha 2", "kind": "", "file": SimpleUploadedFile("f.pdf", b"%PDF-1.4\n")},
    )
    asset = MediaAsset.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"/edit/{asset.pk}/")
    assert (asset.title, asset.kind, asset.status) == ("Ficha 2", "document", "ready")


def test_an_upload_over_the_limit_says_so_in_spanish(client_for, settings):
    settings.MEDIA_MAX_UPLOAD_BYTES = 100
    response = client_for("presenter").post(
        f"{LIST_URL}add/", {"title": "x", "file": SimpleUploadedFile("v.mp4", b"x" * 500)}
    )
    assert response.status_code == 413
    assert "demasiado grande" in response.content.decode()
    assert MediaAsset.objects.count() == 0


def test_the_asset_page_renames_the_asset(client_for):
    asset = MediaAssetFactory(title="Clase 3", status="ready", progress=100)
    page = f"{LIST_URL}edit/{asset.pk}/"
    response = client_for("tv_staff").post(page, {"title": "  Clase 3: fracciones  "}, follow=True)
    assert response.redirect_chain == [(page, 302)]
    html = response.content.decode()
    assert "Título guardado." in html and "Clase 3: fracciones" in html
    asset.refresh_from_db()
    assert asset.title == "Clase 3: fracciones"


def test_an_empty_title_is_refused_in_spanish_and_the_old_one_stays(client_for):
    asset = MediaAssetFactory(title="Clase 3", status="ready", progress=100)
    page = f"{LIST_URL}edit/{asset.pk}/"
    response = client_for("tv_staff").post(page, {"title": "   "}, follow=True)
    assert response.redirect_chain == [(page, 302)]
    html = response.content.decode()
    assert "Escriba un título para el material." in html and "Título guardado." not in html
    asset.refresh_from_db()
    assert asset.title == "Clase 3"


def test_renaming_is_a_service_the_admin_and_scripts_share():
    from core.errors import ValidationFailed
    from media_pipeline import services

    asset = MediaAssetFactory(title="Clase 3")
    renamed = services.asset_rename(asset=asset, title="x" * 300)
    assert renamed.title == "x" * 255
    assert MediaAsset.objects.get(pk=asset.pk).title == "x" * 255
    with pytest.raises(ValidationFailed) as refused:
        services.asset_rename(asset=asset, title=" ")
    assert refused.value.errors == [{"field": "title", "message": "Escriba un título."}]


def _ladder(asset) -> None:
    for profile, size in [
        ("poster", 40_000),
        ("video_360p", 5_500_000),
        ("audio", 700_000),
        ("video_240p", 3_000_000),
    ]:
        RenditionFactory(asset=asset, profile=profile, size_bytes=size, duration_seconds=120)


def test_the_asset_page_and_the_api_list_the_same_renditions_in_ladder_order(
    client_for, api_client_for
):
    asset = MediaAssetFactory(title="Clase 4", status="ready", progress=100)
    _ladder(asset)
    listed = api_client_for("coach").get(f"/api/v1/media/assets/{asset.pk}").json()["renditions"]
    assert [r["profile"] for r in listed] == ["audio", "video_240p", "video_360p", "poster"]
    html = client_for("coach").get(f"{LIST_URL}edit/{asset.pk}/").content.decode()
    rows = re.findall(r'<span class="w-text-text-meta">\((\w+)\)</span>', html)
    assert rows == [r["profile"] for r in listed]
    for rendition in listed:
        assert f'<a href="{rendition["download_url"]}">Descargar</a>' in html
    assert "90 (120)" in html and "5,50 MB" in html  # the 240p's MB per hour, the 360p's size


def test_one_selector_lists_an_assets_renditions_for_staff(django_assert_num_queries):
    from media_pipeline import selectors

    _ladder(MediaAssetFactory(status="ready"))
    asset = selectors.asset_list().get()
    with django_assert_num_queries(0):  # the renditions come with the asset
        listed = selectors.asset_renditions(asset=asset)
    assert [(r.profile, r.label) for r in listed] == [
        ("audio", "Solo audio"),
        ("video_240p", "Video liviano"),
        ("video_360p", "Video estándar"),
        ("poster", "Imagen de portada"),
    ]
    audio, light, _, poster = listed
    assert (audio.size_mb, audio.mb_per_hour, audio.budget_mb_per_hour) == (0.7, 21.0, 25)
    assert (light.mb_per_hour, light.budget_mb_per_hour) == (90.0, 120)
    assert (poster.mb_per_hour, poster.budget_mb_per_hour) == (None, None)
    assert poster.download_url == f"/medios/descargar/{asset.pk}/poster/"
