"""Console pages. Figures per organisation and period, with charts and CSV export."""

from fastapi import APIRouter

router = APIRouter(prefix="/console", tags=["console"], include_in_schema=False)
