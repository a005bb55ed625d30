from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.errors import Invalid, NotFound
from api.organisations.models import Organisation


def create_organisation(
    session: Session,
    *,
    name: str,
    departement_code: str,
    time_zone: str = "Europe/Paris",
    sending_start_hour: int = 8,
    sending_end_hour: int = 20,
    **policy: object,
) -> Organisation:
    """Create an organisation (a département, a France Travail agency, an association)."""
    try:
        ZoneInfo(time_zone)
    except Exception as exc:
        raise Invalid(f"unknown time zone: {time_zone}") from exc
    if sending_start_hour >= sending_end_hour:
        raise Invalid("sending_start_hour must come before sending_end_hour")
    organisation = Organisation(
        name=name,
        departement_code=departement_code,
        time_zone=time_zone,
        sending_start_hour=sending_start_hour,
        sending_end_hour=sending_end_hour,
        **policy,
    )
    session.add(organisation)
    session.flush()
    return organisation


def get_organisation(session: Session, *, organisation_id: int) -> Organisation:
    """One organisation, or 404."""
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound("organisation")
    return organisation


def list_organisations(session: Session) -> list[Organisation]:
    """Every organisation."""
    return list(session.scalars(select(Organisation).order_by(Organisation.id)))
