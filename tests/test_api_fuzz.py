"""API fuzzing: schemathesis generates requests for every operation of /api/v1/openapi.json
(valid ones and deliberately malformed ones) and sends each as several roles to a live server
holding the demo data. No answer may be a 5xx, and every answer must match the schema the
operation declares for its status.

Bounded for CI: a few examples per operation and mode, a fixed derandomised seed, no example
database, and nothing but 127.0.0.1. FUZZ_MAX_EXAMPLES raises the count for a deeper local run.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.core.failures import Failure, FailureGroup

from tests.demo_world import demo_world
from tests.fixtures import LIVE_DB

pytestmark = [LIVE_DB]

FUZZ_ROLES = [
    "anonymous",
    "student",
    "presenter",
    "tv_staff",
    "coach",
    "back_office",
    "cabina_agent",
]
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "4"))


def _token_headers(user) -> dict[str, str]:
    """A fresh bearer token per request: a fuzzed POST /auth/logout revokes the one it was
    sent with, and must not blind the requests after it."""
    from core.accounts import token_create

    if user is None:
        return {}
    raw, _ = token_create(user=user)
    return {"Authorization": f"Bearer {raw}"}


def _describe(case, response) -> str:
    request = response.request
    body = request.body
    if isinstance(body, (bytes, str)):
        body = body[:300]
    return f"{request.method} {request.url} cuerpo={body!r} → {response.status_code}"


def _real_path_parameters(path: str, ids: dict[str, Any]) -> dict[str, Any]:
    """Ids of objects that exist, so half of the valid examples reach a real episode, airing,
    asset or procedure instead of a 404."""
    if "/track/" in path:
        return {"code": ids["tracking"]}
    if "/procedures/" in path:
        return {"code": ids["code"]}
    known = {"airing_id", "episode_id", "asset_id", "upload_id"}
    return {name: str(ids[name]) for name in known if "{" + name + "}" in path}


def _fuzz_operation(
    operation, *, mode, base_url: str, world: dict[str, Any], session, found: list[str]
):
    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    checks = [not_a_server_error, response_schema_conformance]
    users = world["users"]
    counter = {"examples": 0}

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        counter["examples"] += 1
        real = _real_path_parameters(operation.path, world["ids"])
        if mode == GenerationMode.POSITIVE and real and counter["examples"] % 2:
            case.path_parameters = {**(case.path_parameters or {}), **real}
            if "/track/" in operation.path:
                case.query = {**(case.query or {}), "dni": world["ids"]["dni"]}
        for role in FUZZ_ROLES:
            headers = _token_headers(users[role])
            try:
                response = case.call(
                    base_url=base_url, session=session, headers=headers, timeout=30
                )
            except requests.RequestException as exc:
                found.append(f"[{role}] {operation.label}: sin respuesta ({exc})")
                continue
            try:
                case.validate_response(response, checks=checks, headers=headers)
            except (Failure, FailureGroup) as exc:
                failures = exc.exceptions if isinstance(exc, FailureGroup) else (exc,)
                titles = "; ".join(f"{f.code} {f.title}: {f.message[:200]}" for f in failures)
                found.append(f"[{role}] {_describe(case, response)}: {titles}"[:700])

    # Unsatisfiable: nothing to negate (an operation without parameters or body has no
    # invalid form).
    with contextlib.suppress(Unsatisfiable):
        run()


def test_no_operation_answers_a_5xx_or_breaks_its_schema_for_any_role(live_server):
    import schemathesis
    from schemathesis import GenerationMode

    world = demo_world()
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    session = requests.Session()
    session.trust_env = False  # no proxy: nothing leaves 127.0.0.1
    found: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz_operation(
                operation,
                mode=mode,
                base_url=live_server.url,
                world=world,
                session=session,
                found=found,
            )
    assert operations >= 20, f"El esquema solo tiene {operations} operaciones"
    unique = sorted(set(found))
    assert not unique, f"{len(unique)} respuestas fallan:\n  " + "\n  ".join(unique[:80])
