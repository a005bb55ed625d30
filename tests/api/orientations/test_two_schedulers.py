"""Two schedulers at once, with real commits from two connections: each reminder and each expiry
happens once (PostgreSQL: the second UPDATE waits for the first commit, then finds the row changed;
SQLite: the writers take turns)."""

import threading
import uuid
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from api.carnet.models import CarnetEntry
from api.db import session_scope, utcnow
from api.offers import importer
from api.offers.models import Service, Structure
from api.orientations import lifecycle
from api.orientations import service as orientation_service
from api.orientations.models import OrientationRequest
from tests.api import factories as f
from tests.api.accounts.factories import make_account
from tests.api.offers.rows import service_row, structure_row

THEME = "mobilite--acceder-a-un-vehicule"


def _requests(session: Session, count: int, created_at) -> list[int]:
    holder, garage = f.organisation(session), f.organisation(session, name="Garage solidaire")
    agent = make_account(session, {holder.id: "agent"})
    own, key = f"organisation-{garage.id}", uuid.uuid4().hex[:8]
    importer.import_offers(
        session,
        structures=[structure_row(key, source=own, id=f"{own}--{key}")],
        services=[
            service_row(
                key, key, source=own, id=f"{own}--s{key}", structure_id=f"{own}--{key}", thematiques=[THEME]
            )
        ],
    )
    service = session.scalars(select(Service).where(Service.source == own)).one()
    ids = []
    for _ in range(count):
        person = f.beneficiary(session, holder)
        request = orientation_service.send_request(
            session,
            beneficiary=person,
            from_organisation_id=holder.id,
            user_id=agent.user.id,
            service_id=service.id,
            theme=THEME,
            reason="test",
            now=created_at,
        )
        ids.append(request.id)
    return ids


def _race(now) -> list[lifecycle.LifecycleRun]:
    barrier = threading.Barrier(2)
    runs: list[lifecycle.LifecycleRun] = []

    def scheduler() -> None:
        with session_scope() as session:
            barrier.wait()
            runs.append(lifecycle.run(session, now=now))
            session.commit()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return runs


def test_two_schedulers_remind_once_and_expire_once() -> None:
    now = utcnow()
    with session_scope() as session:
        ids = _requests(session, 5, now - timedelta(days=12))
        session.commit()
    try:
        reminded = _race(now)
        assert sum(run.reminded for run in reminded) == 5 and sum(run.expired for run in reminded) == 0
        expired = _race(now + timedelta(days=19))
        assert sum(run.expired for run in expired) == 5 and sum(run.reminded for run in expired) == 0
        with session_scope() as session:
            steps = [
                (e.data["orientation_id"], e.kind)
                for e in session.scalars(select(CarnetEntry).where(CarnetEntry.kind.like("orientation_%")))
                if e.data.get("orientation_id") in ids
            ]
            assert sorted(steps) == sorted(
                (i, kind)
                for i in ids
                for kind in ("orientation_sent", "orientation_reminded", "orientation_expired")
            )
    finally:
        with session_scope() as session:  # the other tests count requests and offers: leave none
            mine = [
                e.id
                for e in session.scalars(select(CarnetEntry).where(CarnetEntry.kind.like("orientation_%")))
                if e.data.get("orientation_id") in ids
            ]
            session.execute(delete(CarnetEntry).where(CarnetEntry.id.in_(mine)))
            services = list(
                session.scalars(select(OrientationRequest.service_id).where(OrientationRequest.id.in_(ids)))
            )
            structures = list(session.scalars(select(Service.structure_id).where(Service.id.in_(services))))
            session.execute(delete(OrientationRequest).where(OrientationRequest.id.in_(ids)))
            # The catalogue is shared: the offers tests count its rows.
            session.execute(delete(Service).where(Service.id.in_(services)))
            session.execute(delete(Structure).where(Structure.id.in_(structures)))
            session.commit()
