"""REST API for RGPD requests: export a person's data (JSON), erase it."""

from fastapi import APIRouter

router = APIRouter(prefix="/api")
