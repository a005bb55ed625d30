"""Console pages. RGPD: a person's data exported (JSON) or erased on request."""

from fastapi import APIRouter

router = APIRouter(prefix="/console", tags=["console"], include_in_schema=False)
