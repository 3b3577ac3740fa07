from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from wagtail.models import Page


def page_search(
    *, query: str, page_number: str | int | None = None, per_page: int = 10
) -> PaginatorPage | None:
    """Live, public pages matching the query, paginated; None when there is no query."""
    if not query:
        return None
    results = Page.objects.live().public().specific().search(query)
    return Paginator(results, per_page).get_page(page_number)


def menu_pages(*, site_root: Page) -> list[Page]:
    return list(
        site_root.get_children().live().in_menu().only("id", "title", "url_path", "path", "depth")
    )
