"""REST API of figures per organisation and period, as JSON or CSV."""

from fastapi import APIRouter

router = APIRouter(prefix="/api")
