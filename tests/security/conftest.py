"""Security tests: the in-process ones use tests/conftest.py's fixtures (and the console's
accounts with a fast password hash); the attacks on the real processes share one running
System per test run (package scope), as tests/e2e does."""

from collections.abc import Iterator

import pytest

from tests.api.conftest import _fast_password_hash, account  # noqa: F401 (fixtures)
from tests.e2e.conftest import Agenda
from tests.e2e.system import ROOT, System


@pytest.fixture(scope="package")
def system(database_url: str) -> Iterator[System]:
    backend = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    running = System(database_url, log_dir=ROOT / "test-artifacts" / f"security-{backend}")
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture
def agenda(system: System) -> Agenda:
    return Agenda(system)
