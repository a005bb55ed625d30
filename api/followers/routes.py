"""REST API of who follows a person: the structures and their référents, and the consent to share.

Any member of an organisation that follows or followed the person reads these; changing them takes
a member of an organisation that follows the person now. Everyone else gets 404, as for a missing id.
"""

from fastapi import APIRouter
from sqlalchemy.orm import Session

from api.auth import CurrentUser
from api.db import utcnow
from api.deps import SessionDep
from api.errors import NotFound
from api.followers import audit, service
from api.followers.access import Reader, following_reader, reader_of
from api.followers.schemas import (
    ConsentCreate,
    ConsentRead,
    ConsentRecordRead,
    FollowerCreate,
    FollowerRead,
    ReferentRead,
    ReferentsSet,
)

router = APIRouter(prefix="/api", tags=["followers"])


def _followers(session: Session, reader: Reader) -> list[FollowerRead]:
    holder = reader.beneficiary.organisation_id
    return [
        FollowerRead(
            organisation_id=line.follower.organisation_id,
            organisation_name=line.organisation_name,
            holds_record=line.follower.organisation_id == holder and line.follower.ended_at is None,
            since=line.follower.started_at,
            until=line.follower.ended_at,
            referents=[ReferentRead(user_id=r.user_id, email=r.email) for r in line.referents],
        )
        for line in service.list_followers(session, beneficiary_id=reader.beneficiary.id)
    ]


@router.get("/beneficiaries/{beneficiary_id}/followers", response_model=list[FollowerRead])
def list_followers(beneficiary_id: int, session: SessionDep, user: CurrentUser):
    """The organisations that follow or followed the person, since when, until when, with référents."""
    reader = reader_of(session, user, beneficiary_id)
    if reader.across:
        audit.record(session, user, reader, "followers.read_shared")
    return _followers(session, reader)


@router.post("/beneficiaries/{beneficiary_id}/followers", response_model=list[FollowerRead], status_code=201)
def add_follower(beneficiary_id: int, body: FollowerCreate, session: SessionDep, user: CurrentUser):
    """Another organisation follows the person from now on (asked by one that follows them now)."""
    reader = following_reader(session, user, beneficiary_id)
    service.start_following(
        session,
        beneficiary_id=beneficiary_id,
        organisation_id=body.organisation_id,
        now=utcnow(),
        user_id=user.user_id,
    )
    audit.record(session, user, reader, "followers.add", f"organisation {body.organisation_id}")
    return _followers(session, reader)


@router.delete(
    "/beneficiaries/{beneficiary_id}/followers/{organisation_id}", response_model=list[FollowerRead]
)
def stop_follower(beneficiary_id: int, organisation_id: int, session: SessionDep, user: CurrentUser):
    """The organisation stops following the person: asked by one of its members or by the record's holder."""
    reader = following_reader(session, user, beneficiary_id)
    if not (reader.holder or user.is_member(organisation_id)):
        raise NotFound("follower")
    service.stop_following(
        session,
        beneficiary=reader.beneficiary,
        organisation_id=organisation_id,
        now=utcnow(),
        user_id=user.user_id,
    )
    audit.record(session, user, reader, "followers.stop", f"organisation {organisation_id}")
    return _followers(session, reader)


@router.put(
    "/beneficiaries/{beneficiary_id}/followers/{organisation_id}/referents", response_model=list[FollowerRead]
)
def set_referents(
    beneficiary_id: int, organisation_id: int, body: ReferentsSet, session: SessionDep, user: CurrentUser
):
    """The organisation's référents for the person: its own members, named by one of its members."""
    reader = following_reader(session, user, beneficiary_id)
    follower = service.active_follower(
        session, beneficiary_id=beneficiary_id, organisation_id=organisation_id
    )
    if follower is None or not user.is_member(organisation_id):
        raise NotFound("follower")
    service.set_referents(session, follower=follower, user_ids=body.user_ids, now=utcnow())
    audit.record(session, user, reader, "followers.referents", f"organisation {organisation_id}")
    return _followers(session, reader)


def _consent(session: Session, beneficiary_id: int) -> ConsentRead:
    history = service.consent_history(session, beneficiary_id=beneficiary_id)
    return ConsentRead(
        given=any(row.withdrawn_at is None for row in history),
        history=[ConsentRecordRead.model_validate(row) for row in history],
    )


@router.get("/beneficiaries/{beneficiary_id}/sharing-consent", response_model=ConsentRead)
def get_consent(beneficiary_id: int, session: SessionDep, user: CurrentUser):
    """Whether the person agreed that the structures following them see their words, and its history."""
    reader = reader_of(session, user, beneficiary_id)
    if reader.across:
        audit.record(session, user, reader, "consent.read_shared")
    return _consent(session, beneficiary_id)


@router.post("/beneficiaries/{beneficiary_id}/sharing-consent", response_model=ConsentRead, status_code=201)
def give_consent(beneficiary_id: int, body: ConsentCreate, session: SessionDep, user: CurrentUser):
    """A professional notes that the person agreed to share (409 if already given)."""
    reader = following_reader(session, user, beneficiary_id)
    service.give_consent(
        session,
        beneficiary_id=beneficiary_id,
        how=body.how,
        now=utcnow(),
        user_id=user.user_id,
        note=body.note,
    )
    audit.record(session, user, reader, "consent.give", body.how)
    return _consent(session, beneficiary_id)


@router.delete("/beneficiaries/{beneficiary_id}/sharing-consent", response_model=ConsentRead)
def withdraw_consent(beneficiary_id: int, session: SessionDep, user: CurrentUser):
    """The person withdraws their consent (told to a professional); 404 if none is given."""
    reader = following_reader(session, user, beneficiary_id)
    service.withdraw_consent(session, beneficiary_id=beneficiary_id, now=utcnow(), user_id=user.user_id)
    audit.record(session, user, reader, "consent.withdraw")
    return _consent(session, beneficiary_id)
