"""A person as a member of an organisation that follows them may see them.

The organisation that holds the record sees everything (api/beneficiaries/access.py); another
organisation that follows or followed the person reads them and their carnet within the sharing
rules (api/carnet/sharing.py); any other caller gets 404, as for a missing id.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from api.auth import Principal
from api.beneficiaries.models import Beneficiary
from api.errors import AppError, NotFound
from api.followers import service


@dataclass(frozen=True)
class Reader:
    """What the caller may see of one person."""

    beneficiary: Beneficiary
    # A member of the organisation that holds the record: the whole carnet, as before sharing.
    holder: bool
    # The caller's organisations that follow or followed the person (the holder's included).
    organisation_ids: tuple[int, ...]
    # Nothing newer than this is shown (every one of the caller's follow-ups has ended).
    until: datetime | None
    # The person agreed that other structures see their words.
    consent_given: bool
    # At least one of the caller's follow-ups is still running.
    following: bool

    @property
    def across(self) -> bool:
        """The caller reads another structure's record (each such read is audited)."""
        return not self.holder


def reader_of(session: Session, user: Principal, beneficiary_id: int) -> Reader:
    """The caller's view of the person, or 404 if none of their organisations follows or followed them."""
    beneficiary = session.get(Beneficiary, beneficiary_id)
    if beneficiary is None:
        raise NotFound("beneficiary")
    consent = service.current_consent(session, beneficiary_id=beneficiary.id) is not None
    if user.is_member(beneficiary.organisation_id):
        return Reader(beneficiary, True, (beneficiary.organisation_id,), None, consent, True)
    follow_ups = service.follow_ups_of(
        session, beneficiary_id=beneficiary.id, organisation_ids=user.organisation_ids
    )
    if not follow_ups:
        raise NotFound("beneficiary")
    following = any(row.ended_at is None for row in follow_ups)
    until = None if following else max(row.ended_at for row in follow_ups if row.ended_at is not None)
    organisations = tuple(sorted({row.organisation_id for row in follow_ups}))
    return Reader(beneficiary, False, organisations, until, consent, following)


def following_reader(session: Session, user: Principal, beneficiary_id: int) -> Reader:
    """The caller's view if one of their organisations follows the person now (to change who follows,
    référents or consent); a structure that stopped following may read what it saw, not change it (403)."""
    reader = reader_of(session, user, beneficiary_id)
    if not reader.following:
        raise AppError(403, "your organisation no longer follows this person")
    return reader
