"""Console pages for agendas: places, motifs, plages d'ouverture, absences; appointments, attendance."""

from fastapi import APIRouter

router = APIRouter(prefix="/console", tags=["console"], include_in_schema=False)
