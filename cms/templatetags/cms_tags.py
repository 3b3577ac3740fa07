from django import template
from wagtail.models import Site

from cms.selectors import menu_pages

register = template.Library()


@register.inclusion_tag("cms/includes/main_menu.html", takes_context=True)
def main_menu(context):
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    root = site.root_page if site else None
    current = context.get("page")
    return {
        "home": root,
        "items": menu_pages(site_root=root) if root else [],
        "current_path": getattr(current, "url_path", ""),
        "request": request,
    }
