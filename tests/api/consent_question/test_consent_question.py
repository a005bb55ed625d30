"""The consent to share asked by SMS: the question, who may ask it, and what a yes or a no does."""

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts.models import AuditLog
from api.botapi.appointment_reply import appointment_reply
from api.carnet.models import CarnetEntry
from api.consent_question import service
from api.followers import service as followers_service
from api.messaging import outbox
from api.messaging.models import OutboxMessage
from api.messaging.segments import count_segments
from tests.api.console.conftest import log_in
from tests.api.followers.world import World

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def _ask(world: World, account=None):
    return world.post(account or world.agency.agent, f"{world.base}/sharing-consent/question")


def _kinds(session: Session, world: World) -> list[str]:
    query = select(CarnetEntry.kind).where(CarnetEntry.beneficiary_id == world.person.id)
    return list(session.scalars(query.order_by(CarnetEntry.id)))


def _answer(session: Session, world: World, intent: str, text: str = "oui") -> str:
    result = appointment_reply(session, beneficiary_id=world.person.id, intent=intent, text=text, now=NOW)
    return result.outcome


def test_a_following_structure_asks_and_the_person_gets_one_sms_naming_the_structures(
    session: Session, world: World
) -> None:
    response = _ask(world)
    assert response.status_code == 202, response.text
    message = session.get(OutboxMessage, response.json()["outbox_message_id"])
    assert message is not None
    assert (message.kind, message.to_phone) == ("consent_question", world.person.phone)
    assert message.body.startswith("Département de la Drome et France Travail Valence vous suivent.")
    assert "Répondez OUI ou NON" in message.body
    assert count_segments(message.body).segments == 1 and count_segments(message.body).encoding == "GSM-7"
    assert world.person.pending_question == service.PENDING
    assert _kinds(session, world)[-2:] == ["outbound_message", "consent_asked"]
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "consent.ask_by_sms")).one()
    assert audit.organisation_id == world.departement.organisation.id
    assert f"from organisation {world.agency.organisation.id}" in audit.detail


def test_names_too_long_for_one_sms_are_said_in_general() -> None:
    text = service.question_text(
        ["Conseil départemental de la Somme", "France Travail Amiens Nord", "Emmaüs"]
    )
    assert text.startswith("Bonjour, acceptez-vous que les structures qui vous accompagnent")
    assert count_segments(text).segments == 1


def test_a_structure_that_does_not_follow_the_person_gets_404_and_sends_nothing(
    session: Session, world: World
) -> None:
    assert _ask(world, world.stranger.admin).status_code == 404
    assert session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "consent_question")) is None
    assert world.person.pending_question is None


def test_a_structure_that_stopped_following_may_not_ask(world: World) -> None:
    stopped = world.delete(world.departement.agent, f"{world.base}/followers/{world.agency.organisation.id}")
    assert stopped.status_code == 200, stopped.text
    assert _ask(world).status_code == 403


def test_no_question_once_the_consent_is_given_nor_after_stop(session: Session, world: World) -> None:
    world.post(world.departement.agent, f"{world.base}/sharing-consent", json={}).raise_for_status()
    assert _ask(world).status_code == 409
    world.delete(world.departement.agent, f"{world.base}/sharing-consent").raise_for_status()
    world.person.opted_out = True
    session.flush()
    refused = _ask(world)
    assert refused.status_code == 409 and "STOP" in refused.text


def test_oui_records_the_consent_given_by_sms(session: Session, world: World) -> None:
    _ask(world).raise_for_status()
    assert _answer(session, world, "affirm", "oui d'accord") == "consent_given"
    consent = followers_service.current_consent(session, beneficiary_id=world.person.id)
    assert consent is not None
    assert (consent.given_how, consent.given_by_user_id, consent.note) == ("sms", None, "oui d'accord")
    assert world.person.pending_question is None
    assert _kinds(session, world)[-1] == "consent_given"
    # the agency now sees the person's words
    kinds = [e["kind"] for e in world.get(world.agency.agent, f"{world.base}/carnet").json()]
    assert "inbound_message" in kinds


def test_non_records_the_refusal_and_no_consent(session: Session, world: World) -> None:
    _ask(world).raise_for_status()
    assert _answer(session, world, "deny", "non") == "consent_refused"
    assert followers_service.current_consent(session, beneficiary_id=world.person.id) is None
    assert _kinds(session, world)[-1] == "consent_refused"
    # answered once: a second "non" is no longer about the consent
    assert _answer(session, world, "deny", "non") == "not_applicable"


def test_another_request_leaves_the_question_waiting(session: Session, world: World) -> None:
    _ask(world).raise_for_status()
    assert _answer(session, world, "cancel_appointment", "annulez") == "not_applicable"
    assert world.person.pending_question == service.PENDING
    assert _answer(session, world, "affirm") == "consent_given"


def test_a_yes_after_a_later_reminder_is_not_taken_as_consent(session: Session, world: World) -> None:
    _ask(world).raise_for_status()
    outbox.enqueue(session, body="Rappel : RDV demain", kind="reminder", beneficiary=world.person)
    assert _answer(session, world, "affirm") == "not_applicable"  # no appointment here to confirm
    assert followers_service.current_consent(session, beneficiary_id=world.person.id) is None
    assert world.person.pending_question is None


def test_the_console_asks_by_sms_and_shows_the_answer(session: Session, world: World) -> None:
    csrf = log_in(world.client, world.departement.agent)
    page = f"/console/beneficiaires/{world.person.id}"
    assert "Lui demander par SMS" in world.client.get(page).text
    asked = world.client.post(
        f"{page}/partage", data={"csrf_token": csrf, "action": "demander"}, follow_redirects=False
    )
    assert asked.status_code == 303 and asked.headers["location"].endswith("?ok=partage-demande#suivi")
    assert "Question envoyée par SMS" in world.client.get(asked.headers["location"]).text
    assert session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "consent_question")).one()
    assert session.scalars(select(AuditLog).where(AuditLog.action == "consent.ask_by_sms")).one()
    assert _answer(session, world, "affirm") == "consent_given"
    html = world.client.get(page).text
    assert "par SMS" in html and "Lui demander par SMS" not in html


def test_the_console_says_when_the_person_answered_stop(session: Session, world: World) -> None:
    world.person.opted_out = True
    session.flush()
    csrf = log_in(world.client, world.departement.agent)
    asked = world.client.post(
        f"/console/beneficiaires/{world.person.id}/partage",
        data={"csrf_token": csrf, "action": "demander"},
        follow_redirects=False,
    )
    assert asked.headers["location"].endswith("?ok=partage-non-demande#suivi")
    assert session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "consent_question")) is None
