import pytest

from media_pipeline import seed
from media_pipeline.models import MediaAsset

pytestmark = pytest.mark.django_db


def test_the_demo_material_goes_through_the_real_pipeline_once(monkeypatch):
    monkeypatch.setattr(seed, "CLIP_SECONDS", 2)
    created = seed.seed()
    assert created == [seed.VIDEO_TITLE, seed.AUDIO_TITLE, seed.PDF_TITLE]
    video = MediaAsset.objects.get(title=seed.VIDEO_TITLE)
    assert video.status == "ready", video.error_message
    assert (video.width, video.height) == (1280, 720)
    assert set(video.renditions.values_list("profile", flat=True)) == {
        "audio",
        "video_240p",
        "video_360p",
        "poster",
    }
    audio = MediaAsset.objects.get(title=seed.AUDIO_TITLE)
    assert (audio.kind, audio.status) == ("audio", "ready")
    pdf = MediaAsset.objects.get(title=seed.PDF_TITLE)
    assert (pdf.kind, pdf.status) == ("document", "ready")
    assert pdf.original.read().startswith(b"%PDF-1.4")
    assert seed.seed() == []
    assert MediaAsset.objects.count() == 3
