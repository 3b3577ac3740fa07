from django.urls import include, path
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from media_pipeline import admin_views
from media_pipeline.models import MediaAsset


class ProgressColumn(Column):
    cell_template_name = "media_pipeline/admin/progress_cell.html"


class RenditionsColumn(Column):
    cell_template_name = "media_pipeline/admin/renditions_cell.html"


class MediaAssetViewSet(SnippetViewSet):
    model = MediaAsset
    icon = "media"
    menu_label = "Material audiovisual"
    menu_name = "material-audiovisual"
    menu_order = 250
    add_to_admin_menu = True
    list_display = [
        "title",
        "kind",
        ProgressColumn("status", label="Estado y avance"),
        RenditionsColumn("renditions", label="Versiones", accessor="pk"),
        "created_at",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["title", "original_filename"]
    form_fields = ["title"]
    index_template_name = "media_pipeline/admin/index.html"

    def get_queryset(self, request):
        return MediaAsset.objects.prefetch_related("renditions")

    def get_urlpatterns(self):
        # Uploads go through the resumable upload page, and an asset's page shows its job
        # instead of a bare edit form.
        patterns = [p for p in super().get_urlpatterns() if p.name not in ("add", "edit")]
        return [
            *patterns,
            path("add/", admin_views.upload_view, name="add"),
            path("edit/<str:pk>/", admin_views.asset_detail_view, name="edit"),
        ]


register_snippet(MediaAssetViewSet)


@hooks.register("register_admin_urls")
def register_media_admin_urls():
    return [
        path(
            "material-audiovisual/",
            include(
                (
                    [path("<int:pk>/reintentar/", admin_views.retry_view, name="retry")],
                    "media_pipeline_admin",
                ),
                namespace="media_pipeline_admin",
            ),
        )
    ]
