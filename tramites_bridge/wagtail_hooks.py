from django.urls import path, reverse
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from core.roles import BACK_OFFICE, user_has_role
from tramites_bridge import admin_views
from tramites_bridge.models import Cabina, Holiday, Office, Procedure


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


class SimpleBackOfficeViewSet(ViewSet):
    """One admin page of the back office (a view, no model CRUD)."""

    icon = "form"
    menu_item_class = BackOfficeMenuItem
    view = None

    @property
    def menu_url(self):
        return reverse(f"{self.name}:index")

    def get_urlpatterns(self):
        return [path("", type(self).view, name="index")]


class SettlementsViewSet(SimpleBackOfficeViewSet):
    name = "tramites_settlements"
    url_prefix = "tramites/liquidaciones"
    menu_label = "Liquidaciones de cabinas"
    icon = "table"
    view = staticmethod(admin_views.settlements_view)


class OutboxViewSet(SimpleBackOfficeViewSet):
    name = "tramites_outbox"
    url_prefix = "tramites/envios"
    menu_label = "Envíos a la mesa municipal"
    icon = "warning"
    view = staticmethod(admin_views.outbox_view)


class StatisticsViewSet(SimpleBackOfficeViewSet):
    name = "tramites_statistics"
    url_prefix = "tramites/estadisticas"
    menu_label = "Estadísticas"
    icon = "pick"
    view = staticmethod(admin_views.statistics_view)


class CabinaViewSet(SnippetViewSet):
    model = Cabina
    icon = "group"
    menu_label = "Cabinas"
    list_display = ["name", "ruc", "guarantee_amount", "active"]
    list_filter = ["active"]


class ProcedureViewSet(SnippetViewSet):
    model = Procedure
    icon = "list-ul"
    menu_label = "Procedimientos TUPA"
    list_display = ["tupa_code", "name", "fee", "deadline_days", "office", "active"]
    list_filter = ["active", "office"]
    # Searched with the database's LIKE, not the search index: a TUPA code ("LF-01") is one
    # word to the back office but two to the index, and the index's autocomplete failed on
    # SQLite when limited to fields.
    search_fields = ["name", "tupa_code"]
    search_backend_name = None


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
    items = (
        QueueViewSet,
        ProcedureViewSet,
        OfficeViewSet,
        HolidayViewSet,
        CabinaViewSet,
        SettlementsViewSet,
        OutboxViewSet,
        StatisticsViewSet,
    )


# One "Trámites" menu: the queue (a plain viewset) and the catalogue's snippets.
register_snippet(TramitesGroup)
