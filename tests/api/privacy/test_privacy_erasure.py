"""Erasure on request: nothing of the person is left in the database, checked table by table."""

import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts.models import AuditLog
from api.agenda.models import Slot
from api.appointments import service as appointment_service
from api.beneficiaries.models import Beneficiary, BeneficiaryImport
from api.carnet.models import CarnetEntry
from api.config import get_settings
from api.db import get_engine, session_scope, utcnow
from api.due_messages.sweep import sweep_batch
from api.errors import Conflict
from api.messaging import outbox
from api.messaging.inbound import record_inbound
from api.messaging.models import InboundMessage, OutboxMessage
from api.privacy.erasure import erase_person, footprint
from api.privacy.models import ErasureRecord
from api.scheduling import service as scheduling_service
from api.scheduling.models import ScheduledMessage
from bot.outbox.dispatcher import OutboxDispatcher
from bot.outbox.senders import LocalSender, SendError, SendResult
from tests.api import factories as f
from tests.api.privacy.privacy_world import (
    Everything,
    booked_count,
    build_everything,
    leftovers,
    rows_about,
)
from tests.api.world import Org, build_org


@pytest.fixture
def org(session: Session) -> Org:
    return build_org(session, "Département de la Drôme")


@pytest.fixture
def everything(session: Session, org: Org) -> Everything:
    return build_everything(session, org)


def test_the_person_really_has_everything(session: Session, everything: Everything) -> None:
    counts = footprint(session, beneficiary=everything.person, now=utcnow()).counts()
    assert counts["inbound_messages"] == 4  # one before registration
    assert counts["outbox_messages"] >= 4  # unknown number, invitation, Rasa's reply, CONTACT...
    assert counts["delivery_status_events"] == 2 * counts["outbox_messages"]
    assert counts["scheduled_messages"] >= 3  # relance, expiry, reminders
    assert counts["handoff_requests"] == 2  # the operator's (unknown number) and the organisation's
    assert (counts["appointments"], counts["invitations"], counts["slots_released"]) == (1, 1, 1)
    assert counts["audit_log_detached"] == 2
    kinds = set(
        session.scalars(select(CarnetEntry.kind).where(CarnetEntry.beneficiary_id == everything.person_id))
    )
    assert {"inbound_message", "outbound_message", "barrier", "note", "appointment_booked"} <= kinds
    assert leftovers(
        session, person_id=everything.person_id, needles=everything.needles
    )  # the scan sees them


def test_erasure_leaves_nothing_behind(session: Session, everything: Everything) -> None:
    """Export and erasure leave nothing behind (checked in the database)."""
    other = everything.org.person
    other_rows = rows_about(session, other.id)
    other_slot_count = booked_count(session, everything.org.appointment.slot_id)
    assert booked_count(session, everything.slot_id) == 1
    audit_ids = list(
        session.scalars(select(AuditLog.id).where(AuditLog.beneficiary_id == everything.person_id))
    )
    expected = footprint(session, beneficiary=everything.person, now=utcnow()).counts()

    record = erase_person(
        session, everything.person, reason="request", user_id=everything.org.admin.user.id, now=utcnow()
    )
    session.flush()
    session.expire_all()

    assert leftovers(session, person_id=everything.person_id, needles=everything.needles) == []
    assert session.get(Beneficiary, everything.person_id) is None
    # The future appointment's place is free again; the other person's is still taken.
    assert booked_count(session, everything.slot_id) == 0
    assert booked_count(session, everything.org.appointment.slot_id) == other_slot_count == 1
    assert rows_about(session, other.id) == other_rows
    # The anonymous trace: counts only.
    stored = session.get(ErasureRecord, record.id)
    assert stored is not None
    assert (stored.organisation_id, stored.reason, stored.erased_by_user_id) == (
        everything.org.organisation.id,
        "request",
        everything.org.admin.user.id,
    )
    assert stored.removed == {**expected, "beneficiary_imports_cleaned": 0}
    assert all(isinstance(count, int) for count in stored.removed.values())
    # The audit trail stays, detached from the person, tagged with the erasure.
    lines = session.scalars(select(AuditLog).where(AuditLog.id.in_(audit_ids))).all()
    assert len(lines) == 2
    assert {(line.beneficiary_id, line.detail) for line in lines} == {
        (None, f"[erasure {record.id}] console")
    }


def test_an_import_in_progress_holding_the_number_blocks_the_erasure(
    session: Session, everything: Everything
) -> None:
    organisation_id = everything.org.organisation.id
    running = BeneficiaryImport(
        organisation_id=organisation_id,
        status="running",
        content="nom;prenom;telephone\nQuillebeuf;Zéphyrine;07 64 21 98 53\n",
        mapping={},
        errors=[],
    )
    done = BeneficiaryImport(
        organisation_id=organisation_id,
        status="done",
        content=None,
        mapping={},
        errors=[{"row": 3, "column": "telephone", "message": "déjà connu : 07 64 21 98 53"}],
        error_count=1,
    )
    session.add_all([running, done])
    session.flush()
    with pytest.raises(Conflict):
        erase_person(session, everything.person, reason="request", user_id=None, now=utcnow())
    assert session.get(Beneficiary, everything.person_id) is not None

    running.status, running.content = "done", None
    session.flush()
    record = erase_person(session, everything.person, reason="request", user_id=None, now=utcnow())
    assert record.removed["beneficiary_imports_cleaned"] == 1
    session.expire_all()
    assert done.errors == [{"row": 3, "column": "telephone", "message": "déjà connu : 07 ** ** ** 53"}]
    assert done.error_count == 1
    assert leftovers(session, person_id=everything.person_id, needles=everything.needles) == []


# --------------------------------------------------------------------------- REST


def test_only_an_admin_erases_and_the_audit_line_does_not_point_to_the_person(
    client: TestClient, session: Session, everything: Everything
) -> None:
    org, url = everything.org, f"/api/beneficiaries/{everything.person_id}"
    refused = client.delete(url, headers=org.agent.headers)
    assert refused.status_code == 403
    assert session.get(Beneficiary, everything.person_id) is not None

    erased = client.delete(url, headers=org.admin.headers)
    assert erased.status_code == 200, erased.text
    body = erased.json()
    assert body["reason"] == "request" and body["erased_by_user_id"] == org.admin.user.id
    assert body["removed"]["beneficiaries"] == 1 and body["removed"]["appointments"] == 1
    assert set(body) == {"id", "organisation_id", "erased_at", "reason", "erased_by_user_id", "removed"}

    assert client.delete(url, headers=org.admin.headers).status_code == 404
    assert client.get(url, headers=org.admin.headers).status_code == 404
    line = session.scalars(
        select(AuditLog).where(
            AuditLog.action == "beneficiary.erase", AuditLog.organisation_id == org.organisation.id
        )
    ).one()
    assert (line.user_id, line.beneficiary_id, line.detail) == (
        org.admin.user.id,
        None,
        f"erasure {body['id']}",
    )
    session.expire_all()
    assert leftovers(session, person_id=everything.person_id, needles=everything.needles) == []


def test_erasures_are_listed_for_admins(client: TestClient, session: Session, everything: Everything) -> None:
    org = everything.org
    assert client.get("/api/erasures").status_code == 401
    assert client.get("/api/erasures", headers=org.admin.headers).json() == []
    erased = client.delete(f"/api/beneficiaries/{everything.person_id}", headers=org.admin.headers).json()
    listed = client.get("/api/erasures", headers=org.admin.headers).json()
    assert listed == [erased]
    mine = client.get(
        "/api/erasures", params={"organisation_id": org.organisation.id}, headers=org.admin.headers
    )
    assert mine.json() == [erased]
    assert client.get("/api/erasures", headers=org.agent.headers).status_code == 403
    filtered = client.get(
        "/api/erasures", params={"organisation_id": org.organisation.id}, headers=org.agent.headers
    )
    assert filtered.status_code == 403


def test_an_import_in_progress_is_a_409(client: TestClient, session: Session, everything: Everything) -> None:
    session.add(
        BeneficiaryImport(
            organisation_id=everything.org.organisation.id,
            status="pending",
            content="telephone\n+33764219853\n",
            mapping={},
            errors=[],
        )
    )
    session.flush()
    response = client.delete(
        f"/api/beneficiaries/{everything.person_id}", headers=everything.org.admin.headers
    )
    assert response.status_code == 409 and "import" in response.json()["detail"]
    assert session.get(Beneficiary, everything.person_id) is not None


class _FakeRasa(BaseHTTPRequestHandler):
    calls: list[tuple[str, str, object]] = []

    def do_PUT(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _FakeRasa.calls.append(("PUT", self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def fake_rasa(monkeypatch: pytest.MonkeyPatch) -> Iterator[list]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeRasa)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _FakeRasa.calls = []
    monkeypatch.setattr(get_settings(), "rasa_url", f"http://127.0.0.1:{server.server_port}")
    yield _FakeRasa.calls
    server.shutdown()
    server.server_close()


def test_rasa_forgets_the_conversation(client: TestClient, everything: Everything, fake_rasa: list) -> None:
    response = client.delete(
        f"/api/beneficiaries/{everything.person_id}", headers=everything.org.admin.headers
    )
    assert response.status_code == 200
    path = f"/conversations/b-{everything.person_id}/tracker/events?token={get_settings().rasa_auth_token}"
    assert fake_rasa == [("PUT", path, [])]


def test_rasa_down_does_not_stop_the_erasure(
    client: TestClient, everything: Everything, caplog: pytest.LogCaptureFixture
) -> None:
    response = client.delete(
        f"/api/beneficiaries/{everything.person_id}", headers=everything.org.admin.headers
    )
    assert response.status_code == 200  # SPIE_RASA_URL points at a closed port in tests
    assert f"could not empty the Rasa conversation of erased person {everything.person_id}" in caplog.text


# --------------------------------------------------------------------------- races (real commits)


def _committed_person() -> tuple[int, int, str]:
    """A committed person with a reply waiting in the outbox: (person id, inbound id, phone)."""
    with session_scope() as session:
        organisation = f.organisation(session)
        person = f.beneficiary(session, organisation)
        inbound, _ = record_inbound(
            session,
            message_sid=f"SMrace{person.id:08d}inbound",
            channel="sms",
            from_phone=person.phone,
            to_address="38123",
            body="bonjour",
            num_media=0,
        )
        inbound.beneficiary_id = person.id
        outbox.enqueue(session, beneficiary=person, body="Bonjour", kind="reply", in_reply_to_id=inbound.id)
        session.commit()
        return person.id, inbound.id, person.phone


def _erase_committed(beneficiary_id: int) -> dict:
    with session_scope() as session:
        person = session.get(Beneficiary, beneficiary_id)
        assert person is not None
        record = erase_person(session, person, reason="request", user_id=None, now=utcnow())
        session.commit()
        return record.removed


def _nothing_left(beneficiary_id: int, phone: str) -> None:
    with session_scope() as session:
        assert session.get(Beneficiary, beneficiary_id) is None
        assert session.scalars(select(OutboxMessage.id).where(OutboxMessage.to_phone == phone)).all() == []
        assert (
            session.scalars(select(InboundMessage.id).where(InboundMessage.from_phone == phone)).all() == []
        )
        assert (
            session.scalars(select(CarnetEntry.id).where(CarnetEntry.beneficiary_id == beneficiary_id)).all()
            == []
        )
        assert (
            session.scalars(
                select(ScheduledMessage.id).where(ScheduledMessage.beneficiary_id == beneficiary_id)
            ).all()
            == []
        )


class _ErasedWhileSending(LocalSender):
    """The person is erased while the dispatcher's HTTP call is under way."""

    def __init__(self, beneficiary_id: int, *, fail: bool) -> None:
        self.beneficiary_id, self.fail, self.removed = beneficiary_id, fail, {}

    def send(self, **kwargs) -> SendResult:
        self.removed = _erase_committed(self.beneficiary_id)
        if self.fail:  # a permanent error, which would mark the person opted out
            raise SendError("unsubscribed", code="21610", retryable=False)
        return super().send(**kwargs)


@pytest.mark.parametrize("fail", [False, True], ids=["sent", "failed"])
def test_a_message_claimed_for_sending_during_the_erasure(fail: bool) -> None:
    beneficiary_id, inbound_id, phone = _committed_person()
    sender = _ErasedWhileSending(beneficiary_id, fail=fail)
    settings = get_settings()
    dispatcher = OutboxDispatcher(sender, settings)
    try:
        assert dispatcher.dispatch_sync(in_reply_to_id=inbound_id) == 1  # no crash
    finally:
        dispatcher.close()
    assert sender.removed["outbox_messages"] == 1 and sender.removed["inbound_messages"] == 1
    _nothing_left(beneficiary_id, phone)  # recording the result re-created nothing


@pytest.mark.skipif(get_engine().dialect.name != "postgresql", reason="row locks: PostgreSQL")
def test_an_erasure_waits_for_a_sweep_deciding_the_persons_reminder_and_deletes_what_it_queued() -> None:
    now = utcnow()
    with session_scope() as session:
        organisation = f.organisation(session)
        # Always within the sending hours, so the sweep queues the reminder whatever the time.
        organisation.sending_start_hour, organisation.sending_end_hour = 0, 24
        organisation.sending_weekdays, organisation.skip_public_holidays = "0123456", False
        place, motif = f.place(session, organisation), f.motif(session, organisation)
        [slot] = f.slots(session, place, motif, [now + timedelta(days=3)])
        person = f.beneficiary(session, organisation)
        appointment = appointment_service.book(session, beneficiary=person, slot_id=slot.id, now=now)
        assert appointment is not None
        scheduling_service.schedule_reminder_now(session, appointment=appointment, now=now)
        session.commit()
        beneficiary_id, phone, slot_id = person.id, person.phone, slot.id

    holder = session_scope()  # a scheduler in the middle of a sweep
    sweep_batch(holder, now=now, batch_size=10_000)
    queued = holder.scalars(select(OutboxMessage.id).where(OutboxMessage.to_phone == phone)).all()
    assert len(queued) == 1
    removed: list[dict] = []
    eraser = threading.Thread(target=lambda: removed.append(_erase_committed(beneficiary_id)))
    eraser.start()
    time.sleep(0.5)
    assert eraser.is_alive(), "the erasure should wait for the sweep's lock on the reminder"
    holder.commit()
    holder.close()
    eraser.join(timeout=20)
    assert not eraser.is_alive() and removed
    assert removed[0]["outbox_messages"] == 1 and removed[0]["slots_released"] == 1
    _nothing_left(beneficiary_id, phone)
    with session_scope() as session:
        assert session.get(Slot, slot_id).booked_count == 0


def test_messages_of_the_number_that_belong_to_someone_else_stay(
    session: Session, everything: Everything
) -> None:
    """A number that changed hands: the former holder's messages are theirs, not the erased person's."""
    former = everything.org.person
    kept = outbox.enqueue(session, beneficiary=former, body="Ancien numero", kind="reply")
    kept.to_phone = everything.person.phone
    session.flush()
    erase_person(session, everything.person, reason="request", user_id=None, now=utcnow())
    session.expire_all()
    assert session.get(OutboxMessage, kept.id) is not None
    assert session.scalars(select(CarnetEntry).where(CarnetEntry.outbox_message_id == kept.id)).one()
