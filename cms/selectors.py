import unicodedata

from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from wagtail.models import Page
from wagtail.search.query import PlainText

# What the search box accepts (maxlength) and how many words reach the index: each word is one
# more term the database matches.
MAX_QUERY_CHARS = 200
MAX_QUERY_TERMS = 12


def search_terms(query: str) -> str:
    """The words of what a visitor typed, space-separated: letters, digits and their accents
    (Quechua's ñ, ä, ü), nothing else. The index splits text on every other character anyway,
    and those are what the full-text syntax reads as operators (quotes, *, parentheses, -, ^)
    or what a database refuses in a string (NUL)."""
    kept = "".join(
        ch if unicodedata.category(ch)[0] in "LNM" else " " for ch in query[:MAX_QUERY_CHARS]
    )
    return " ".join(kept.split()[:MAX_QUERY_TERMS])


def page_search(
    *, query: str, page_number: str | int | None = None, per_page: int = 10
) -> PaginatorPage | None:
    """Live, public pages matching any word of the query, paginated; None when there is no
    query, an empty page when it has no word to look for."""
    if not query:
        return None
    terms = search_terms(query)
    if not terms:
        return Paginator([], per_page).get_page(1)
    results = Page.objects.live().public().specific().search(PlainText(terms, operator="or"))
    return Paginator(results, per_page).get_page(page_number)


def menu_pages(*, site_root: Page) -> list[Page]:
    return list(
        site_root.get_children().live().in_menu().only("id", "title", "url_path", "path", "depth")
    )
