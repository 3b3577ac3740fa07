from django.urls import path, reverse
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from config.roles import BACK_OFFICE, user_has_role
from tramites_bridge import admin_views
from tramites_bridge.models import Holiday, Office, Procedure


class BackOfficeMenuItem(MenuItem):
    def is_shown(self, request):
        return user_has_role(request.user, BACK_OFFICE) and request.user.has_perm(
            "tramites_bridge.view_submission"
        )


class QueueViewSet(ViewSet):
    name = "tramites_admin"
    url_prefix = "tramites/bandeja"
    menu_label = "Bandeja"
    icon = "form"
    menu_item_class = BackOfficeMenuItem

    @property
    def menu_url(self):
        return reverse("tramites_admin:index")

    def get_urlpatterns(self):
        return [
            path("", admin_views.queue_index, name="index"),
            path("<int:pk>/", admin_views.submission_detail, name="detail"),
            path(
                "<int:pk>/adjuntos/<int:attachment_pk>/",
                admin_views.attachment_download,
                name="attachment",
            ),
        ]


class ProcedureViewSet(SnippetViewSet):
    model = Procedure
    icon = "list-ul"
    menu_label = "Procedimientos TUPA"
    list_display = ["tupa_code", "name", "fee", "deadline_days", "office", "active"]
    list_filter = ["active", "office"]
    search_fields = ["name", "tupa_code"]


class OfficeViewSet(SnippetViewSet):
    model = Office
    icon = "home"
    menu_label = "Oficinas"
    list_display = ["name", "active"]


class HolidayViewSet(SnippetViewSet):
    model = Holiday
    icon = "date"
    menu_label = "Feriados"
    list_display = ["date", "name"]
    ordering = ["-date"]


class TramitesGroup(ViewSetGroup):
    menu_label = "Trámites"
    menu_icon = "form"
    menu_order = 250
    items = (QueueViewSet, ProcedureViewSet, OfficeViewSet, HolidayViewSet)


# One "Trámites" menu: the queue (a plain viewset) and the catalogue's snippets.
register_snippet(TramitesGroup)
