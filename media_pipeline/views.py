"""Download URLs of this app, all served by serving.serve_stored_file.

- stream: what the player block plays: renditions of a ready asset and documents, never
  originals, for media staff and for the students a registered rule allows (lms: enrolled in a
  course whose lesson uses the asset; see permissions.user_can_watch_asset).
- download: staff only (session or bearer token), originals included."""

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponseForbidden
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from core.accounts import token_authenticate
from core.errors import AuthenticationRequired
from media_pipeline.models import MediaAsset
from media_pipeline.permissions import user_can_manage_media, user_can_watch_asset
from media_pipeline.profiles import PROFILES
from media_pipeline.selectors import original_content_type, rendition_filename
from media_pipeline.serving import serve_stored_file


@require_safe
def stream(request: HttpRequest, asset_id: int, profile: str, ext: str):
    user = _request_user(request)
    if user is None:
        return redirect_to_login(request.get_full_path())
    if not user_can_watch_asset(user, asset_id=asset_id):
        return HttpResponseForbidden(
            "No tiene permiso para ver este material.", content_type="text/plain; charset=utf-8"
        )
    asset = get_object_or_404(MediaAsset, pk=asset_id)
    as_attachment = bool(request.GET.get("descargar"))
    if profile == "document":
        if asset.kind != MediaAsset.Kind.DOCUMENT:
            raise Http404
        return serve_stored_file(
            request,
            file=asset.original,
            filename=rendition_filename(asset=asset, profile="original"),
            content_type="application/pdf",
            as_attachment=as_attachment,
            etag=asset.sha256,
        )
    if asset.status != MediaAsset.Status.READY or profile not in PROFILES:
        raise Http404
    rendition = asset.renditions.filter(profile=profile).first()
    if rendition is None or PROFILES[profile].extension != ext:
        raise Http404
    return serve_stored_file(
        request,
        file=rendition.file,
        filename=rendition_filename(asset=asset, profile=profile),
        content_type=rendition.mime_type,
        as_attachment=as_attachment,
        etag=rendition.sha256,
    )


def _request_user(request: HttpRequest):
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return token_authenticate(raw=header.split(" ", 1)[1].strip())
    return request.user if request.user.is_authenticated else None


@require_safe
def download(request: HttpRequest, asset_id: int, profile: str):
    from django.http import JsonResponse

    user = _request_user(request)
    if user is None:
        error = AuthenticationRequired()
        return JsonResponse(error.as_dict(), status=401, headers={"WWW-Authenticate": "Bearer"})
    if not user_can_manage_media(user):
        return JsonResponse(
            {
                "detail": "No tiene permiso para descargar este material.",
                "code": "permission_denied",
            },
            status=403,
        )
    asset = get_object_or_404(MediaAsset, pk=asset_id)
    if profile == "original":
        return serve_stored_file(
            request,
            file=asset.original,
            filename=rendition_filename(asset=asset, profile="original"),
            content_type=original_content_type(asset=asset),
            etag=asset.sha256,
        )
    rendition = asset.renditions.filter(profile=profile).first()
    if rendition is None:
        raise Http404
    return serve_stored_file(
        request,
        file=rendition.file,
        filename=rendition_filename(asset=asset, profile=profile),
        content_type=rendition.mime_type,
        etag=rendition.sha256,
    )
