"""Isolation cases for the privacy routes (merged into test_isolation.py's CASES)."""

from collections.abc import Callable

from sqlalchemy.orm import Session

from tests.accounts.world import Org

# (method, path, id parameter) -> request with that parameter set to the value; see test_isolation.
CASES: dict = {}
NARROWING: dict = {}
# id parameter -> a resource of organisation B with that id, made in the test session.
B_IDS: dict[str, Callable[[Session, Org], int]] = {}
