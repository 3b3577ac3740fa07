from django.urls import path

from lms import views

app_name = "lms"

urlpatterns = [
    path("mis-lecciones/", views.my_lessons, name="my_lessons"),
    path(
        "mis-lecciones/<int:lesson_id>/descargar/<int:rendition_id>/",
        views.download_rendition,
        name="download_rendition",
    ),
    path(
        "mis-lecciones/<int:lesson_id>/documento/<int:document_id>/",
        views.download_document,
        name="download_document",
    ),
    path(
        "mis-lecciones/<int:lesson_id>/todo/<slug:profile>/",
        views.download_bundle,
        name="download_bundle",
    ),
]
