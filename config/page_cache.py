"""What every page view would otherwise ask the database for, kept in the shared cache: the Site
of a host, the route from a URL path to its page, and a page's view restrictions. Plus the
"generation tokens" the apps' fragment caches put in their keys.

A generation token is a random string stored in the cache under a name ("pages", "sites"...).
A fragment cached under an old token is never read again, so invalidating is replacing the
token: no key has to be found and deleted, and every worker sees the change at once. Tokens
are random, not counters, so a token lost from the cache (eviction, restart) can never be
reborn with an old value that old entries still carry.

A write bumps its token twice: at once (a reader in the same transaction, e.g. a test, sees the
change) and again after the commit (a reader in another transaction that cached the old rows
between the first bump and the commit put them under a token nobody reads any more)."""

import uuid
from threading import local

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

PAGES = "pages"  # any page saved, published, unpublished, moved or deleted
SITES = "sites"
VIEW_RESTRICTIONS = "view-restrictions"
TIMEOUT = 24 * 3600

_PREFIX = "gen:"


# Within one request every token is read once, all together: the middleware below opens a
# memo at the start of the request and drops it at the end.
_request = local()
KNOWN: set[str] = {PAGES, SITES, VIEW_RESTRICTIONS}


def register(name: str) -> str:
    """Declares a token name (so a request reads it with the others); returns the name."""
    KNOWN.add(name)
    return name


def _fetch(names) -> dict[str, str]:
    keys = {_PREFIX + name: name for name in names}
    found = cache.get_many(list(keys))
    result = {}
    for key, name in keys.items():
        value = found.get(key)
        if value is None:
            cache.add(key, uuid.uuid4().hex, None)
            value = cache.get(key)
        result[name] = value
    return result


def tokens(*names: str) -> tuple[str, ...]:
    """The current token of each name (one cache round trip per request at most)."""
    memo = getattr(_request, "memo", None)
    if memo is None:
        found = _fetch(names)
        return tuple(found[name] for name in names)
    missing = [name for name in names if name not in memo]
    if missing:
        memo.update(_fetch(set(missing) | (KNOWN - memo.keys())))
    return tuple(memo[name] for name in names)


def _replace(names: tuple[str, ...]) -> None:
    new = {name: uuid.uuid4().hex for name in names}
    cache.set_many({_PREFIX + name: value for name, value in new.items()}, None)
    memo = getattr(_request, "memo", None)
    if memo is not None:
        memo.update(new)


def bump(*names: str) -> None:
    """Invalidates everything cached under these tokens, now and again after the commit."""
    _replace(names)
    transaction.on_commit(lambda: _replace(names))


# --- Site of a request ---------------------------------------------------------------------------
def _host_port(request) -> tuple[str, str]:
    from django.http.request import split_domain_port

    return split_domain_port(request._get_raw_host())[0], str(request.get_port())


def cached_site(request) -> Site | None:
    """Site.find_for_request, from the cache: the request carries it afterwards, as Wagtail's
    own lookup leaves it."""
    if hasattr(request, "_wagtail_site"):
        return request._wagtail_site
    host, port = _host_port(request)
    (generation,) = tokens(SITES)
    key = f"site:{generation}:{host}:{port}"
    site = cache.get(key)
    if site is None:
        site = Site._find_for_request(request)
        if site is None:
            return None
        # only the Site row: a cached root page would go stale when the home page is edited
        site = Site(**{f.attname: getattr(site, f.attname) for f in Site._meta.concrete_fields})
        cache.set(key, site, TIMEOUT)
    request._wagtail_site = site
    return site


# --- route of a path -----------------------------------------------------------------------------
def _route_key(site: Site, path: str) -> str:
    # a Site saved (its root page changed, say) renews every route
    (sites_token,) = tokens(SITES)
    return f"route:{sites_token}:{site.pk}:{path}"


def _cached_route(request, site: Site, path: str):
    """(page, (), {}) for a path routed before, when that page still answers it: live, and at
    this very URL under the site's root. Anything else (moved, renamed, unpublished, deleted)
    leaves it to Wagtail's routing. One query: the specific page by id."""
    from django.contrib.contenttypes.models import ContentType

    found = cache.get(_route_key(site, path))
    if found is None:
        return None
    page_id, content_type_id, root_url_path = found
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    if model is None:
        return None
    page = model.objects.filter(pk=page_id, live=True).first()
    components = [c for c in path.split("/") if c]
    expected = root_url_path + "".join(f"{c}/" for c in components)
    if page is None or page.url_path != expected:
        cache.delete(_route_key(site, path))
        return None
    return page, (), {}


def _remember_route(request, site: Site, path: str) -> None:
    result = getattr(request, "_wagtail_route_for_request", None)
    if not result:
        return
    page, args, kwargs = result
    if args or kwargs or not getattr(page, "live", False):
        return  # a sub-route of a page (e.g. a routable page's view) is not remembered
    components = [c for c in path.split("/") if c]
    root_url_path = page.url_path[: len(page.url_path) - sum(len(c) + 1 for c in components)]
    if root_url_path + "".join(f"{c}/" for c in components) != page.url_path:
        return
    cache.set(_route_key(site, path), (page.pk, page.content_type_id, root_url_path), TIMEOUT)


class PageRouteCacheMiddleware:
    """Serves Wagtail's page routing from the cache: the Site of the host and the page of the
    path (one query for the page instead of one per level of the tree). Only GET and HEAD;
    Wagtail's own hooks (view restrictions, serve hooks) still run on the page found."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        _request.memo = {}
        try:
            response = self.get_response(request)
        finally:
            _request.memo = None
        pending = getattr(request, "_page_route_to_remember", None)
        if pending is not None:
            _remember_route(request, *pending)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        from wagtail import views as wagtail_views

        if view_func is not wagtail_views.serve or request.method not in ("GET", "HEAD"):
            return None
        # Wagtail's URL pattern passes the path positionally
        path = view_args[0] if view_args else view_kwargs.get("path", "")
        site = cached_site(request)
        if site is None:
            return None
        route = _cached_route(request, site, path)
        if route is not None:
            request._wagtail_route_for_request = route
        else:  # Wagtail routes it; the route is remembered once the page answered
            request._page_route_to_remember = (site, path)
        return None


# --- view restrictions ---------------------------------------------------------------------------
class CachedViewRestrictionsMixin:
    """A page whose view restrictions (its own and its ancestors') are found through the cache:
    the ids of the restrictions that apply are kept, and the queryset returned filters on them
    (none at all, the usual case, is an empty queryset: no query). It is still a queryset, as
    Wagtail's admin expects. The ids change when a restriction is saved or deleted, or when
    the page moves (its path is in the key)."""

    def get_view_restrictions(self):
        restrictions_token, pages_token = tokens(VIEW_RESTRICTIONS, PAGES)
        key = f"view-restrictions:{restrictions_token}:{pages_token}:{self.path}"
        ids = cache.get(key)
        if ids is None:
            ids = list(super().get_view_restrictions().values_list("pk", flat=True))
            cache.set(key, ids, TIMEOUT)
        if not ids:
            return PageViewRestriction.objects.none()
        return PageViewRestriction.objects.filter(pk__in=ids)


# --- what bumps the tokens -----------------------------------------------------------------------
def _page_changed(sender, instance=None, **kwargs):
    if isinstance(instance, Page):
        bump(PAGES)


def _site_changed(sender, **kwargs):
    bump(SITES, PAGES)


def _restriction_changed(sender, **kwargs):
    bump(VIEW_RESTRICTIONS)


def connect_signals() -> None:
    post_save.connect(_page_changed, dispatch_uid="page_cache.page_saved")
    post_delete.connect(_page_changed, dispatch_uid="page_cache.page_deleted")
    page_published.connect(_page_changed, dispatch_uid="page_cache.page_published")
    page_unpublished.connect(_page_changed, dispatch_uid="page_cache.page_unpublished")
    post_page_move.connect(_page_changed, dispatch_uid="page_cache.page_moved")
    for signal in (post_save, post_delete):
        signal.connect(_site_changed, sender=Site, dispatch_uid=f"page_cache.site.{signal}")
        signal.connect(
            _restriction_changed,
            sender=PageViewRestriction,
            dispatch_uid=f"page_cache.restriction.{signal}",
        )
