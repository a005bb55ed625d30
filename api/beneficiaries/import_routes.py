"""REST API of CSV imports of beneficiaries and bulk invitations."""

from fastapi import APIRouter

router = APIRouter(prefix="/api")
