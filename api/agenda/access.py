"""A plage d'ouverture as the REST API's caller may see it: another organisation's is 404."""

from sqlalchemy.orm import Session

from api.agenda.models import OpeningPeriod
from api.auth import Principal
from api.errors import NotFound


def member_opening_period(
    session: Session, user: Principal, opening_period_id: int, *, admin: bool
) -> OpeningPeriod:
    """The plage if the caller is a member of its organisation (and an admin, with `admin`)."""
    period = session.get(OpeningPeriod, opening_period_id)
    if period is None or not user.is_member(period.organisation_id):
        raise NotFound("opening period")
    if admin:
        user.require_admin(period.organisation_id)
    return period
