"""REST API of figures per organisation and period, as JSON or CSV.

Any member of the organisation (agent or admin) reads them; another organisation's id is 404,
like one that does not exist. Dates are local dates of the organisation (YYYY-MM-DD, both
included); without them, the last 30 days up to today. Figures are counts, not people: reading
them writes nothing to the audit log.
"""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from api.auth import CurrentUser
from api.db import utcnow
from api.deps import SessionDep
from api.errors import Invalid, NotFound
from api.figures import export
from api.figures import service as figures_service
from api.figures.schemas import FiguresRead
from api.organisations.models import Organisation

router = APIRouter(prefix="/api", tags=["figures"])
START = Query(description="first local date of the period (YYYY-MM-DD); default: 29 days before `end`")
END = Query(description="last local date of the period, included (YYYY-MM-DD); default: today")
PROBLEMS = {
    "start_after_end": "start must be on or before end",
    "too_long": f"the period covers at most {figures_service.MAX_DAYS} days",
}


def _figures(
    session: Session, user: CurrentUser, organisation_id: int, start: date | None, end: date | None
) -> tuple[Organisation, figures_service.Figures]:
    user.require_member(organisation_id)
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound("organisation")
    tz = organisation.zone
    start, end = figures_service.resolve_period(start, end, today=utcnow().astimezone(tz).date())
    problem = figures_service.period_problem(start, end)
    if problem:
        raise Invalid(PROBLEMS[problem])
    figures = figures_service.compute(session, organisation_id=organisation.id, start=start, end=end, tz=tz)
    return organisation, figures


@router.get("/figures", response_model=FiguresRead)
def read_figures(
    session: SessionDep,
    user: CurrentUser,
    organisation_id: int,
    start: Annotated[date | None, START] = None,
    end: Annotated[date | None, END] = None,
) -> FiguresRead:
    """Invitations, booking rate and delay, confirmations, no-shows, SMS spent, barriers, and a
    series per day (up to 31 days) or per week. Definitions: docs/figures.md."""
    _organisation, figures = _figures(session, user, organisation_id, start, end)
    return FiguresRead.of(figures)


@router.get(
    "/figures.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "the figures as a CSV file"}},
)
def download_figures(
    session: SessionDep,
    user: CurrentUser,
    organisation_id: int,
    start: Annotated[date | None, START] = None,
    end: Annotated[date | None, END] = None,
) -> Response:
    """The same figures as a CSV file for French spreadsheets: `;` separator, decimal commas,
    UTF-8 with a byte order mark."""
    organisation, figures = _figures(session, user, organisation_id, start, end)
    return Response(
        export.to_csv(figures, organisation.name),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": export.content_disposition(organisation.name, figures)},
    )
