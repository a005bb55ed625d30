import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import TEST_REDIS_URL, redis_reachable
from tests.e2e.system import ProductionStores, System, running_system

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="package")
def tracker_database(database_url: str) -> Iterator[str]:
    """Rasa's tracker store: a PostgreSQL database of its own, as in the production layout."""
    if not database_url.startswith("postgresql"):
        pytest.skip("Rasa's tracker store in PostgreSQL: checked in the PostgreSQL run")
    name = f"spie_rasa_{uuid.uuid4().hex[:8]}"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield database_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
        admin.dispose()


# Package scope, like tests/e2e: these tests restart Rasa, which the other packages must not see.
@pytest.fixture(scope="package")
def system(database_url: str, tracker_database: str, redis_url_for_package: str) -> Iterator[System]:
    stores = ProductionStores(
        tracker_database_url=tracker_database,
        redis_url=redis_url_for_package,
        redis_key_prefix=f"spie-test-{uuid.uuid4().hex[:12]}:",
    )
    with running_system(database_url, "cluster", stores) as running:
        yield running


@pytest.fixture(scope="package")
def redis_url_for_package() -> str:
    redis_reachable(TEST_REDIS_URL)
    return TEST_REDIS_URL
