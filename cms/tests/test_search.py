"""The site search takes any text a visitor types: operators of the database's full-text
syntax, unbalanced quotes and parentheses, control characters, emoji, Quechua or a pasted
page of text all get a results page, on SQLite and on PostgreSQL."""

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

ODD_QUERIES = [
    '"',
    '""',
    '"canal',
    "*",
    "canal*",
    "NEAR(",
    "NEAR(canal conductoras, 2)",
    "canal AND",
    "AND OR NOT",
    "-",
    "-canal",
    "canal -",
    "(canal",
    "canal)",
    ")(",
    "^canal",
    "canal:",
    "title:canal",
    "{canal}",
    "'",
    "o'brien",
    "\\",
    "%",
    "canal\x00",
    "\x00",
    "📺 canal 🎓",
    "Ñawpa p'unchaw ch'aki",
    "wasi-kuna runakunapaq",
    "a" * 10_000,
    "canal " * 2_000,
]


@pytest.fixture
def indexed_site():
    from cms.seed import seed

    seed()
    call_command("update_index", verbosity=0)


@pytest.mark.parametrize("query", ODD_QUERIES)
def test_any_text_gets_a_results_page(client, indexed_site, query):
    response = client.get("/buscar/", {"q": query})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>" in html and 'name="q"' in html


def test_operators_and_punctuation_do_not_hide_the_words_around_them(client, indexed_site):
    for query in ['"conductoras', "conductoras*", "(conductoras)", "NEAR(conductoras"]:
        html = client.get("/buscar/", {"q": query}).content.decode()
        assert 'href="/programa/"' in html, query


def test_text_with_only_punctuation_says_nothing_was_found(client, indexed_site):
    html = client.get("/buscar/", {"q": '"*()'}).content.decode()
    assert "No encontramos nada" in html
