from collections.abc import Iterator

import pytest

from tests.e2e.system import System, running_system

pytestmark = pytest.mark.faults


# Its own processes: these tests kill them, which the journeys of tests/e2e must not see.
@pytest.fixture(scope="package")
def system(database_url: str) -> Iterator[System]:
    with running_system(database_url, "faults") as running:
        yield running
