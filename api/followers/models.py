"""Who follows a person: the organisations (département, France Travail agency, association) that
follow them, each with its référents, and the person's consent to share their words between them."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UTCDateTime, utcnow

CONSENT_WAYS = ("professional", "sms")


class Follower(Base):
    """Organisation X follows person B since `started_at`, until `ended_at` (None while it follows).

    A stopped follow-up stays as history; following again opens a new row.
    """

    __tablename__ = "followers"
    __table_args__ = (
        Index("ix_followers_beneficiary_id_organisation_id", "beneficiary_id", "organisation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who opened or closed it (None: the record's creation, or the migration's backfill).
    started_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class FollowerReferent(Base):
    """A member of the following organisation named as the person's référent there."""

    __tablename__ = "follower_referents"
    __table_args__ = (UniqueConstraint("follower_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    follower_id: Mapped[int] = mapped_column(ForeignKey("followers.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SharingConsent(Base):
    """The person agreed that the structures following them see their own words; withdrawable.

    Given while `withdrawn_at` is None. Each giving is a new row, so the history stays.
    """

    __tablename__ = "sharing_consents"
    __table_args__ = (CheckConstraint("given_how IN ('professional', 'sms')", name="given_how_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    given_how: Mapped[str] = mapped_column(String(12))
    # The professional who noted it (None when the person gave it by SMS).
    given_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(String(300), default="")
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
