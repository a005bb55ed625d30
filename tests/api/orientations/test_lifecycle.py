"""The scheduler's part: a reminder once at day 10, the expiry once at day 30, with a clock."""

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.carnet.models import CarnetEntry
from api.db import utcnow
from api.errors import AppError
from api.orientations import lifecycle
from api.orientations import service as orientation_service
from api.orientations.models import OrientationMail, OrientationRequest
from tests.api.orientations.world import THEME, OrientationWorld


def _request(session: Session, world: OrientationWorld, service_id: int, at) -> OrientationRequest:
    return orientation_service.send_request(
        session,
        beneficiary=world.base.person,
        from_organisation_id=world.base.departement.organisation.id,
        user_id=world.base.departement.agent.user.id,
        service_id=service_id,
        theme=THEME,
        reason="n'a plus de voiture",
        now=at,
    )


def _steps(session: Session, request: OrientationRequest) -> list[str]:
    entries = session.scalars(
        select(CarnetEntry).where(CarnetEntry.kind.like("orientation%")).order_by(CarnetEntry.id)
    ).all()
    return [entry.kind for entry in entries if entry.data.get("orientation_id") == request.id]


def test_a_reminder_once_at_day_10_and_the_expiry_once_at_day_30(
    world: OrientationWorld, session: Session
) -> None:
    start = utcnow() - timedelta(days=40)
    request = _request(session, world, world.mail_service.id, start)
    day = lambda n, hours=0: start + timedelta(days=n, hours=hours)  # noqa: E731

    assert lifecycle.run(session, now=day(9, 23)) == lifecycle.LifecycleRun(reminded=0, expired=0)
    assert lifecycle.run(session, now=day(10)) == lifecycle.LifecycleRun(reminded=1, expired=0)
    assert request.reminded_at == day(10) and request.state == "open"
    for n in (10, 11, 20, 29):
        assert lifecycle.run(session, now=day(n, 1)) == lifecycle.LifecycleRun(reminded=0, expired=0)
    assert lifecycle.run(session, now=day(30)) == lifecycle.LifecycleRun(reminded=0, expired=1)
    assert (request.state, request.closed_at) == ("expired", day(30))
    assert lifecycle.run(session, now=day(31)) == lifecycle.LifecycleRun(reminded=0, expired=0)
    assert _steps(session, request) == ["orientation_sent", "orientation_reminded", "orientation_expired"]
    mails = session.scalars(select(OrientationMail.kind).order_by(OrientationMail.id)).all()
    assert mails == ["request", "reminder"]
    # An expired request can no longer be answered.
    with pytest.raises(AppError) as refused:
        orientation_service.answer(
            session, request=request, accept=True, reason="", user_id=None, now=day(31)
        )
    assert refused.value.status_code == 409


def test_a_request_found_after_its_expiry_is_expired_not_reminded(
    world: OrientationWorld, session: Session
) -> None:
    start = utcnow() - timedelta(days=45)
    request = _request(session, world, world.garage_service.id, start)
    assert lifecycle.run(session, now=start + timedelta(days=44)) == lifecycle.LifecycleRun(
        reminded=0, expired=1
    )
    assert request.reminded_at is None
    assert _steps(session, request) == ["orientation_sent", "orientation_expired"]


def test_an_answered_request_is_neither_reminded_nor_expired(
    world: OrientationWorld, session: Session
) -> None:
    start = utcnow() - timedelta(days=40)
    request = _request(session, world, world.garage_service.id, start)
    orientation_service.answer(
        session, request=request, accept=False, reason="complet", user_id=None, now=start + timedelta(days=2)
    )
    assert lifecycle.run(session, now=start + timedelta(days=35)) == lifecycle.LifecycleRun(
        reminded=0, expired=0
    )
    assert request.state == "refused"


def test_a_second_scheduler_that_read_the_same_rows_changes_nothing(
    world: OrientationWorld, session: Session
) -> None:
    """Two schedulers: the one whose conditional UPDATE comes second finds the row changed."""
    start = utcnow() - timedelta(days=40)
    request = _request(session, world, world.mail_service.id, start)
    late = lifecycle._due(session, OrientationRequest.created_at <= start + timedelta(days=30), 10)
    assert [row.id for row in late] == [request.id]
    assert lifecycle.run(session, now=start + timedelta(days=30)).expired == 1
    # The other scheduler, holding the same rows read before, tries its claims now.
    assert not lifecycle._claim(session, late[0], state="expired", closed_at=start + timedelta(days=31))
    assert not lifecycle._claim(
        session, late[0], reminded_at=start, extra=OrientationRequest.reminded_at.is_(None)
    )
    assert request.closed_at == start + timedelta(days=30)
    assert _steps(session, request) == ["orientation_sent", "orientation_expired"]
