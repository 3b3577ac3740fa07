"""Page fuzzing: every HTML route of the site and of the admin, asked by each role that may
open it, with generated query strings (dates of year 1 and 9999, month 13, ids, page numbers,
months, free text with NUL, emoji and Quechua, huge numbers). No answer may be a 5xx, and no
view may raise. The API has its own fuzzer (test_api_fuzz.py); this one closes the pages.

The routes come from two places. The permission matrix names, for every route of our apps and
every page type (it fails when the URL resolver has one it does not list), a concrete URL (a
live page of the demo data for each page type) and the roles that get a 200: each of those
roles asks it here, the demo data built once for the whole walk. Wagtail's own admin screens without
a path parameter are walked from the URL resolver and asked by the superuser, who may open all
of them.

Bounded for the normal suite (it runs in it, unmarked): the edge cases as every role a route is
for, then a few generated query strings each as one drawn role (one for Wagtail's own screens),
a derandomised seed, no example database, the demo data built once. PAGE_FUZZ_MAX_EXAMPLES
raises the count for a deeper local run."""

from __future__ import annotations

import os
from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.demo_world import demo_world
from tests.fixtures import ROLES
from tests.test_permission_matrix import TABLE

MAX_EXAMPLES = int(os.environ.get("PAGE_FUZZ_MAX_EXAMPLES", "4"))

# The query parameters our pages and Wagtail's admin read; unknown names are generated too.
PARAM_NAMES = [
    "semana",
    "mes",
    "from",
    "to",
    "q",
    "p",
    "pagina",
    "page",
    "estado",
    "formato",
    "curso",
    "distrito",
    "zona",
    "codigo",
    "dni",
    "descargar",
    "ver",
    "next",
    "ordering",
    "year",
    "month",
    "id",
]
EDGE_DATES = [
    "0001-01-01",
    "9999-12-31",
    "1999-12-31",
    "2101-01-01",
    "2026-13-01",
    "2026-00-10",
    "2026-02-30",
    "2026-12-07",
]
EDGE_TEXT = [
    '"',
    "NEAR(",
    "*",
    "(",
    "AND",
    "-",
    "\x00",
    "📺🎓",
    "Ñawpa p'unchaw ch'aki",
    "a" * 10_000,
    "%",
    "csv",
    "1",
    "",
]
# "²" passes str.isdigit() and fails int()
HUGE = ["99999999999999999999", "-1", "0", "1e9", "NaN", "inf", str(2**63), "²", "٣"]

dates = st.dates().map(date.isoformat) | st.sampled_from(EDGE_DATES)
months = st.builds(
    lambda year, month: f"{year}-{month:02d}", st.integers(0, 10_000), st.integers(-1, 14)
) | st.sampled_from(["2026-13", "2026-0", "0-0", "9999-12", "2026", "2026-1-1"])
numbers = st.integers(-(2**70), 2**70).map(str) | st.sampled_from(HUGE)
free_text = st.text(max_size=40) | st.sampled_from(EDGE_TEXT)
values = st.one_of(dates, months, numbers, free_text)
names = st.sampled_from(PARAM_NAMES) | st.text(min_size=1, max_size=8)
query_strings = st.dictionaries(names, values, min_size=1, max_size=4)

# Every known parameter at once, with the values that broke pages before: year 1 with huge
# or odd page numbers, then year 9999 with a month 13 and text the search syntax chokes on.
EDGES_LOW = dict.fromkeys(PARAM_NAMES, "0001-01-01") | {
    "mes": "0001-01",
    "p": HUGE[0],
    "pagina": "²",
    "page": "-1",
    "id": HUGE[0],
}
EDGES_HIGH = dict.fromkeys(PARAM_NAMES, "9999-12-31") | {
    "mes": "9999-13",
    "q": '"NEAR(\x00',
    "next": '"\x00(',
    "estado": "📺",
    "formato": "csv",
}

# Wagtail admin routes that are not walked: the one that logs out, and the two that exist to
# fail (its error-page tests).
SKIPPED_ADMIN_ROUTES = {"admin/logout/", "admin/test404/", "admin/failwhale/"}
# Parameters not sent to some of Wagtail's own routes. Its choosers' "chosen-multiple" step
# (a JSON answer to the chooser modal, never a page) filters on every ?id= unchecked, so a
# non-number id is a 500 inside Wagtail (ChosenMultipleViewMixin); not ours to change here.
UNSENT_PARAMS = {"chosen-multiple/": {"id"}}


def _matrix_targets() -> list[tuple[str, str, list[str]]]:
    """(route key, URL template, roles that get a 200) for every GET in the matrix."""
    targets = []
    for key, cases in sorted(TABLE.items()):
        for case in cases:
            if case.method != "GET" or case.url.startswith("/api/"):
                continue
            allowed = [role for role in ROLES if case.expect[role] == 200]
            if allowed:
                targets.append((key, case.url, allowed))
    return targets


def _walk(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def _wagtail_admin_targets(known: set[str]) -> list[tuple[str, str, list[str]]]:
    """Admin routes without a path parameter that the matrix does not list: Wagtail's own."""
    routes = sorted(set(_walk(get_resolver().url_patterns)))
    return [
        (route, "/" + route, ["superuser"])
        for route in routes
        if route.startswith("admin/")
        and not any(mark in route for mark in "<(^$*")
        and route not in known
        and route not in SKIPPED_ADMIN_ROUTES
    ]


MATRIX_KEYS = set(TABLE)


def all_targets() -> list[tuple[str, str, list[str]]]:
    matrix = _matrix_targets()
    return matrix + _wagtail_admin_targets({key for key, _, _ in matrix})


def _ask(client: Client, path: str, query: dict[str, str]) -> str | None:
    """None when the page answered below 500; else what went wrong."""
    try:
        with transaction.atomic():
            response = client.get(path, query)
            transaction.set_rollback(True)
    except Exception as exc:  # a view that raises is what this test looks for
        return f"excepción {type(exc).__name__}: {str(exc)[:200]}"
    if response.status_code >= 500:
        return f"estado {response.status_code}"
    return None


def _unsent(path: str) -> set[str]:
    return {name for end, names in UNSENT_PARAMS.items() if path.endswith(end) for name in names}


def _fuzz_route(path: str, clients: dict[str, Client], found: list[str], examples: int) -> None:
    """The edge cases as every role the route is for; generated query strings as one role
    each (the role is drawn too), so a route costs a few requests whatever its audience."""
    base = urlsplit(path)
    fixed = dict(parse_qsl(base.query))
    unsent = _unsent(base.path)
    roles = sorted(clients)

    def ask(role: str, query: dict[str, str]) -> None:
        sent = {k: v for k, v in {**fixed, **query}.items() if k not in unsent}
        problem = _ask(clients[role], base.path, sent)
        if problem:
            found.append(f"[{role}] GET {base.path} → {problem} ← {str(sent)[:300]}")

    for edges in (EDGES_LOW, EDGES_HIGH):
        for role in roles:
            ask(role, edges)
    if not examples:
        return

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(role=st.sampled_from(roles), query=query_strings)
    def run(role: str, query: dict[str, str]) -> None:
        ask(role, query)

    run()


def test_matrix_and_admin_routes_are_all_walked():
    targets = all_targets()
    keys = {key for key, _, _ in targets}
    assert "programacion/" in keys and "page:cms.SearchPage" in keys
    assert "admin/seguimiento/" in keys and "cabina/cuenta/" in keys
    assert any(key.startswith("admin/images/") for key in keys)
    for role in ROLES:
        assert any(role in roles for _, _, roles in targets), role


def test_no_query_string_makes_any_page_answer_a_5xx_for_any_role(db, settings):
    # the demo world's worker heartbeat is written once; the walk outlasts the staleness limit
    settings.WORKER_HEARTBEAT_STALE_SECONDS = 3600
    world: dict[str, Any] = demo_world()
    clients: dict[str, Client] = {}
    for role in ROLES:
        clients[role] = Client()
        if world["users"][role] is not None:
            clients[role].force_login(world["users"][role])
    found: list[str] = []
    for key, url, roles in all_targets():
        path = url.format(**world["ids"])
        # Wagtail's own screens: the edge cases and one generated query string each
        examples = MAX_EXAMPLES if key in MATRIX_KEYS else 1
        _fuzz_route(path, {role: clients[role] for role in roles}, found, examples)
    assert not found, f"{len(found)} respuestas 5xx o excepciones:\n  " + "\n  ".join(found[:60])
