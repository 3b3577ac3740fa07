"""The player block renders the lightest rendition with no script, and lists the downloads."""

import pytest
from django.core.files.base import ContentFile

from media_pipeline.blocks import MediaPlayerBlock
from media_pipeline.models import MediaAsset
from media_pipeline.tests.factories import MediaAssetFactory, RenditionFactory

pytestmark = pytest.mark.django_db


def ready_video():
    asset = MediaAssetFactory(title="Clase 12", status=MediaAsset.Status.READY, progress=100)
    RenditionFactory(asset=asset, profile="audio", mime_type="audio/mp4", size_bytes=1_200_000)
    RenditionFactory(asset=asset, profile="video_360p", size_bytes=6_500_000, height=360)
    RenditionFactory(asset=asset, profile="video_240p", size_bytes=3_400_000, height=240)
    RenditionFactory(
        asset=asset,
        profile="poster",
        mime_type="image/jpeg",
        file=ContentFile(b"jpg", name="p.jpg"),
    )
    return asset


def render(asset, caption=""):
    block = MediaPlayerBlock()
    return block.render(block.to_python({"asset": asset.pk, "caption": caption}))


def test_a_ready_video_plays_240p_first_with_the_poster_and_lists_sizes():
    asset = ready_video()
    html = render(asset, caption="Episodio de la semana")
    assert f'data-asset-id="{asset.pk}"' in html
    assert "<video controls" in html and 'preload="none"' in html
    first, second = html.index("video_240p.mp4"), html.index("video_360p.mp4")
    assert first < second  # the browser plays the first source it can: the lightest
    assert f"/medios/ver/{asset.pk}/poster.jpg" in html
    assert "Solo audio" in html and "(1,2 MB)" in html
    assert "Video liviano" in html and "3,4 MB" in html
    assert "Video estándar" in html and "6,5 MB" in html
    assert "Episodio de la semana" in html
    assert "<script" not in html


def test_an_audio_only_asset_gets_an_audio_player():
    asset = MediaAssetFactory(kind="audio", status=MediaAsset.Status.READY)
    RenditionFactory(asset=asset, profile="audio", mime_type="audio/mp4")
    html = render(asset)
    assert "<audio controls" in html and "<video" not in html
    assert f"/medios/ver/{asset.pk}/audio.m4a" in html


def test_an_asset_still_processing_says_so():
    asset = MediaAssetFactory(status=MediaAsset.Status.TRANSCODING, progress=40)
    html = render(asset)
    assert "se está preparando" in html
    assert "<video" not in html


def test_a_document_is_offered_as_a_pdf_download():
    asset = MediaAssetFactory(kind="document", status=MediaAsset.Status.READY, title="Ficha 1")
    html = render(asset)
    assert f"/medios/ver/{asset.pk}/document.pdf?descargar=1" in html


def test_the_player_urls_serve_renditions_of_ready_assets_only(client_for):
    asset = ready_video()
    client = client_for("student")
    response = client.get(f"/medios/ver/{asset.pk}/video_240p.mp4", HTTP_RANGE="bytes=0-9")
    assert response.status_code == 206
    assert response["Content-Disposition"].startswith("inline")
    download = client.get(f"/medios/ver/{asset.pk}/audio.m4a?descargar=1")
    assert download["Content-Disposition"] == 'attachment; filename="clase-12-solo-audio.m4a"'
    # the original is never public
    assert client.get(f"/medios/ver/{asset.pk}/original.mp4").status_code == 404
    MediaAsset.objects.filter(pk=asset.pk).update(status=MediaAsset.Status.TRANSCODING)
    assert client.get(f"/medios/ver/{asset.pk}/video_240p.mp4").status_code == 404


def test_the_standard_page_offers_the_player_block():
    from cms.blocks import StandardStreamBlock

    assert isinstance(StandardStreamBlock().child_blocks["media_player"], MediaPlayerBlock)


def test_the_player_urls_are_for_students_and_media_staff_only(client_for):
    asset = ready_video()
    url = f"/medios/ver/{asset.pk}/video_240p.mp4"
    for role in ("student", "presenter", "tv_staff", "coach", "validator", "superuser"):
        assert client_for(role).get(url).status_code == 200, role
    anonymous = client_for("anonymous").get(url)
    assert anonymous.status_code == 302 and "/cuenta/ingresar/" in anonymous["Location"]
    for role in ("cabina_agent", "back_office"):
        assert client_for(role).get(url).status_code == 403, role


def test_an_anonymous_visitor_is_asked_to_sign_in_instead_of_a_player(rf):
    from django.contrib.auth.models import AnonymousUser

    asset = ready_video()
    request = rf.get("/leccion/")
    request.user = AnonymousUser()
    block = MediaPlayerBlock()
    html = block.render(block.to_python({"asset": asset.pk}), context={"request": request})
    assert "ingrese con su cuenta" in html and "<video" not in html
