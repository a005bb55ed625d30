"""Orientation requests in an organisation's figures (api/figures): those it sent in the period
and what became of them, and those it received.

- Sent: requests whose `from_organisation_id` is the organisation, created in the period (a cohort,
  like the invitations): how many, and how many are now accepted, refused, expired, still open.
  The outcome may come after the period's end.
- Received: the same for requests addressed to the organisation (its own offers in the catalogue).
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from api.orientations.models import STATES, OrientationRequest


@dataclass(frozen=True)
class OrientationCounts:
    total: int
    open: int
    accepted: int
    refused: int
    expired: int

    @property
    def acceptance_rate(self) -> float | None:
        """Accepted over answered or expired requests (open ones are left out)."""
        closed = self.accepted + self.refused + self.expired
        return self.accepted / closed if closed else None


@dataclass(frozen=True)
class OrientationFigures:
    sent: OrientationCounts
    received: OrientationCounts


def _counts(
    session: Session,
    column: InstrumentedAttribute[int] | InstrumentedAttribute[int | None],
    organisation_id: int,
    lower: datetime,
    upper: datetime,
) -> OrientationCounts:
    query = (
        select(OrientationRequest.state, func.count())
        .where(
            column == organisation_id,
            OrientationRequest.created_at >= lower,
            OrientationRequest.created_at < upper,
        )
        .group_by(OrientationRequest.state)
    )
    found = {state: int(n) for state, n in session.execute(query)}
    return OrientationCounts(total=sum(found.values()), **{state: found.get(state, 0) for state in STATES})


def orientation_figures(
    session: Session, *, organisation_id: int, lower: datetime, upper: datetime
) -> OrientationFigures:
    """Requests the organisation sent and received, created in [lower, upper), by state now."""
    return OrientationFigures(
        sent=_counts(session, OrientationRequest.from_organisation_id, organisation_id, lower, upper),
        received=_counts(session, OrientationRequest.to_organisation_id, organisation_id, lower, upper),
    )
