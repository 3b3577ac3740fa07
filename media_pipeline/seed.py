"""Demo material made with ffmpeg's own test sources and run through the real pipeline: a
talking-head-like 720p clip, an audio-only clip and a one-page PDF worksheet. Processing runs
in this process (no worker needed), so the demo is ready when seed_demo ends. Idempotent: an
asset whose title exists is left alone."""

import os
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File

from core.pdf import one_page_pdf
from media_pipeline import ffmpeg, services
from media_pipeline.models import MediaAsset

CLIP_SECONDS = float(os.environ.get("MEDIA_SEED_CLIP_SECONDS", "24"))

VIDEO_TITLE = "Demostración: Bienvenida al curso (video)"
AUDIO_TITLE = "Demostración: Consejos para el negocio (audio)"
PDF_TITLE = "Demostración: Ficha de trabajo 1 (PDF)"

# A presenter in front of a plain wall: a skin-toned head and a jacket that sway a little, and
# the programme's name, so the encoder sees mostly static picture like a real studio shot.
TALKING_HEAD = (
    "color=c=0x35516b:s=1280x720:r=25,"
    "drawbox=x=540+30*sin(2*t):y=200+8*sin(5*t):w=200:h=260:color=0xd9a27a:t=fill,"
    "drawbox=x=490+30*sin(2*t):y=460:w=300:h=260:color=0x8a3b2e:t=fill,"
    "drawtext=text='Paso a Paso':x=40:y=40:fontsize=48:fontcolor=white"
)
VOICE_LIKE = "sine=frequency=180:sample_rate=44100,volume='0.5+0.4*sin(3*t)':eval=frame"


def _process_now(asset: MediaAsset) -> None:
    services.asset_probe(asset_id=asset.pk)
    services.asset_transcode(asset_id=asset.pk)


def _ingest(path: Path, title: str, uploader) -> MediaAsset:
    with open(path, "rb") as handle:
        asset = services.asset_create_from_upload(
            file=File(handle, name=path.name), title=title, uploaded_by=uploader
        )
    if asset.status != MediaAsset.Status.READY:
        _process_now(asset)
    return asset


def seed() -> list[str]:
    created: list[str] = []
    uploader = get_user_model().objects.filter(username="tvnorte").first()
    with tempfile.TemporaryDirectory(prefix="seed-media-") as tmp:
        folder = Path(tmp)
        if not MediaAsset.objects.filter(title=VIDEO_TITLE).exists():
            clip = ffmpeg.make_synthetic_clip(
                folder / "bienvenida-720p.mp4",
                seconds=CLIP_SECONDS,
                width=1280,
                height=720,
                source=TALKING_HEAD,
                tone=VOICE_LIKE,
                preset="veryfast",
            )
            _ingest(clip, VIDEO_TITLE, uploader)
            created.append(VIDEO_TITLE)
        if not MediaAsset.objects.filter(title=AUDIO_TITLE).exists():
            clip = ffmpeg.make_synthetic_clip(
                folder / "consejos.m4a", seconds=CLIP_SECONDS, video=False, tone=VOICE_LIKE
            )
            _ingest(clip, AUDIO_TITLE, uploader)
            created.append(AUDIO_TITLE)
        if not MediaAsset.objects.filter(title=PDF_TITLE).exists():
            pdf = folder / "ficha-de-trabajo-1.pdf"
            pdf.write_bytes(
                one_page_pdf(
                    title="Ficha de trabajo 1: Mi negocio paso a paso",
                    lines=[
                        "1. Escriba el nombre de su negocio.",
                        "2. Anote cuanto vende en una semana normal.",
                        "3. Anote sus gastos de la misma semana.",
                        "4. Reste: ganancia = ventas - gastos.",
                        "Lleve esta ficha a su cabina o a la coordinacion del curso.",
                    ],
                )
            )
            _ingest(pdf, PDF_TITLE, uploader)
            created.append(PDF_TITLE)
    return created
