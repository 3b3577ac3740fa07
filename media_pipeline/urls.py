from django.urls import path

from media_pipeline import views

app_name = "media_pipeline"

urlpatterns = [
    path(
        "ver/<int:asset_id>/<slug:profile>.<slug:ext>",
        views.stream,
        name="stream",
    ),
    path("descargar/<int:asset_id>/<slug:profile>/", views.download, name="download"),
]
