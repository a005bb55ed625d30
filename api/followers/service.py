"""Who follows a person and their référents; the person's consent to share their words."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from api.accounts.models import Membership, User
from api.beneficiaries.models import Beneficiary
from api.errors import Conflict, Invalid, NotFound
from api.followers.models import CONSENT_WAYS, Follower, FollowerReferent, SharingConsent
from api.organisations import service as organisation_service
from api.organisations.models import Organisation

# --- who follows -------------------------------------------------------------


def start_following(
    session: Session, *, beneficiary_id: int, organisation_id: int, now: datetime, user_id: int | None = None
) -> Follower:
    """The organisation follows the person from now on; 409 if it already does."""
    organisation_service.get_organisation(session, organisation_id=organisation_id)
    if active_follower(session, beneficiary_id=beneficiary_id, organisation_id=organisation_id) is not None:
        raise Conflict("this organisation already follows the person")
    follower = Follower(
        beneficiary_id=beneficiary_id,
        organisation_id=organisation_id,
        started_at=now,
        started_by_user_id=user_id,
    )
    session.add(follower)
    session.flush()
    return follower


def holders_follow(session: Session, *, beneficiaries: list[Beneficiary], now: datetime) -> None:
    """New records: the organisation that holds each one follows the person from their creation."""
    session.add_all(
        Follower(beneficiary_id=b.id, organisation_id=b.organisation_id, started_at=now)
        for b in beneficiaries
    )
    session.flush()


def stop_following(
    session: Session, *, beneficiary: Beneficiary, organisation_id: int, now: datetime, user_id: int
) -> Follower:
    """The organisation stops following: it keeps what it saw until now, and sees nothing newer.

    The organisation that holds the record follows the person for as long as it holds it."""
    if organisation_id == beneficiary.organisation_id:
        raise Conflict("the organisation that holds the record follows the person while it holds it")
    follower = active_follower(session, beneficiary_id=beneficiary.id, organisation_id=organisation_id)
    if follower is None:
        raise NotFound("follower")
    follower.ended_at = now
    follower.ended_by_user_id = user_id
    session.flush()
    return follower


def active_follower(session: Session, *, beneficiary_id: int, organisation_id: int) -> Follower | None:
    """The organisation's follow-up of the person while it lasts, if any."""
    return session.scalar(
        select(Follower).where(
            Follower.beneficiary_id == beneficiary_id,
            Follower.organisation_id == organisation_id,
            Follower.ended_at.is_(None),
        )
    )


def follow_ups_of(session: Session, *, beneficiary_id: int, organisation_ids: list[int]) -> list[Follower]:
    """These organisations' follow-ups of the person, past and present."""
    if not organisation_ids:
        return []
    return list(
        session.scalars(
            select(Follower).where(
                Follower.beneficiary_id == beneficiary_id, Follower.organisation_id.in_(organisation_ids)
            )
        )
    )


@dataclass(frozen=True)
class Referent:
    user_id: int
    email: str


@dataclass(frozen=True)
class FollowerLine:
    follower: Follower
    organisation_name: str
    referents: list[Referent]


def list_followers(session: Session, *, beneficiary_id: int) -> list[FollowerLine]:
    """Every organisation that follows or followed the person, oldest follow-up first."""
    rows = session.execute(
        select(Follower, Organisation.name)
        .join(Organisation, Follower.organisation_id == Organisation.id)
        .where(Follower.beneficiary_id == beneficiary_id)
        .order_by(Follower.started_at, Follower.id)
    ).all()
    referents: dict[int, list[Referent]] = {}
    if rows:
        for follower_id, user_id, email in session.execute(
            select(FollowerReferent.follower_id, User.id, User.email)
            .join(User, FollowerReferent.user_id == User.id)
            .where(FollowerReferent.follower_id.in_([follower.id for follower, _ in rows]))
            .order_by(User.email)
        ):
            referents.setdefault(follower_id, []).append(Referent(user_id, email))
    return [FollowerLine(follower, name, referents.get(follower.id, [])) for follower, name in rows]


@dataclass(frozen=True)
class FollowedElsewhere:
    beneficiary: Beneficiary
    holder: Organisation
    follower: Follower


def followed_elsewhere(session: Session, *, organisation_ids: list[int]) -> list[FollowedElsewhere]:
    """The people these organisations follow or followed whose record another organisation holds,
    by name (a structure's list of its own records is the holder's list, not this one)."""
    if not organisation_ids:
        return []
    rows = session.execute(
        select(Follower, Beneficiary, Organisation)
        .join(Beneficiary, Follower.beneficiary_id == Beneficiary.id)
        .join(Organisation, Beneficiary.organisation_id == Organisation.id)
        .where(
            Follower.organisation_id.in_(organisation_ids),
            Beneficiary.organisation_id.not_in(organisation_ids),
        )
        .order_by(Beneficiary.last_name, Beneficiary.first_name, Beneficiary.id, Follower.id.desc())
    ).all()
    seen: set[int] = set()
    found = []
    for follower, beneficiary, holder in rows:
        if beneficiary.id not in seen:  # the latest follow-up of the person, if several
            seen.add(beneficiary.id)
            found.append(FollowedElsewhere(beneficiary, holder, follower))
    return found


def set_referents(session: Session, *, follower: Follower, user_ids: list[int], now: datetime) -> None:
    """The follower's référents become exactly these users, each a member of its organisation (422)."""
    wanted = set(user_ids)
    members = set(
        session.scalars(
            select(Membership.user_id).where(
                Membership.organisation_id == follower.organisation_id, Membership.user_id.in_(wanted)
            )
        )
    )
    if wanted - members:
        raise Invalid("a référent must be a member of the organisation that follows the person")
    session.execute(
        delete(FollowerReferent)
        .where(FollowerReferent.follower_id == follower.id, FollowerReferent.user_id.not_in(wanted))
        .execution_options(synchronize_session="fetch")
    )
    present = set(
        session.scalars(select(FollowerReferent.user_id).where(FollowerReferent.follower_id == follower.id))
    )
    for user_id in sorted(wanted - present):
        session.add(FollowerReferent(follower_id=follower.id, user_id=user_id, created_at=now))
    session.flush()


# --- consent to share ------------------------------------------------------------


def current_consent(session: Session, *, beneficiary_id: int) -> SharingConsent | None:
    """The consent given and not withdrawn, if any."""
    return session.scalar(
        select(SharingConsent)
        .where(SharingConsent.beneficiary_id == beneficiary_id, SharingConsent.withdrawn_at.is_(None))
        .order_by(SharingConsent.id.desc())
        .limit(1)
    )


def consent_history(session: Session, *, beneficiary_id: int) -> list[SharingConsent]:
    """Every consent given, newest first, with its withdrawal if any."""
    query = (
        select(SharingConsent)
        .where(SharingConsent.beneficiary_id == beneficiary_id)
        .order_by(SharingConsent.id.desc())
    )
    return list(session.scalars(query))


def give_consent(
    session: Session, *, beneficiary_id: int, how: str, now: datetime, user_id: int | None, note: str = ""
) -> SharingConsent:
    """Record the person's consent (noted by a professional, or given by SMS); 409 if already given."""
    if how not in CONSENT_WAYS:
        raise Invalid(f"how must be one of {', '.join(CONSENT_WAYS)}")
    if how == "professional" and user_id is None:
        raise Invalid("a consent noted by a professional says who noted it")
    if current_consent(session, beneficiary_id=beneficiary_id) is not None:
        raise Conflict("the person's consent to share is already recorded")
    consent = SharingConsent(
        beneficiary_id=beneficiary_id, given_at=now, given_how=how, given_by_user_id=user_id, note=note
    )
    session.add(consent)
    session.flush()
    return consent


def withdraw_consent(
    session: Session, *, beneficiary_id: int, now: datetime, user_id: int | None
) -> SharingConsent:
    """The person withdraws their consent: from now on other structures see none of their words."""
    consent = current_consent(session, beneficiary_id=beneficiary_id)
    if consent is None:
        raise NotFound("consent")
    consent.withdrawn_at = now
    consent.withdrawn_by_user_id = user_id
    session.flush()
    return consent


# --- erasure -------------------------------------------------------------------------


def forget_person(session: Session, *, beneficiary_id: int) -> int:
    """Delete who followed the person, their référents and the consents (the record's erasure)."""
    followers = list(session.scalars(select(Follower.id).where(Follower.beneficiary_id == beneficiary_id)))
    if followers:
        session.execute(
            delete(FollowerReferent)
            .where(FollowerReferent.follower_id.in_(followers))
            .execution_options(synchronize_session="fetch")
        )
    session.execute(
        delete(Follower)
        .where(Follower.beneficiary_id == beneficiary_id)
        .execution_options(synchronize_session="fetch")
    )
    session.execute(
        delete(SharingConsent)
        .where(SharingConsent.beneficiary_id == beneficiary_id)
        .execution_options(synchronize_session="fetch")
    )
    return len(followers)
