from collections.abc import Iterator

import pytest

from tests.e2e.system import ROOT, System

pytestmark = pytest.mark.faults


# Its own processes: these tests kill them, which the journeys of tests/e2e must not see.
@pytest.fixture(scope="package")
def system(database_url: str) -> Iterator[System]:
    backend = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    running = System(database_url, log_dir=ROOT / "test-artifacts" / f"faults-{backend}")
    try:
        running.start()
        yield running
    finally:
        running.stop()
