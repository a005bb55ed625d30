"""Fixtures of the followers' tests."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.api.followers.world import World, build_world


@pytest.fixture
def world(session: Session, client: TestClient) -> World:
    return build_world(session, client)
