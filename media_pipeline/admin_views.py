"""Wagtail admin pages of the media library: upload (resumable from the browser, plain form
without JavaScript), the asset's page (status, live progress, renditions, error, retry)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.errors import DomainError
from media_pipeline import selectors, services
from media_pipeline.models import MediaAsset
from media_pipeline.permissions import user_can_manage_media

INDEX_URL_NAME = "wagtailsnippets_media_pipeline_mediaasset:list"
DETAIL_URL_NAME = "wagtailsnippets_media_pipeline_mediaasset:edit"


def _require_media_staff(request) -> None:
    if not user_can_manage_media(request.user):
        raise PermissionDenied


def detail_url(asset: MediaAsset) -> str:
    return reverse(DETAIL_URL_NAME, args=[asset.pk])


def upload_view(request):
    _require_media_staff(request)
    context = {
        "max_bytes": settings.MEDIA_MAX_UPLOAD_BYTES,
        "max_gb": settings.MEDIA_MAX_UPLOAD_BYTES / 1024**3,
        "chunk_bytes": min(settings.MEDIA_UPLOAD_CHUNK_MAX_BYTES, 4 * 1024**2),
        "api_url": reverse("api:media_assets"),
        "index_url": reverse(INDEX_URL_NAME),
        "detail_url_template": reverse(DETAIL_URL_NAME, args=[0]).replace("/0/", "/__id__/"),
        "kinds": MediaAsset.Kind.choices,
        "errors": [],
    }
    if request.method == "POST":
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        try:
            # Refuse a too-large body before Django spools it to disk.
            services.check_upload_size(max(0, declared - 64 * 1024))
            upload = request.FILES.get("file")
            if upload is None:
                context["errors"].append("Elija el archivo que desea subir.")
            else:
                kind = request.POST.get("kind") or None
                if kind not in (None, *MediaAsset.Kind.values):
                    kind = None
                asset = services.asset_create_from_upload(
                    file=upload,
                    title=request.POST.get("title", ""),
                    uploaded_by=request.user,
                    kind=kind,
                )
                if getattr(asset, "deduplicated", False):
                    messages.info(
                        request,
                        f"Ese archivo ya estaba en la biblioteca como «{asset.title}»: "
                        "no se vuelve a procesar.",
                    )
                else:
                    messages.success(request, f"«{asset.title}» se subió y entró a la cola.")
                return redirect(detail_url(asset))
        except DomainError as exc:
            context["errors"].append(exc.detail)
            for item in exc.errors or []:
                context["errors"].append(item["message"])
            status = exc.status
            return TemplateResponse(
                request, "media_pipeline/admin/upload.html", context, status=status
            )
    return TemplateResponse(request, "media_pipeline/admin/upload.html", context)


def asset_detail_view(request, pk):
    _require_media_staff(request)
    asset = get_object_or_404(selectors.asset_list(), pk=pk)
    if request.method == "POST" and "title" in request.POST:
        try:
            services.asset_rename(asset=asset, title=request.POST["title"])
            messages.success(request, "Título guardado.")
        except DomainError as exc:
            messages.error(request, exc.detail)
        return redirect(detail_url(asset))
    context = {
        "asset": asset,
        "renditions": selectors.asset_renditions(asset=asset),
        "queue_position": selectors.asset_queue_position(asset=asset),
        "original_url": selectors.staff_download_url(asset=asset, profile="original"),
        "index_url": reverse(INDEX_URL_NAME),
        "retry_url": reverse("media_pipeline_admin:retry", args=[asset.pk]),
        "api_list_url": reverse("api:media_assets"),
        "player": selectors.player_context(asset=asset),
    }
    return TemplateResponse(request, "media_pipeline/admin/detail.html", context)


@require_POST
def retry_view(request, pk):
    _require_media_staff(request)
    asset = get_object_or_404(MediaAsset, pk=pk)
    try:
        services.asset_retry(asset=asset, by=request.user)
        messages.success(request, f"«{asset.title}» vuelve a la cola.")
    except DomainError as exc:
        messages.error(request, exc.detail)
    target = request.POST.get("next") or detail_url(asset)
    if not target.startswith("/admin/"):
        target = detail_url(asset)
    return redirect(target)
