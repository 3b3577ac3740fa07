"""python manage.py ingest_media PATH [--title ...] [--kind ...] [--wait]

Adds a file from the server's disk to the media library (the same service as the admin and the
API: same dedupe, same queue). --wait draws a progress bar until the asset is ready or failed
and exits non-zero on failure."""

import sys
import time
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from media_pipeline import services
from media_pipeline.models import MediaAsset

BAR_WIDTH = 30


def _eta(seconds: int | None) -> str:
    if seconds is None:
        return ""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return (
        f" quedan {hours:d}:{minutes:02d}:{secs:02d}"
        if hours
        else f" quedan {minutes:d}:{secs:02d}"
    )


class Command(BaseCommand):
    help = "Agrega un archivo de audio, video o PDF a la biblioteca y lo pone en cola."

    def add_arguments(self, parser):
        parser.add_argument("path", help="Ruta del archivo en este servidor.")
        parser.add_argument("--title", default="", help="Título (por omisión, el nombre).")
        parser.add_argument("--kind", choices=MediaAsset.Kind.values, default=None)
        parser.add_argument(
            "--wait",
            action="store_true",
            help="Espera mostrando el avance hasta que termine (sale con error si falla).",
        )
        parser.add_argument(
            "--timeout", type=float, default=0, help="Con --wait: segundos máximos (0: sin límite)."
        )

    def handle(self, *args, **options):
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"No existe el archivo {path}.")
        try:
            with path.open("rb") as handle:
                asset = services.asset_create_from_upload(
                    file=File(handle, name=path.name),
                    title=options["title"] or path.stem,
                    uploaded_by=None,
                    kind=options["kind"],
                )
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        if getattr(asset, "deduplicated", False):
            self.stdout.write(
                f"Ese contenido ya estaba en la biblioteca: material {asset.pk} «{asset.title}»."
            )
        else:
            self.stdout.write(f"Material {asset.pk} «{asset.title}» creado y en cola.")
        if not options["wait"]:
            return
        self._wait(asset.pk, options["timeout"])

    def _draw(self, asset: MediaAsset, interactive: bool) -> None:
        filled = int(BAR_WIDTH * asset.progress / 100)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        extra = _eta(asset.eta_seconds) if asset.status == MediaAsset.Status.TRANSCODING else ""
        line = f"[{bar}] {asset.progress:3d} % {asset.get_status_display()}{extra}"
        if interactive:
            self.stdout.write("\r" + line.ljust(79), ending="")
        else:
            self.stdout.write(line)
        self.stdout.flush()

    def _wait(self, asset_id: int, timeout: float) -> None:
        interactive = sys.stdout.isatty()
        started = time.monotonic()
        last = None
        while True:
            asset = MediaAsset.objects.get(pk=asset_id)
            state = (asset.status, asset.progress, asset.eta_seconds)
            if state != last:
                self._draw(asset, interactive)
                last = state
            if asset.status in (MediaAsset.Status.READY, MediaAsset.Status.FAILED):
                break
            if timeout and time.monotonic() - started > timeout:
                if interactive:
                    self.stdout.write("")
                raise CommandError(f"El material {asset_id} no terminó en {timeout:.0f} s.")
            time.sleep(0.5)
        if interactive:
            self.stdout.write("")
        if asset.status == MediaAsset.Status.FAILED:
            raise CommandError(f"Falló el procesamiento: {asset.error_message}")
        sizes = ", ".join(
            f"{r.profile} {r.size_bytes / 1_000_000:.1f} MB" for r in asset.renditions.all()
        )
        self.stdout.write(self.style.SUCCESS(f"Listo: {sizes or 'documento guardado'}."))
