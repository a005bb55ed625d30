"""The orientation mails through the standard library's SMTP client, against a real local SMTP
server (aiosmtpd): sent once, retried when the server refuses or is down, failed for good after
the last attempt (the carnet says so); the request is answerable through the link in the mail."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.carnet.models import CarnetEntry
from api.config import get_settings
from api.db import utcnow
from api.orientations import mail, mail_sink
from api.orientations import service as orientation_service
from api.orientations.models import OrientationMail, OrientationRequest
from tests.api.orientations.world import MAILBOX, THEME, OrientationWorld


@pytest.fixture
def sink(monkeypatch: pytest.MonkeyPatch) -> Iterator[mail_sink.SinkHandler]:
    controller, handler = mail_sink.start()
    monkeypatch.setenv("SPIE_SMTP_PORT", str(controller.port))
    monkeypatch.setenv("SPIE_SMTP_FROM", "orientations@spie.test")
    get_settings.cache_clear()
    try:
        yield handler
    finally:
        controller.stop()
        get_settings.cache_clear()


def _request(session: Session, world: OrientationWorld) -> OrientationRequest:
    return orientation_service.send_request(
        session,
        beneficiary=world.base.person,
        from_organisation_id=world.base.departement.organisation.id,
        user_id=world.base.departement.agent.user.id,
        service_id=world.mail_service.id,
        theme=THEME,
        reason="n'a plus de voiture depuis mars",
        now=utcnow(),
    )


def test_the_request_mail_reaches_the_structure_once(
    world: OrientationWorld, session: Session, sink: mail_sink.SinkHandler
) -> None:
    request = _request(session, world)
    assert mail.send_due(session, now=utcnow()) == mail.MailRun(sent=1, retried=0, failed=0)
    assert mail.send_due(session, now=utcnow()) == mail.MailRun(sent=0, retried=0, failed=0)
    [got] = sink.received
    assert got.recipients == [MAILBOX] and got.sender == "orientations@spie.test"
    assert got.message["Subject"] == "Demande d'orientation : Marie D., Accéder à un véhicule"
    text = got.message.get_content()
    assert "Département de la Drôme" in text and "n'a plus de voiture depuis mars" in text
    # The link in the mail finds the request (and nothing else does).
    token = text.split("/orientations/reponse/")[1].split()[0]
    assert orientation_service.by_token(session, token=token).id == request.id
    with pytest.raises(Exception):  # noqa: B017
        orientation_service.by_token(session, token=token[:-2] + "xx")
    row = session.scalars(select(OrientationMail)).one()
    assert (row.state, row.attempts) == ("sent", 1)


def test_a_refusing_server_is_retried_later_then_the_mail_goes(
    world: OrientationWorld, session: Session, sink: mail_sink.SinkHandler
) -> None:
    _request(session, world)
    sink.refuse = True
    now = utcnow()
    assert mail.send_due(session, now=now) == mail.MailRun(sent=0, retried=1, failed=0)
    row = session.scalars(select(OrientationMail)).one()
    assert (
        row.state == "pending"
        and row.next_attempt_at == now + timedelta(minutes=1)
        and "451" in row.last_error
    )
    assert mail.send_due(session, now=now + timedelta(seconds=30)).retried == 0  # not due yet
    sink.refuse = False
    assert mail.send_due(session, now=now + timedelta(minutes=1)).sent == 1
    assert len(sink.received) == 1


def test_a_server_that_stays_down_fails_the_mail_and_the_carnet_says_so(
    world: OrientationWorld, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    controller, _ = mail_sink.start()
    port = controller.port
    controller.stop()  # nothing listens there any more
    monkeypatch.setenv("SPIE_SMTP_PORT", str(port))
    monkeypatch.setenv("SPIE_MAIL_MAX_ATTEMPTS", "3")
    get_settings.cache_clear()
    try:
        request = _request(session, world)
        now = utcnow()
        for _ in range(3):
            run = mail.send_due(session, now=now)
            now += timedelta(hours=7)
        assert run == mail.MailRun(sent=0, retried=0, failed=1)
    finally:
        get_settings.cache_clear()
    row = session.scalars(select(OrientationMail)).one()
    assert (row.state, row.attempts) == ("failed", 3)
    # The request is not lost: still open, and the sender sees the failed mail.
    assert (
        request.state == "open"
        and orientation_service.mail_state(session, orientation_id=request.id) == "failed"
    )
    kinds = session.scalars(
        select(CarnetEntry.kind).where(CarnetEntry.beneficiary_id == world.base.person.id)
    ).all()
    assert "orientation_mail_failed" in kinds
