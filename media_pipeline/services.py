"""Every write of the media pipeline: creating assets from uploads (whole or resumable), queueing,
probing, transcoding, retrying and sweeping stale jobs. The admin, the API, the command, the
seed and other apps all come through here, so they behave the same."""

import contextlib
import hashlib
import logging
import os
import posixpath
import re
import shutil
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import kombu.exceptions
from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import get_valid_filename, slugify

from core.errors import ConflictError, PayloadTooLarge, ValidationFailed
from core.jobs import Job
from media_pipeline import ffmpeg
from media_pipeline.models import MediaAsset, Rendition, UploadSession
from media_pipeline.profiles import BUDGET_TOLERANCE
from media_pipeline.stored_files import stored_download

logger = logging.getLogger(__name__)

Status = MediaAsset.Status
HASH_CHUNK = 1024 * 1024
# A received chunk stays in memory up to this size, then spills to a temporary file.
CHUNK_SPOOL_BYTES = 4 * 1024**2
# Share of the progress bar that belongs to ffmpeg; the rest is checking and storing outputs.
TRANSCODE_SHARE = 95


def _too_large_message() -> str:
    limit_gb = settings.MEDIA_MAX_UPLOAD_BYTES / 1024**3
    limit = (
        f"{limit_gb:.0f} GB"
        if limit_gb >= 1
        else f"{settings.MEDIA_MAX_UPLOAD_BYTES // 1024**2} MB"
    )
    return (
        f"El archivo es demasiado grande: el máximo permitido es {limit}. "
        "Corte la grabación en partes más pequeñas o consulte al personal de TV."
    )


def check_upload_size(size: int) -> None:
    """Raises PayloadTooLarge (413, Spanish) above MEDIA_MAX_UPLOAD_BYTES."""
    if size > settings.MEDIA_MAX_UPLOAD_BYTES:
        raise PayloadTooLarge(_too_large_message(), code="file_too_large")


def _looks_like_pdf(head: bytes) -> bool:
    return head.lstrip()[:5] == b"%PDF-"


def _stored_original_name(head: bytes) -> str:
    """A generated name with the extension of what the first bytes show ("bin" when they show
    nothing we know; probing decides what it is). The uploader's name is only data
    (`original_filename`): it never names a stored file."""
    ext = "pdf" if _looks_like_pdf(head) else ffmpeg.container_extension(head) or "bin"
    return f"{uuid.uuid4().hex}.{ext}"


def _safe_filename(name: str) -> str:
    base = os.path.basename(name or "") or "archivo"
    try:
        return get_valid_filename(base)[:200]
    except Exception:  # noqa: BLE001 - a name made only of symbols
        return "archivo"


# --- creating assets ----------------------------------------------------------------------------
def asset_create_from_upload(
    *, file: File, title: str, uploaded_by, kind: str | None = None
) -> MediaAsset:
    """Stores `file` as a new asset's original and queues its processing after commit.

    Same content as an existing asset (same sha256) returns that asset untouched, with
    `asset.deduplicated = True`, and nothing is stored or processed again. Documents (PDF) are
    stored and ready at once; they are not transcoded."""
    size = file.size if file.size is not None else 0
    check_upload_size(size)
    digest = hashlib.sha256()
    head = b""
    if hasattr(file, "seek"):
        file.seek(0)
    for chunk in file.chunks(HASH_CHUNK):
        if len(head) < 16:
            head += chunk[:16]
        digest.update(chunk)
    sha256 = digest.hexdigest()
    title = (title or "").strip() or os.path.splitext(os.path.basename(file.name or ""))[0]
    if not title:
        raise ValidationFailed(errors=[{"field": "title", "message": "Escriba un título."}])

    existing = MediaAsset.objects.filter(sha256=sha256).first()
    if existing is not None:
        existing.deduplicated = True
        return existing

    filename = _safe_filename(file.name or title)
    is_pdf = _looks_like_pdf(head) or filename.lower().endswith(".pdf")
    if kind == MediaAsset.Kind.DOCUMENT and not _looks_like_pdf(head):
        raise ValidationFailed(
            "Solo se aceptan documentos PDF.",
            errors=[{"field": "file", "message": "Solo se aceptan documentos PDF."}],
        )
    if kind is None:
        kind = MediaAsset.Kind.DOCUMENT if is_pdf and _looks_like_pdf(head) else ""
    if hasattr(file, "seek"):
        file.seek(0)

    asset = MediaAsset(
        title=title[:255],
        original_filename=filename,
        original_size=size,
        sha256=sha256,
        kind=kind or MediaAsset.Kind.VIDEO,  # probing settles video vs audio
        uploaded_by=uploaded_by if getattr(uploaded_by, "pk", None) else None,
    )
    if kind == MediaAsset.Kind.DOCUMENT:
        asset.status = Status.READY
        asset.progress = 100
        asset.finished_at = timezone.now()
    asset.original.save(_stored_original_name(head), file, save=False)
    try:
        with transaction.atomic():
            asset.save()
    except IntegrityError:
        # The same content finished uploading in another request meanwhile.
        asset.original.storage.delete(asset.original.name)
        existing = MediaAsset.objects.get(sha256=sha256)
        existing.deduplicated = True
        return existing
    asset.deduplicated = False
    if asset.status == Status.UPLOADED:
        asset_id = asset.pk
        transaction.on_commit(lambda: asset_queue(asset_id=asset_id))
    return asset


# --- queueing -----------------------------------------------------------------------------------
PROBE_JOB = Job(name="media_pipeline.probe", queue="short")
TRANSCODE_JOB = Job(name="media_pipeline.transcode", queue="media")


def _is_stale(asset: MediaAsset, now=None) -> bool:
    now = now or timezone.now()
    beat = asset.heartbeat_at or asset.started_at
    return beat is None or now - beat > timedelta(seconds=settings.MEDIA_HEARTBEAT_STALE_SECONDS)


def asset_queue(*, asset_id: int) -> None:
    """Sends the asset to the next step it needs, unless it is finished or a live run already
    has it. Safe to call any number of times (another app calls it when a recording is
    attached)."""
    with transaction.atomic():
        asset = MediaAsset.objects.select_for_update().filter(pk=asset_id).first()
        if asset is None or asset.is_finished:
            return
        running = asset.status in (Status.PROBING, Status.TRANSCODING)
        if running and not _is_stale(asset):
            return
        if asset.status == Status.QUEUED and asset.queued_at is not None:
            return  # its message is in the broker; re-sending would lose its place in line
        recently_sent = asset.queued_at is not None and timezone.now() - asset.queued_at < (
            timedelta(seconds=settings.MEDIA_HEARTBEAT_STALE_SECONDS)
        )
        if asset.status == Status.UPLOADED and recently_sent:
            return
        if asset.status in (Status.UPLOADED, Status.PROBING):
            job = PROBE_JOB
            if asset.status == Status.PROBING:
                asset.status = Status.UPLOADED
        else:
            job = TRANSCODE_JOB
            asset.status = Status.QUEUED
        asset.job_token = ""
        asset.queued_at = timezone.now()
        asset.save(update_fields=["status", "job_token", "queued_at", "updated_at"])
        transaction.on_commit(lambda: _send(job, asset_id))


def _send(job: Job, asset_id: int) -> None:
    """Sends the job's message. With the broker unreachable the asset stays as it is with no
    queued time, so the sweeper sends it again later; the request that stored it succeeds."""
    try:
        job.send(asset_id)
    except kombu.exceptions.OperationalError:
        logger.warning("broker unreachable: media asset %s waits for the sweeper", asset_id)
        MediaAsset.objects.filter(pk=asset_id, status__in=[Status.UPLOADED, Status.QUEUED]).update(
            queued_at=None
        )


def asset_retry(*, asset: MediaAsset, by) -> MediaAsset:
    """Starts a failed asset again from probing. Only a failed asset can be retried."""
    with transaction.atomic():
        locked = MediaAsset.objects.select_for_update().get(pk=asset.pk)
        if locked.status != Status.FAILED:
            raise ConflictError(
                "Solo se puede reintentar un material cuyo procesamiento falló.",
                code="not_failed",
            )
        locked.status = Status.UPLOADED
        locked.progress = 0
        locked.eta_seconds = None
        locked.error_message = ""
        locked.error_detail = ""
        locked.attempts = 0
        locked.job_token = ""
        locked.heartbeat_at = None
        locked.started_at = None
        locked.finished_at = None
        locked.queued_at = None
        locked.save()
        logger.info("media asset %s retried by user %s", locked.pk, getattr(by, "pk", None))
        asset_id = locked.pk
        transaction.on_commit(lambda: asset_queue(asset_id=asset_id))
    return locked


def asset_rename(*, asset: MediaAsset, title: str) -> MediaAsset:
    """Gives the asset a new title (trimmed, at most 255 characters); a blank one is refused.
    Only the title column is written: saving the whole row would overwrite the progress and
    heartbeat a running job writes meanwhile."""
    title = (title or "").strip()[:255]
    if not title:
        raise ValidationFailed(
            "Escriba un título para el material.",
            errors=[{"field": "title", "message": "Escriba un título."}],
        )
    with transaction.atomic():
        MediaAsset.objects.filter(pk=asset.pk).update(title=title)
    asset.title = title
    return asset


def _fail(asset_id: int, token: str | None, message: str, detail: str = "") -> None:
    with transaction.atomic():
        asset = MediaAsset.objects.select_for_update().get(pk=asset_id)
        if token is not None and asset.job_token != token:
            return  # another run owns the job now
        asset.status = Status.FAILED
        asset.error_message = message
        asset.error_detail = detail[-ffmpeg.STDERR_TAIL_CHARS :]
        asset.eta_seconds = None
        asset.queue_position = None
        asset.job_token = ""
        asset.finished_at = timezone.now()
        asset.save()


# --- local copies of originals ------------------------------------------------------------------
def _work_dir(asset_id: int) -> Path:
    return Path(settings.MEDIA_WORK_DIR) / f"asset-{asset_id}"


def _local_path(storage: Storage, name: str, work: Path) -> str:
    """A path ffmpeg can read: the file itself on a local disk, else a copy in `work`."""
    try:
        return storage.path(name)
    except NotImplementedError:
        target = work / ("original" + Path(name).suffix)
        stored_download(storage, name, str(target))
        return str(target)


# --- probing ------------------------------------------------------------------------------------
def asset_probe(*, asset_id: int, use_ffprobe: bool | None = None) -> MediaAsset | None:
    """uploaded -> probing -> queued (and the transcode task sent), or failed with a Spanish
    reason. Returns early when the asset is past probing or a live run is probing it."""
    token = uuid.uuid4().hex
    with transaction.atomic():
        asset = MediaAsset.objects.select_for_update().filter(pk=asset_id).first()
        if asset is None:
            return None
        if asset.status == Status.PROBING and not _is_stale(asset):
            return asset
        if asset.status not in (Status.UPLOADED, Status.PROBING):
            return asset
        now = timezone.now()
        asset.status = Status.PROBING
        asset.job_token = token
        asset.heartbeat_at = now
        asset.started_at = now
        asset.save(
            update_fields=["status", "job_token", "heartbeat_at", "started_at", "updated_at"]
        )

    work = _work_dir(asset_id)
    work.mkdir(parents=True, exist_ok=True)
    try:
        storage, name = asset.original.storage, asset.original.name
        if not name or not storage.exists(name):
            _fail(asset_id, token, "No se encontró el archivo original en el almacenamiento.")
            return MediaAsset.objects.get(pk=asset_id)
        source = _local_path(storage, name, work)
        try:
            info = ffmpeg.probe(source, use_ffprobe=use_ffprobe)
            ok, tail = ffmpeg.decodes_to_the_end(source, info.duration or 0)
            if not ok:
                raise ffmpeg.ProbeError(ffmpeg.TRUNCATED, tail)
        except ffmpeg.ProbeError as exc:
            _fail(asset_id, token, exc.message, exc.detail)
            return MediaAsset.objects.get(pk=asset_id)
        except Exception as exc:  # noqa: BLE001 - a crash in probing must not lose the job
            logger.exception("probing media asset %s failed", asset_id)
            _fail(asset_id, token, ffmpeg.NOT_MEDIA, repr(exc))
            return MediaAsset.objects.get(pk=asset_id)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    with transaction.atomic():
        asset = MediaAsset.objects.select_for_update().get(pk=asset_id)
        if asset.job_token != token:
            return asset
        asset.kind = info.kind
        asset.duration_seconds = info.duration
        asset.width = info.width
        asset.height = info.height
        asset.frame_rate = info.frame_rate
        asset.video_codec = info.video_codec[:50]
        asset.audio_codec = info.audio_codec[:50]
        asset.bitrate = info.bitrate
        asset.status = Status.QUEUED
        asset.queued_at = timezone.now()
        asset.job_token = ""
        asset.save()
        transaction.on_commit(lambda: _send(TRANSCODE_JOB, asset_id))
    return asset


# --- transcoding --------------------------------------------------------------------------------
def _rendition_dir(asset: MediaAsset) -> str:
    return f"media/renditions/{asset.pk}"


def _store_output(storage: Storage, path: str, target: str) -> str:
    """Stores the local file `path` as `target` so that no reader ever sees it half written, and
    returns the stored name. A local disk gets it under a temporary name and renames it (an
    atomic rename); an object store (S3) shows an upload only once it is complete, so it is
    uploaded under its own name directly (copying it again would download and upload it twice:
    object stores have no rename)."""
    with open(path, "rb") as handle:
        try:
            storage.path(target)
        except NotImplementedError:
            return storage.save(target, File(handle))
        folder, base = posixpath.split(target)
        temp_name = storage.save(f"{folder}/.tmp-{base}", File(handle))
    try:
        final = storage.get_available_name(target)
        dst_path = storage.path(final)
        os.makedirs(os.path.dirname(dst_path), exist_ok=True)
        os.replace(storage.path(temp_name), dst_path)
    except BaseException:
        storage.delete(temp_name)
        raise
    return final


def _clean_leftovers(storage: Storage, asset: MediaAsset) -> None:
    """Deletes stored files of this asset's renditions folder that no rendition row points to:
    what a run killed before its final commit left behind."""
    keep = set(asset.renditions.values_list("file", flat=True))
    folder = _rendition_dir(asset)
    try:
        dirs, files = storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError, OSError):
        return
    for sub in dirs:
        try:
            _, sub_files = storage.listdir(f"{folder}/{sub}")
        except (FileNotFoundError, OSError):
            continue
        for name in sub_files:
            full = f"{folder}/{sub}/{name}"
            if full not in keep:
                storage.delete(full)
    for name in files:
        full = f"{folder}/{name}"
        if full not in keep:
            storage.delete(full)


def _free_bytes(path: Path) -> int:
    path.mkdir(parents=True, exist_ok=True)
    return shutil.disk_usage(path).free


def _check_free_space(plan: ffmpeg.LadderPlan, work: Path, storage: Storage) -> str | None:
    """A Spanish message when there is not room for the outputs, else None."""
    needed = sum(o.profile.estimated_bytes(plan.duration) for o in plan.outputs)
    needed += settings.MEDIA_FREE_SPACE_RESERVE_BYTES
    places = [work]
    with contextlib.suppress(NotImplementedError):
        places.append(Path(storage.path("media")))
    for place in places:
        free = _free_bytes(place)
        if free < needed:
            return (
                "No hay espacio libre suficiente en el servidor para procesar este material: "
                f"se necesitan unos {needed / 1_000_000:.0f} MB y quedan "
                f"{free / 1_000_000:.0f} MB. Avise al personal técnico; cuando libere espacio, "
                "use «Reintentar»."
            )
    return None


def _sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(HASH_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


class _ProgressWriter:
    """Writes progress, ETA and the heartbeat at most every MEDIA_PROGRESS_INTERVAL_SECONDS,
    only while this run still owns the job (else it aborts ffmpeg)."""

    def __init__(self, asset_id: int, token: str, duration: float) -> None:
        self.asset_id = asset_id
        self.token = token
        self.duration = duration or 0
        self.last_write = 0.0
        self.interval = settings.MEDIA_PROGRESS_INTERVAL_SECONDS

    def __call__(self, out_time: float, elapsed: float) -> None:
        now = time.monotonic()
        if now - self.last_write < self.interval:
            return
        self.last_write = now
        fraction = min(out_time / self.duration, 1.0) if self.duration else 0.0
        eta = int(elapsed * (1 - fraction) / fraction) if fraction > 0.01 else None
        updated = MediaAsset.objects.filter(pk=self.asset_id, job_token=self.token).update(
            progress=min(int(fraction * TRANSCODE_SHARE), TRANSCODE_SHARE),
            eta_seconds=eta,
            heartbeat_at=timezone.now(),
        )
        if not updated:
            raise ffmpeg.Aborted


def _verify_output(out: ffmpeg.PlannedOutput, path: str, source_duration: float) -> dict:
    """Reads the output back; raises ProbeError with a Spanish reason if it is wrong."""
    profile = out.profile
    size = os.path.getsize(path)
    if size == 0:
        raise ffmpeg.ProbeError(f"La versión «{profile.label}» salió vacía.")
    if profile.kind == "image":
        return {"size_bytes": size, "width": out.width, "height": out.height}
    info = ffmpeg.probe(path)
    if source_duration and (info.duration or 0) < source_duration * 0.9:
        raise ffmpeg.ProbeError(
            ffmpeg.TRUNCATED,
            f"{profile.key}: {info.duration:.2f} s de {source_duration:.2f} s",
        )
    ceiling = profile.size_ceiling_bytes(info.duration or source_duration)
    if ceiling is not None and size > ceiling:
        raise ffmpeg.ProbeError(
            f"La versión «{profile.label}» pesa {profile.mb_per_hour(size, info.duration):.0f} MB "
            f"por hora y supera su límite de {profile.budget_mb_per_hour:.0f} MB por hora "
            f"(tolerancia {BUDGET_TOLERANCE:.0%}).",
            f"{profile.key}: {size} bytes > {ceiling}",
        )
    return {
        "size_bytes": size,
        "width": info.width,
        "height": info.height,
        "duration_seconds": info.duration,
        "bitrate": info.bitrate,
    }


INTERNAL_FAILURE = (
    "El procesamiento falló por un error interno. Use «Reintentar»; si vuelve a fallar, "
    "avise al personal técnico."
)


class _JobFailed(Exception):
    """A step of the transcode found a reason to fail the job: `message` is Spanish, for
    people; `detail` is the technical reason, for staff."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


def asset_transcode(*, asset_id: int) -> MediaAsset | None:
    """queued -> transcoding -> ready (one rendition per planned profile), or failed.

    Idempotent: returns early when the asset is ready, failed, or being transcoded by a run
    whose heartbeat is fresh. A stale run's job is taken over; its leftovers are removed. The
    renditions appear in one transaction, so there is never a half set."""
    token = uuid.uuid4().hex
    asset = _transcode_claim(asset_id=asset_id, token=token)
    if asset is not None and asset.status in (Status.UPLOADED, Status.PROBING):
        # Reached the media queue before probing (e.g. requeued by hand): probe now; probing
        # queues the transcode when it succeeds.
        return asset_probe(asset_id=asset_id)
    if asset is None or asset.job_token != token:
        return asset
    storage = asset.original.storage
    work = _work_dir(asset_id)
    shutil.rmtree(work, ignore_errors=True)  # a killed run's scratch files
    work.mkdir(parents=True, exist_ok=True)
    stored: list[str] = []
    try:
        _clean_leftovers(storage, asset)
        plan = _transcode_plan(asset=asset, work=work, storage=storage)
        outputs = _ladder_encode(asset=asset, token=token, plan=plan, work=work, storage=storage)
        checked = _outputs_verify(plan=plan, outputs=outputs)
        finals = _outputs_store(
            asset=asset, token=token, plan=plan, outputs=outputs, storage=storage, stored=stored
        )
        ready = _renditions_replace(
            asset_id=asset_id,
            token=token,
            plan=plan,
            outputs=outputs,
            checked=checked,
            finals=finals,
            storage=storage,
        )
        stored.clear()
        return ready
    except ffmpeg.Aborted:
        return MediaAsset.objects.get(pk=asset_id)
    except _JobFailed as exc:
        _fail(asset_id, token, exc.message, exc.detail)
        return MediaAsset.objects.get(pk=asset_id)
    except Exception as exc:
        logger.exception("transcoding media asset %s failed", asset_id)
        _fail(asset_id, token, INTERNAL_FAILURE, repr(exc))
        return MediaAsset.objects.get(pk=asset_id)
    finally:
        for name in stored:  # outputs of a run that did not commit
            storage.delete(name)
        shutil.rmtree(work, ignore_errors=True)


def _transcode_claim(*, asset_id: int, token: str) -> MediaAsset | None:
    """Under the row lock: takes the job for this run (status transcoding, `job_token` set to
    `token`) when it is queued or its run went stale, fails it after MEDIA_MAX_ATTEMPTS, and
    leaves it as it is otherwise (the caller tells these apart by status and token)."""
    with transaction.atomic():
        asset = MediaAsset.objects.select_for_update().filter(pk=asset_id).first()
        if asset is None or asset.status in (Status.UPLOADED, Status.PROBING):
            return asset  # probing comes first (the caller does it, outside the lock)
        if asset.status != Status.QUEUED and not (
            asset.status == Status.TRANSCODING and _is_stale(asset)
        ):
            return asset
        if asset.attempts >= settings.MEDIA_MAX_ATTEMPTS:
            asset.status = Status.FAILED
            asset.error_message = (
                f"El procesamiento se interrumpió {asset.attempts} veces sin terminar. "
                "Revise el archivo y use «Reintentar»."
            )
            asset.job_token = ""
            asset.eta_seconds = None
            asset.finished_at = timezone.now()
            asset.save()
            return asset
        now = timezone.now()
        asset.status = Status.TRANSCODING
        asset.job_token = token
        asset.attempts += 1
        asset.started_at = now
        asset.heartbeat_at = now
        asset.progress = 0
        asset.eta_seconds = None
        asset.queue_position = None
        asset.save()
    return asset


def _transcode_plan(*, asset: MediaAsset, work: Path, storage: Storage) -> ffmpeg.LadderPlan:
    """The renditions this asset gets, from what probing stored; _JobFailed when there is
    nothing to make or no room to make it."""
    info = ffmpeg.ProbeResult(
        duration=asset.duration_seconds,
        has_video=asset.kind == MediaAsset.Kind.VIDEO and bool(asset.width),
        has_audio=bool(asset.audio_codec),
        width=asset.width,
        height=asset.height,
        frame_rate=asset.frame_rate,
    )
    plan = ffmpeg.plan_ladder(info)
    if not plan.outputs:
        raise _JobFailed(ffmpeg.NO_STREAMS)
    problem = _check_free_space(plan, work, storage)
    if problem:
        raise _JobFailed(problem)
    return plan


def _ladder_encode(
    *, asset: MediaAsset, token: str, plan: ffmpeg.LadderPlan, work: Path, storage: Storage
) -> dict[str, str]:
    """Runs ffmpeg once for the whole ladder, writing progress as it goes; returns profile key
    -> local path of each output. Raises ffmpeg.Aborted when another run took the job."""
    source = _local_path(storage, asset.original.name, work)
    outputs = {
        o.profile.key: str(work / f"{o.profile.key}.{o.profile.extension}") for o in plan.outputs
    }
    args = ffmpeg.ladder_command(source, plan, outputs, preset=settings.MEDIA_X264_PRESET)
    writer = _ProgressWriter(asset.pk, token, plan.duration)
    try:
        ffmpeg.run_with_progress(args, on_progress=writer, cwd=str(work))
    except ffmpeg.FfmpegFailed as exc:
        raise _JobFailed(
            "ffmpeg no pudo convertir el archivo: puede estar dañado o usar un formato no "
            "admitido. El detalle técnico está abajo; use «Reintentar» después de revisarlo.",
            exc.stderr_tail,
        ) from exc
    return outputs


def _outputs_verify(*, plan: ffmpeg.LadderPlan, outputs: dict[str, str]) -> dict[str, dict]:
    """Profile key -> what reading each output back showed (see _verify_output)."""
    checked = {}
    for out in plan.outputs:
        try:
            checked[out.profile.key] = _verify_output(out, outputs[out.profile.key], plan.duration)
        except ffmpeg.ProbeError as exc:
            raise _JobFailed(exc.message, exc.detail) from exc
    return checked


def _outputs_store(
    *,
    asset: MediaAsset,
    token: str,
    plan: ffmpeg.LadderPlan,
    outputs: dict[str, str],
    storage: Storage,
    stored: list[str],
) -> dict[str, str]:
    """Stores each output whole or not at all (see _store_output) in a folder of this run;
    returns profile key -> stored name, and appends each stored name to `stored` so that the
    caller deletes them if the run does not commit."""
    MediaAsset.objects.filter(pk=asset.pk, job_token=token).update(
        progress=TRANSCODE_SHARE + 2, eta_seconds=5, heartbeat_at=timezone.now()
    )
    folder = f"{_rendition_dir(asset)}/{token[:12]}"
    slug = slugify(asset.title)[:40].strip("-") or "material"
    finals: dict[str, str] = {}
    for out in plan.outputs:
        key = out.profile.key
        final = _store_output(
            storage, outputs[key], f"{folder}/{slug}-{key}.{out.profile.extension}"
        )
        stored.append(final)
        finals[key] = final
        # storing a large rendition in a remote bucket can take a while: keep beating
        MediaAsset.objects.filter(pk=asset.pk, job_token=token).update(heartbeat_at=timezone.now())
    return finals


def _renditions_replace(
    *,
    asset_id: int,
    token: str,
    plan: ffmpeg.LadderPlan,
    outputs: dict[str, str],
    checked: dict[str, dict],
    finals: dict[str, str],
    storage: Storage,
) -> MediaAsset:
    """In one transaction, if this run still owns the job: the new renditions replace the old
    ones and the asset is ready; the old files are deleted after commit. Raises ffmpeg.Aborted
    when another run took the job."""
    with transaction.atomic():
        locked = MediaAsset.objects.select_for_update().get(pk=asset_id)
        if locked.job_token != token:
            raise ffmpeg.Aborted
        old_files = list(locked.renditions.values_list("file", flat=True))
        locked.renditions.all().delete()
        for out in plan.outputs:
            key = out.profile.key
            data = checked[key]
            Rendition.objects.create(
                asset=locked,
                profile=key,
                file=finals[key],
                size_bytes=data["size_bytes"],
                bitrate=data.get("bitrate"),
                width=data.get("width"),
                height=data.get("height"),
                duration_seconds=data.get("duration_seconds"),
                sha256=_sha256_of(outputs[key]),
                mime_type=out.profile.mime_type,
            )
        locked.status = Status.READY
        locked.progress = 100
        locked.eta_seconds = 0
        locked.error_message = ""
        locked.error_detail = ""
        locked.job_token = ""
        locked.heartbeat_at = timezone.now()
        locked.finished_at = timezone.now()
        locked.save()
        transaction.on_commit(lambda: [storage.delete(n) for n in old_files])
    return locked


def asset_run_lost(*, asset_id: int) -> None:
    """The worker process running this asset's job died (killed, out of memory): its run is
    dead for certain, so the job need not wait for its heartbeat to go stale. Marks the run
    stale and queues the job again at once; the next run removes the dead one's leftovers."""
    with transaction.atomic():
        updated = MediaAsset.objects.filter(
            pk=asset_id, status__in=[Status.PROBING, Status.TRANSCODING]
        ).update(heartbeat_at=None, started_at=None)
    if updated:
        logger.warning("media asset %s: its worker process died; queued again", asset_id)
        asset_queue(asset_id=asset_id)


# --- the sweeper --------------------------------------------------------------------------------
def asset_sweep_stale() -> list[int]:
    """Queues again every asset whose running job stopped beating (its worker died: the
    filesystem broker never redelivers, Redis only after its visibility timeout), and every
    upload that never got queued. Returns the ids it queued."""
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.MEDIA_HEARTBEAT_STALE_SECONDS)
    candidates = list(
        MediaAsset.objects.filter(status__in=[Status.PROBING, Status.TRANSCODING])
        # no heartbeat at all: asset_run_lost marked the run dead but could not queue it again
        .filter(Q(heartbeat_at__lt=stale_before) | Q(heartbeat_at__isnull=True))
        .values_list("pk", flat=True)
    )
    candidates += list(
        MediaAsset.objects.filter(status=Status.UPLOADED, created_at__lt=stale_before)
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=stale_before))
        .values_list("pk", flat=True)
    )
    # queued for transcoding, but the message never reached the broker (see _send)
    candidates += list(
        MediaAsset.objects.filter(status=Status.QUEUED, queued_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    queued = []
    for asset_id in candidates:
        before = MediaAsset.objects.filter(pk=asset_id).values_list("queued_at", flat=True).first()
        asset_queue(asset_id=asset_id)
        after = MediaAsset.objects.filter(pk=asset_id).values_list("queued_at", flat=True).first()
        if after != before:
            queued.append(asset_id)
    if queued:
        logger.warning("re-queued stale media jobs: %s", queued)
    return queued


# --- resumable uploads --------------------------------------------------------------------------
_CONTENT_RANGE_RE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+)\s*$")


def parse_content_range(header: str | None) -> tuple[int, int, int]:
    """`bytes FIRST-LAST/TOTAL` -> (first, last, total); ValidationFailed otherwise."""
    match = _CONTENT_RANGE_RE.match(header or "")
    if not match:
        raise ValidationFailed(
            "Falta el encabezado Content-Range o no tiene el formato «bytes INICIO-FIN/TOTAL».",
            code="bad_content_range",
            errors=[{"field": "Content-Range", "message": "Formato: bytes INICIO-FIN/TOTAL."}],
        )
    first, last, total = (int(g) for g in match.groups())
    if last < first:
        raise ValidationFailed(
            "El rango del fragmento no es válido: FIN es menor que INICIO.",
            code="bad_content_range",
            errors=[{"field": "Content-Range", "message": "FIN debe ser mayor o igual a INICIO."}],
        )
    return first, last, total


def upload_start(
    *, title: str, filename: str, size: int, uploaded_by, kind: str | None = None
) -> UploadSession:
    """Opens a resumable upload of `size` bytes."""
    check_upload_size(size)
    if size <= 0:
        raise ValidationFailed(
            "El archivo está vacío.", errors=[{"field": "size", "message": "Debe ser mayor que 0."}]
        )
    return UploadSession.objects.create(
        title=title.strip()[:255],
        filename=_safe_filename(filename),
        size=size,
        kind=kind or "",
        uploaded_by=uploaded_by,
    )


class ChunkOutOfOrder(ConflictError):
    code = "upload_offset_mismatch"


def upload_append(
    *, session: UploadSession, first: int, last: int, total: int, stream
) -> UploadSession:
    """Adds bytes first..last (inclusive) read from `stream` to the session. A chunk that repeats
    bytes already received is accepted for its new bytes only (a client retrying after a lost
    response); a chunk that starts past the received bytes is refused with 409 and the offset
    to continue from. On the last byte the original is assembled and the asset created."""
    _chunk_check(session=session, first=first, last=last, total=total)
    # Read the body before taking the lock: a slow link must not hold a row lock.
    spool = _chunk_read(stream=stream, length=last - first + 1)
    try:
        locked = _chunk_store(session=session, first=first, last=last, spool=spool)
    finally:
        spool.close()
    if locked.offset == locked.size:
        return upload_finish(session=locked)
    return locked


def _chunk_check(*, session: UploadSession, first: int, last: int, total: int) -> None:
    """Refuses a chunk too large for one request or outside the announced file."""
    if last - first + 1 > settings.MEDIA_UPLOAD_CHUNK_MAX_BYTES:
        raise PayloadTooLarge(
            "El fragmento es demasiado grande: envíe fragmentos de hasta "
            f"{settings.MEDIA_UPLOAD_CHUNK_MAX_BYTES // 1024**2} MB.",
            code="chunk_too_large",
        )
    if total != session.size:
        raise ValidationFailed(
            f"El total del Content-Range ({total}) no coincide con el tamaño anunciado "
            f"({session.size}).",
            code="bad_content_range",
            errors=[{"field": "Content-Range", "message": "TOTAL debe ser el tamaño anunciado."}],
        )
    if last >= session.size:
        raise ValidationFailed(
            "El fragmento pasa del final del archivo.",
            code="bad_content_range",
            errors=[{"field": "Content-Range", "message": "FIN debe ser menor que TOTAL."}],
        )


def _chunk_read(*, stream, length: int) -> tempfile.SpooledTemporaryFile:
    """Reads the chunk's `length` bytes into a spooled file (the caller closes it); refuses a
    body shorter or longer than that."""
    spool = tempfile.SpooledTemporaryFile(max_size=CHUNK_SPOOL_BYTES)  # noqa: SIM115
    received = 0
    while received < length + 1:  # one byte more than announced shows a longer body
        chunk = stream.read(min(HASH_CHUNK, length + 1 - received))
        if not chunk:
            break
        spool.write(chunk)
        received += len(chunk)
    if received != length:
        spool.close()
        raise ValidationFailed(
            f"El fragmento llegó con {received} bytes y el Content-Range anuncia {length}. "
            "Vuelva a enviarlo.",
            code="chunk_length_mismatch",
            errors=[{"field": "body", "message": "La longitud no coincide con Content-Range."}],
        )
    return spool


def _chunk_store(
    *, session: UploadSession, first: int, last: int, spool: tempfile.SpooledTemporaryFile
) -> UploadSession:
    """Under the session's row lock: stores the chunk's bytes past the received offset as one
    more part and moves the offset. A finished session is returned as it is; a cancelled one
    or a gap before `first` is refused."""
    with transaction.atomic():
        locked = UploadSession.objects.select_for_update().get(pk=session.pk)
        if locked.status == UploadSession.Status.COMPLETE:
            return locked
        if locked.status == UploadSession.Status.CANCELLED:
            raise ConflictError(
                "Esta subida fue cancelada. Empiece una nueva.", code="upload_cancelled"
            )
        if first > locked.offset:
            raise ChunkOutOfOrder(
                f"Faltan bytes: el servidor tiene {locked.offset} y el fragmento empieza en "
                f"{first}. Continúe desde el byte {locked.offset}.",
                headers={
                    "Upload-Offset": str(locked.offset),
                    "Range": f"bytes=0-{locked.offset - 1}",
                },
            )
        if last < locked.offset:  # all repeated
            return locked
        skip = locked.offset - first
        fresh = _bytes_from(spool, skip)
        try:
            storage = MediaAsset._meta.get_field("original").storage
            part_name = storage.save(
                f"media/uploads/{locked.pk}/{locked.offset:015d}.part", File(fresh)
            )
        finally:
            fresh.close()
        locked.parts = [*locked.parts, [locked.offset, last - first + 1 - skip, part_name]]
        locked.offset = last + 1
        locked.save(update_fields=["parts", "offset", "updated_at"])
    return locked


def _bytes_from(spool: tempfile.SpooledTemporaryFile, skip: int) -> tempfile.SpooledTemporaryFile:
    """The spooled bytes from `skip` on. File.chunks() rewinds to 0, so when some bytes are
    skipped the rest go into a file of their own."""
    if not skip:
        return spool
    fresh = tempfile.SpooledTemporaryFile(max_size=CHUNK_SPOOL_BYTES)  # noqa: SIM115
    spool.seek(skip)
    shutil.copyfileobj(spool, fresh, HASH_CHUNK)
    return fresh


class _ConcatenatedParts:
    """Reads the stored parts one after another, as one file, through the storage API."""

    def __init__(self, storage: Storage, names: list[str]) -> None:
        self.storage = storage
        self.names = list(names)
        self.current = None

    def read(self, size: int = -1) -> bytes:
        while True:
            if self.current is None:
                if not self.names:
                    return b""
                self.current = self.storage.open(self.names.pop(0), "rb")
            data = self.current.read(size)
            if data:
                return data
            self.current.close()
            self.current = None

    def close(self) -> None:
        if self.current is not None:
            self.current.close()


def upload_finish(*, session: UploadSession) -> UploadSession:
    """Assembles the received parts into one local file and creates (or finds) the asset.

    The parts are read without holding the session's row lock (a 4 GB original takes a while);
    two requests finishing at once both end at the same asset, by its sha256."""
    storage = MediaAsset._meta.get_field("original").storage
    locked = UploadSession.objects.get(pk=session.pk)
    if locked.status != UploadSession.Status.OPEN or locked.offset != locked.size:
        return locked
    names = [name for _, _, name in sorted(locked.parts)]
    Path(settings.MEDIA_WORK_DIR).mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=settings.MEDIA_WORK_DIR, suffix=".upload") as tmp:
        reader = _ConcatenatedParts(storage, names)
        try:
            shutil.copyfileobj(reader, tmp, HASH_CHUNK)
        finally:
            reader.close()
        tmp.flush()
        tmp.seek(0)
        asset = asset_create_from_upload(
            file=File(tmp, name=locked.filename),
            title=locked.title,
            uploaded_by=locked.uploaded_by,
            kind=locked.kind or None,
        )
    with transaction.atomic():
        locked = UploadSession.objects.select_for_update().get(pk=session.pk)
        if locked.status == UploadSession.Status.OPEN:
            locked.asset = asset
            locked.status = UploadSession.Status.COMPLETE
            locked.save(update_fields=["asset", "status", "updated_at"])
            transaction.on_commit(lambda: [storage.delete(n) for n in names])
    locked.deduplicated = getattr(asset, "deduplicated", False)
    return locked


def upload_cancel(*, session: UploadSession) -> None:
    storage = MediaAsset._meta.get_field("original").storage
    with transaction.atomic():
        locked = UploadSession.objects.select_for_update().get(pk=session.pk)
        if locked.status != UploadSession.Status.OPEN:
            return
        names = [name for _, _, name in locked.parts]
        locked.status = UploadSession.Status.CANCELLED
        locked.parts = []
        locked.save(update_fields=["status", "parts", "updated_at"])
        transaction.on_commit(lambda: [storage.delete(n) for n in names])


def upload_sessions_expire() -> int:
    """Removes the parts of uploads abandoned for MEDIA_UPLOAD_SESSION_HOURS."""
    limit = timezone.now() - timedelta(hours=settings.MEDIA_UPLOAD_SESSION_HOURS)
    expired = UploadSession.objects.filter(status=UploadSession.Status.OPEN, updated_at__lt=limit)
    count = 0
    for session in expired:
        upload_cancel(session=session)
        count += 1
    return count
