"""A person as the REST API's caller may see them: another organisation's person is 404, as a missing one."""

from sqlalchemy.orm import Session

from api.auth import Principal
from api.beneficiaries.models import Beneficiary
from api.errors import NotFound


def member_beneficiary(session: Session, user: Principal, beneficiary_id: int) -> Beneficiary:
    """The person if the caller is a member of their organisation; otherwise 404, as for a missing id."""
    beneficiary = session.get(Beneficiary, beneficiary_id)
    if beneficiary is None or not user.is_member(beneficiary.organisation_id):
        raise NotFound("beneficiary")
    return beneficiary
