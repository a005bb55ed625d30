"""Console pages. CSV import of beneficiaries (column mapping, progress) and bulk invitation."""

from fastapi import APIRouter

router = APIRouter(prefix="/console", tags=["console"], include_in_schema=False)
