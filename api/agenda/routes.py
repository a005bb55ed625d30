"""REST API of agendas: plages d'ouverture (slot generation), absences, the appointments of a day or week."""

from fastapi import APIRouter

router = APIRouter(prefix="/api")
