"""One Twilio cap for the whole cluster (Redis): two schedulers together stay under it and reach
it; a sender that cannot reach Redis sends nothing and gives its messages back."""

import os
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import func, select, update

from api.beneficiaries.models import Beneficiary
from api.config import Settings
from api.db import session_scope
from api.messaging import outbox
from api.messaging.models import OutboxMessage
from bot.outbox.dispatcher import OutboxDispatcher
from bot.outbox.senders import TwilioSender
from tests.api import factories as f
from tests.bot.conftest import ACCOUNT_SID, AUTH_TOKEN
from tests.bot.test_scheduler_processes import ARTIFACTS, due_reminders, wait_until
from tests.bot.test_shared_rate_limit import max_in_window
from tests.conftest import ROOT, TEST_DATABASE_URL
from tests.e2e.system import free_port
from tests.fakes.twilio_fake import FakeTwilioServer

CAP = 40


def start_scheduler(twilio: FakeTwilioServer, redis_url: str, prefix: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SPIE_DATABASE_URL": TEST_DATABASE_URL,
        "SPIE_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "SPIE_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "SPIE_TWILIO_API_BASE_URL": twilio.base_url,
        "SPIE_MAX_MESSAGES_PER_SECOND": str(CAP),  # the whole cluster's, not each process's
        "SPIE_REDIS_URL": redis_url,
        "SPIE_REDIS_KEY_PREFIX": prefix,
        "SPIE_SCHEDULER_INTERVAL_SECONDS": "0.5",
        "SPIE_OUTBOX_POLL_SECONDS": "0.2",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot.scheduler"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(ARTIFACTS / "scheduler-shared-cap.log", "ab"),  # noqa: SIM115 (the process holds it)
    )


def sent_rows(organisation_id: int) -> list[tuple[str, str]]:
    with session_scope() as session:
        return session.execute(
            select(OutboxMessage.to_phone, OutboxMessage.claim_owner)
            .join(Beneficiary, OutboxMessage.beneficiary_id == Beneficiary.id)
            .where(Beneficiary.organisation_id == organisation_id, OutboxMessage.state == "sent")
        ).all()


@pytest.mark.skipif(not TEST_DATABASE_URL.startswith("postgresql"), reason="row locks: PostgreSQL only")
def test_two_schedulers_share_one_cap_and_reach_it(
    twilio: FakeTwilioServer, redis_url: str, redis_prefix: str
) -> None:
    total = 320  # 8 s at the cap
    organisation_id = due_reminders(total)
    with session_scope() as session:
        phones = set(
            session.scalars(select(Beneficiary.phone).where(Beneficiary.organisation_id == organisation_id))
        )
    schedulers = [start_scheduler(twilio, redis_url, redis_prefix) for _ in range(2)]
    try:
        wait_until(lambda: len(sent_rows(organisation_id)) == total, timeout=90)
        time.sleep(1)  # anything doubled would show now
    finally:
        for process in schedulers:
            process.terminate()
        for process in schedulers:
            process.wait(timeout=15)
    with twilio.state.lock:
        received = [m for m in twilio.state.messages if m["To"] in phones]
    assert sorted(m["To"] for m in received) == sorted(phones), "each reminder once, none lost"
    rows = sent_rows(organisation_id)
    assert len({owner for _, owner in rows}) == 2, "both schedulers must have sent"
    arrivals = [m["received_at"] for m in received]
    # The fake stamps a request when its event loop gets to it: on a loaded machine that shifts
    # messages by tens of ms (the instants the bucket hands out are checked exactly in
    # tests/bot/test_shared_rate_limit.py). Over 5 s, that jitter is a few messages; two
    # processes each at the cap would show twice as many.
    assert max_in_window(arrivals, 5.0) <= 5 * CAP + CAP / 8
    assert max_in_window(arrivals) <= CAP * 1.25
    assert max_in_window(arrivals, 5.0) >= 5 * CAP * 0.9, "together they must reach the cap"


def test_no_redis_sends_nothing_and_gives_the_message_back(twilio: FakeTwilioServer) -> None:
    with session_scope() as session:
        # Rows earlier tests left pending would be claimed first and hold the claim's batch.
        session.execute(
            update(OutboxMessage).where(OutboxMessage.state == "pending").values(state="cancelled")
        )
        person = f.beneficiary(session, f.organisation(session))
        message = outbox.enqueue(session, beneficiary=person, body="Rappel : RDV demain", kind="reminder")
        session.commit()
        message_id, phone = message.id, person.phone
    settings = Settings(
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_api_base_url=twilio.base_url,
        redis_url=f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
    )
    dispatcher = OutboxDispatcher(TwilioSender(settings), settings)
    sending = threading.Thread(target=dispatcher.dispatch_sync)
    sending.start()

    def state() -> str:
        with session_scope() as session:
            return session.get(OutboxMessage, message_id).state

    wait_until(lambda: state() == "sending", timeout=30)  # claimed, now waiting for Redis
    time.sleep(1.5)
    assert state() == "sending"
    assert twilio.messages_to(phone) == [], "a message left uncounted"
    dispatcher.close()  # the process stops while Redis is still down
    sending.join(timeout=10)
    assert not sending.is_alive()
    with session_scope() as session:
        row = session.get(OutboxMessage, message_id)
        assert (row.state, row.attempts, row.claim_token) == ("pending", 0, None)
        pending = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.to_phone == phone)
        )
    assert pending == 1
    assert twilio.messages_to(phone) == []
    with session_scope() as session:  # the later tests' dispatchers must not send it
        session.get(OutboxMessage, message_id).state = "cancelled"
        session.commit()
