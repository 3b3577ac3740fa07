from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from cms.blocks import StandardStreamBlock


class HomePage(Page):
    """The site's root page. Apps' blocks (e.g. "Hoy en TV") are offered in its body."""

    intro = RichTextField("introducción", blank=True)
    body = StreamField(StandardStreamBlock(), verbose_name="contenido", blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("intro")]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = "página de inicio"
        verbose_name_plural = "páginas de inicio"


class StandardPage(Page):
    intro = models.CharField("resumen", max_length=300, blank=True)
    body = StreamField(StandardStreamBlock(), verbose_name="contenido", blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["cms.HomePage", "cms.StandardPage"]

    class Meta:
        verbose_name = "página estándar"
        verbose_name_plural = "páginas estándar"


class SearchPage(Page):
    """Full-text search over live pages (Wagtail's database backend)."""

    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []
    max_count = 1

    class Meta:
        verbose_name = "página de búsqueda"
        verbose_name_plural = "páginas de búsqueda"

    def get_context(self, request, *args, **kwargs):
        from cms.selectors import page_search

        context = super().get_context(request, *args, **kwargs)
        query = (request.GET.get("q") or "").strip()[:200]
        context["query"] = query
        context["results"] = page_search(query=query, page_number=request.GET.get("pagina"))
        return context


@register_setting(icon="site")
class SiteSettings(BaseSiteSetting):
    contact_line = models.CharField(
        "línea de contacto",
        max_length=300,
        default=(
            "Municipalidad Provincial de Cajamarca · Gerencia de Informática y Estadística · "
            "Centro de Atención al Ciudadano (CAAC)"
        ),
    )
    office_hours = models.CharField(
        "horario de atención", max_length=200, default="Lunes a viernes, de 8:00 a 17:00"
    )

    panels = [FieldPanel("contact_line"), FieldPanel("office_hours")]

    class Meta:
        verbose_name = "ajustes del sitio"
