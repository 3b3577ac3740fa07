"""Under CI=true (.ci/run) a test whose service is missing fails, naming it in Spanish; on a
developer's machine the same test is skipped. Checked by running pytest on real tests in a
child process with Redis pointed at a closed port and no Chromium on the PATH."""

import os
import subprocess
import sys

import pytest

from tests.fixtures import ROOT, closed_port

REDIS_TEST = "::".join(
    [
        "core/tests/test_throttling.py",
        "test_concurrent_attempts_on_redis_are_all_counted",
    ]
)
BROWSER_TEST = """
import pytest

pytestmark = pytest.mark.e2e


def test_needs_a_browser(browser):
    pass
"""


@pytest.fixture
def run_without_services(tmp_path):
    """Runs pytest on a test that needs Redis and one that needs Chromium, neither there."""
    browser_test = tmp_path / "test_needs_a_browser.py"
    browser_test.write_text(BROWSER_TEST)
    redis_url = f"redis://127.0.0.1:{closed_port()}/0"

    def run(*, ci: bool) -> tuple[int, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"CI", "CHROMIUM_PATH", "PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER"}
        }
        env.update(TEST_REDIS_URL=redis_url, PATH=str(tmp_path / "no-programs"))
        if ci:
            env["CI"] = "true"
        result = subprocess.run(  # noqa: S603
            [
                # the real test comes first: its root conftest brings the shared fixtures
                sys.executable,
                "-m",
                "pytest",
                "-c",
                "pyproject.toml",
                "--rootdir",
                ".",
                "-p",
                "no:cacheprovider",
                "-q",
                "-rfEs",
                REDIS_TEST,
                str(browser_test),
            ],  # fmt: skip
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        return result.returncode, result.stdout + result.stderr

    run.redis_url = redis_url
    return run


def test_under_ci_a_missing_redis_or_chromium_fails_the_run_naming_what_is_missing(
    run_without_services,
):
    returncode, output = run_without_services(ci=True)
    assert returncode == 1, output
    assert "1 failed" in output and "1 error" in output, output
    assert "skipped" not in output, output
    assert f"Falta el servidor Redis en {run_without_services.redis_url}" in output
    assert "Falta Chromium" in output
    assert "Con CI=true esta prueba debe correr, no omitirse." in output


def test_outside_ci_the_same_tests_are_skipped_with_the_reason(run_without_services):
    returncode, output = run_without_services(ci=False)
    assert returncode == 0, output
    assert "2 skipped" in output, output
    assert f"Falta el servidor Redis en {run_without_services.redis_url}" in output
    assert "Chromium no encontrado" in output
