from django.contrib import messages
from django.shortcuts import redirect
from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from lms import admin_retention, admin_views
from lms.models import LessonPage
from lms.selectors import lesson_move_conflicts


class PermissionMenuItem(MenuItem):
    def __init__(self, *args, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request) -> bool:
        return request.user.has_perm(self.permission)


@hooks.register("register_admin_urls")
def register_lms_admin_urls():
    urls = [
        path("", admin_views.students_index, name="students"),
        path("importar/", admin_views.import_start, name="import"),
        path("importar/<int:job_id>/", admin_views.import_job, name="import_job"),
        path(
            "importar/<int:job_id>/estado/",
            admin_views.import_job_status,
            name="import_job_status",
        ),
        path("importar/<int:job_id>/tarjetas/", admin_views.import_roster, name="import_roster"),
        path(
            "<int:student_id>/nueva-contrasena/",
            admin_views.password_reset,
            name="password_reset",
        ),
        path("<int:student_id>/retiro/", admin_retention.student_departure, name="departure"),
    ]
    tracking_urls = [
        path("", admin_views.tracking, name="tracking"),
        path("avance.csv", admin_views.tracking_csv, name="tracking_csv"),
    ]
    return [
        path("estudiantes/", include((urls, "lms_admin"), namespace="lms_admin")),
        path("seguimiento/", include((tracking_urls, "lms_tracking"), namespace="lms_tracking")),
    ]


@hooks.register("register_admin_menu_item")
def register_students_menu_item():
    return PermissionMenuItem(
        "Estudiantes",
        reverse("lms_admin:students"),
        name="estudiantes",
        icon_name="group",
        order=260,
        permission=admin_views.VIEW_PERM,
    )


@hooks.register("register_admin_menu_item")
def register_tracking_menu_item():
    return PermissionMenuItem(
        "Seguimiento",
        reverse("lms_tracking:tracking"),
        name="seguimiento",
        icon_name="view",
        order=250,
        permission=admin_views.TRACKING_PERM,
    )


@hooks.register("before_copy_page")
def refuse_copying_lessons(request, page):
    # a copy would repeat the episode number and on-air code the course keeps unique
    if page.specific_class is LessonPage:
        messages.error(
            request,
            "Las lecciones no se copian: su número de episodio y su código del día son únicos "
            "en el curso. Cree una lección nueva en la unidad.",
        )
        return redirect("wagtailadmin_explore", page.get_parent().pk)
    return None


@hooks.register("before_move_page")
def refuse_moves_that_break_a_course(request, page, destination):
    problems = lesson_move_conflicts(page=page, destination=destination)
    if problems:
        for problem in problems:
            messages.error(request, problem)
        return redirect("wagtailadmin_explore", page.get_parent().pk)
    return None
