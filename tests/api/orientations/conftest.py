"""Fixtures of the orientation tests."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.api.orientations.world import OrientationWorld, build_orientation_world


@pytest.fixture
def world(session: Session, client: TestClient) -> OrientationWorld:
    return build_orientation_world(session, client)
