"""The shared cache as the project uses it: the "default" alias, which fails open, and
generation tokens, the one way its entries are invalidated. Plus the lesson pages' view
restrictions, kept in the shared cache under those tokens.

Failing open. The shared cache (Redis in production, through Django's own RedisCache under the
alias "shared") holds only what can be rebuilt: fragments, tokens, cached copies of rows,
sessions that are also in the database, Wagtail's site root paths. So every caller, ours,
Django's and Wagtail's, reaches it through the "default" alias, core.fail_open's
FailOpenCache over "shared": while Redis is unreachable a read is a miss and a write is
dropped, so a page is slower, never an error, and nothing stale outlives the outage. The one
caller that must fail closed, the throttling counters (core.throttling),
uses "shared" itself. Without Redis (CACHE_URL is the database cache) "default" is that cache,
which fails as the database does.

Generation tokens. A fragment cache (the site menu and footer, the shared parts of a lesson
page, ...) puts in its key the current token of every kind of row it shows ("pages", "sites",
"lesson-media"...). A token is a random string stored in the cache under its name. A fragment
cached under an old token is never read again, so invalidating is replacing the token (`bump`):
no key has to be found and deleted, and every worker sees the change at once. Tokens are
random, not counters, so a token lost from the cache (eviction, restart) can never be reborn
with an old value that old entries still carry. Old entries simply expire (TIMEOUT).

A write bumps its token twice: at once (a reader in the same transaction, e.g. a test, sees the
change) and again after the commit (a reader in another transaction that cached the old rows
between the first bump and the commit put them under a token nobody reads any more).

Pages themselves are routed and served by Wagtail (`Site.find_for_request`, `Page.route`,
`Page.serve`): no page or route is cached here."""

import uuid

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

# --- generation tokens ---------------------------------------------------------------------------
PAGES = "pages"  # any page saved, published, unpublished, moved or deleted
SITES = "sites"
VIEW_RESTRICTIONS = "view-restrictions"
TIMEOUT = 24 * 3600

_PREFIX = "gen:"


def tokens(*names: str) -> tuple[str, ...]:
    """The current token of each name, in one cache round trip (a missing one is created)."""
    keys = [_PREFIX + name for name in names]
    found = cache.get_many(keys)
    result = []
    for key in keys:
        value = found.get(key)
        if value is None:
            cache.add(key, uuid.uuid4().hex, None)  # another worker may have set it first
            value = cache.get(key)
        result.append(value)
    return tuple(result)


def _replace(names: tuple[str, ...]) -> None:
    cache.set_many({_PREFIX + name: uuid.uuid4().hex for name in names}, None)


def bump(*names: str) -> None:
    """Invalidates everything cached under these tokens, now and again after the commit."""
    _replace(names)
    transaction.on_commit(lambda: _replace(names))


def forget(*keys: str) -> None:
    """Deletes cache entries keyed on a row (a file's tracking view, a course's district sizes)
    now and again after the caller's transaction commits: a reader in between could have cached
    the old rows."""
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


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
