"""Both environments install from lock files with a hash for every file, in step with their inputs,
and the web stack is past the Starlette CVEs of issue 10."""

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;\\]+)", re.MULTILINE)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.split("[")[0]).lower()


def _pins(text: str) -> dict[str, str]:
    return {_canonical(name): version for name, version in PIN.findall(text)}


def _entries(lock: Path) -> list[str]:
    """One string per requirement of a pip lock file (its line and the continuation lines)."""
    return re.findall(r"^[A-Za-z0-9].*?(?=^[A-Za-z0-9]|\Z)", lock.read_text(), re.MULTILINE | re.DOTALL)


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-rasa.lock"])
def test_every_locked_package_is_pinned_with_a_hash(lock: str) -> None:
    entries = _entries(ROOT / lock)
    assert len(entries) > 50
    unhashed = [e.split()[0] for e in entries if "==" not in e.split()[0] or "--hash=sha256:" not in e]
    assert not unhashed


def test_the_app_lock_holds_every_pin_of_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = _pins("\n".join(project["dependencies"] + project["optional-dependencies"]["dev"]))
    locked = _pins((ROOT / "requirements.lock").read_text())
    assert {name: locked.get(name) for name in wanted} == wanted


def test_the_rasa_lock_holds_every_pin_of_its_inputs() -> None:
    wanted = _pins((ROOT / "requirements-rasa.in").read_text())
    locked = _pins((ROOT / "requirements-rasa.lock").read_text())
    assert wanted and {name: locked.get(name) for name in wanted} == wanted


def test_setup_installs_only_from_the_locks() -> None:
    makefile = (ROOT / "Makefile").read_text()
    installs = [line.strip() for line in makefile.splitlines() if "pip install" in line]
    from_locks = ("--require-hashes -r requirements", "--no-deps")  # --no-deps: our own package
    assert installs and all(any(way in line for way in from_locks) for line in installs)


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def test_starlette_is_past_cve_2025_54121_and_cve_2025_62727() -> None:
    # 54121 (multipart rollover blocking the event loop): fixed in 0.47.2.
    # 62727 (Range header of StaticFiles, quadratic): fixed in 0.49.1.
    locked = _pins((ROOT / "requirements.lock").read_text())["starlette"]
    assert _version(locked) >= (0, 49, 1)
    assert metadata.version("starlette") == locked
