"""The real scheduler process: killed in the middle of a sweep, restarted; two side by side."""

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from api.appointments.models import Appointment
from api.beneficiaries.models import Beneficiary
from api.db import session_scope
from api.messaging.models import OutboxMessage
from api.scheduling.models import ScheduledMessage
from api.scheduling.service import appointment_key
from tests.api import factories as f
from tests.conftest import ROOT, TEST_DATABASE_URL

ARTIFACTS = ROOT / "test-artifacts"
ARTIFACTS.mkdir(exist_ok=True)


def due_reminders(count: int) -> int:
    """An organisation with `count` booked appointments whose reminder is due now."""
    now = datetime.now(UTC)
    with session_scope() as session:
        org = f.organisation(session)
        org.sending_start_hour, org.sending_end_hour = 0, 24
        org.sending_weekdays, org.skip_public_holidays = "0123456", False
        place, motif = f.place(session, org), f.motif(session, org)
        starts = [now + timedelta(days=2, minutes=index) for index in range(count)]
        slots = f.slots(session, place, motif, starts)
        people = [
            Beneficiary(organisation_id=org.id, phone=f.next_mobile(), first_name="Test")
            for _ in range(count)
        ]
        session.add_all(people)
        session.flush()
        appointments = [
            Appointment(organisation_id=org.id, beneficiary_id=p.id, slot_id=s.id, status="unknown")
            for p, s in zip(people, slots, strict=True)
        ]
        session.add_all(appointments)
        for slot in slots:
            slot.booked_count = 1
        session.flush()
        session.add_all(
            ScheduledMessage(
                organisation_id=org.id,
                beneficiary_id=a.beneficiary_id,
                appointment_id=a.id,
                kind="reminder",
                due_key=appointment_key(a),
                due_at=now - timedelta(minutes=1),
            )
            for a in appointments
        )
        session.commit()
        return org.id


def start_scheduler() -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SPIE_DATABASE_URL": TEST_DATABASE_URL,
        "SPIE_TWILIO_ACCOUNT_SID": "",  # the local outbox: this test is about the sweep
        "SPIE_SCHEDULER_INTERVAL_SECONDS": "0.2",
        "SPIE_SWEEP_BATCH_SIZE": "20",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot.scheduler"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        # A file, not a pipe: nobody reads a pipe here, and a full one would block the process.
        stderr=open(ARTIFACTS / "scheduler.log", "ab"),  # noqa: SIM115 (the process holds it)
    )


def counts(organisation_id: int) -> tuple[int, int, int]:
    """(reminders decided, outbox messages, distinct outbox messages linked) for the organisation."""
    with session_scope() as session:
        decided = session.scalar(
            select(func.count())
            .select_from(ScheduledMessage)
            .where(ScheduledMessage.organisation_id == organisation_id, ScheduledMessage.state != "pending")
        )
        outbox = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .join(Beneficiary, OutboxMessage.beneficiary_id == Beneficiary.id)
            .where(Beneficiary.organisation_id == organisation_id, OutboxMessage.kind == "reminder")
        )
        linked = session.scalar(
            select(func.count(func.distinct(ScheduledMessage.outbox_message_id))).where(
                ScheduledMessage.organisation_id == organisation_id
            )
        )
        return decided, outbox, linked


def wait_until(predicate, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_killed_in_the_middle_of_a_sweep_loses_and_repeats_nothing() -> None:
    total = 600
    organisation_id = due_reminders(total)
    first = start_scheduler()
    try:
        wait_until(lambda: counts(organisation_id)[0] >= 40)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    decided_at_kill = counts(organisation_id)[0]
    assert 0 < decided_at_kill < total, "the kill must land in the middle of the sweep"
    second = start_scheduler()
    try:
        wait_until(lambda: counts(organisation_id)[0] == total)
    finally:
        second.terminate()
        second.wait(timeout=15)
    assert counts(organisation_id) == (total, total, total)


@pytest.mark.skipif(not TEST_DATABASE_URL.startswith("postgresql"), reason="row locks: PostgreSQL only")
def test_two_schedulers_side_by_side_send_each_reminder_once() -> None:
    total = 600
    organisation_id = due_reminders(total)
    schedulers = [start_scheduler(), start_scheduler()]
    try:
        wait_until(lambda: counts(organisation_id)[0] == total)
        wait_until(lambda: sent(organisation_id) == total)
        time.sleep(1)  # anything doubled would show now
    finally:
        for process in schedulers:
            process.terminate()
        for process in schedulers:
            process.wait(timeout=15)
    assert counts(organisation_id) == (total, total, total)
    assert sent(organisation_id) == total


def sent(organisation_id: int) -> int:
    with session_scope() as session:
        return session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .join(Beneficiary, OutboxMessage.beneficiary_id == Beneficiary.id)
            .where(Beneficiary.organisation_id == organisation_id, OutboxMessage.state == "sent")
        )
