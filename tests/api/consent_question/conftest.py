"""The followers' world: a département holding the record, an agency, a stranger association."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.api.followers.world import World, build_world


@pytest.fixture
def world(session: Session, client: TestClient) -> World:
    world = build_world(session, client)
    world.follow(world.agency)
    return world
