"""The locks are a lock: every dependency of pyproject.toml is pinned there with its hashes, with
its extras, and the installed environment (made with `--no-deps` from the dev lock) is whole."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)(?:\[(?P<extras>[^\]]+)\])?==(?P<version>\S+)")


def _pins(lock: Path) -> dict[str, tuple[str, set[str], int]]:
    """name → (version, extras, number of hashes) for each pin of a lock file."""
    pins: dict[str, tuple[str, set[str], int]] = {}
    name = None
    for line in lock.read_text().splitlines():
        match = PIN.match(line)
        if match:
            name = canonicalize_name(match["name"])
            extras = {e.strip() for e in (match["extras"] or "").split(",") if e.strip()}
            pins[name] = (match["version"].rstrip(" \\;"), extras, 0)
        elif name and line.strip().startswith("--hash=sha256:"):
            version, extras, hashes = pins[name]
            pins[name] = (version, extras, hashes + 1)
    return pins


def _declared() -> dict[str, list[Requirement]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    main = [Requirement(r) for r in project["project"]["dependencies"]]
    dev = [Requirement(r) for r in project["dependency-groups"]["dev"]]
    return {"requirements.lock": main, "requirements-dev.lock": main + dev}


@pytest.mark.parametrize("lock_name", ["requirements.lock", "requirements-dev.lock"])
def test_every_declared_dependency_is_pinned_with_hashes_and_extras(lock_name):
    pins = _pins(ROOT / lock_name)
    for requirement in _declared()[lock_name]:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} falta en {lock_name}"
        version, extras, hashes = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{lock_name}: {requirement.name}=={version} no cumple {requirement.specifier}"
        )
        missing = requirement.extras - extras
        assert not missing, f"{lock_name}: {requirement.name} sin los extras {missing}"
        assert hashes > 0, f"{lock_name}: {requirement.name} sin hash"


def test_every_pin_of_both_locks_has_hashes_and_production_matches_dev():
    production = _pins(ROOT / "requirements.lock")
    dev = _pins(ROOT / "requirements-dev.lock")
    assert all(hashes for _, _, hashes in dev.values())
    assert all(hashes for _, _, hashes in production.values())
    for name, (version, _, _) in production.items():
        assert dev[name][0] == version, f"{name}: {version} en producción, {dev[name][0]} en dev"


def test_the_environment_installed_from_the_dev_lock_is_consistent():
    result = subprocess.run(  # noqa: S603 (this interpreter's own pip)
        [sys.executable, "-m", "pip", "check"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
