from django.urls import path

from lms import views

app_name = "lms"

urlpatterns = [
    path("mis-lecciones/", views.my_lessons, name="my_lessons"),
    path("mis-lecciones/codigo-del-dia/", views.tv_checkin, name="tv_checkin"),
    path("mis-lecciones/<int:lesson_id>/cuestionario/", views.quiz_submit, name="quiz_submit"),
    path("mis-lecciones/certificado/<int:course_id>/", views.my_certificate, name="my_certificate"),
    path("certificados/<str:code>/", views.certificate_verify, name="certificate_verify"),
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
