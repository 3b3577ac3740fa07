from django import template
from django.core.cache import cache
from wagtail.models import Site

from cms.models import SiteSettings
from cms.selectors import menu_pages
from core.cache import PAGES, SITES, TIMEOUT, tokens

register = template.Library()

SITE_SETTINGS = "site-settings"  # generation token: a SiteSettings row saved or deleted


def _menu_for(site) -> tuple:
    """(home page, menu pages) of the site, from the cache: the same on every page view, until
    a page is saved, published, unpublished, moved or deleted."""
    pages_token, sites_token = tokens(PAGES, SITES)
    key = f"cms:menu:{site.pk}:{pages_token}:{sites_token}"
    found = cache.get(key)
    if found is None:
        root = site.root_page
        found = (root, menu_pages(site_root=root))
        cache.set(key, found, TIMEOUT)
    return found


@register.inclusion_tag("cms/includes/main_menu.html", takes_context=True)
def main_menu(context):
    request = context.get("request")
    site = Site.find_for_request(request)  # once per request: Wagtail keeps it
    root, items = _menu_for(site) if site else (None, [])
    current = context.get("page")
    return {
        "home": root,
        "items": items,
        "current_path": getattr(current, "url_path", ""),
        "request": request,
    }


@register.inclusion_tag("cms/includes/site_footer.html", takes_context=True)
def site_footer(context):
    """The footer's contact lines (the site's settings), from the cache until they are saved."""
    request = context.get("request")
    site = Site.find_for_request(request)  # once per request: Wagtail keeps it
    if site is None:
        return {"site_settings": None}
    (generation,) = tokens(SITE_SETTINGS)
    key = f"cms:site-settings:{site.pk}:{generation}"
    found = cache.get(key)
    if found is None:
        found = SiteSettings.for_site(site)
        cache.set(key, found, TIMEOUT)
    return {"site_settings": found}
