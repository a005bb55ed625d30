from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from api.appointments.models import Appointment
from api.botapi import service as bot_service
from api.carnet import service as carnet_service
from api.errors import Conflict, NotFound
from api.invitations import service as invitation_service
from api.messaging.models import OutboxMessage
from api.messaging.segments import count_segments
from tests.api import factories as f

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # a Friday
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def setup(session):
    org = f.organisation(session)
    place = f.place(session, org)
    motif = f.motif(session, org)
    slots = f.slots(session, place, motif, f.weekday_starts(NOW, PARIS, 6))
    person = f.beneficiary(session, org)
    return org, place, motif, slots, person


def test_invitation_offers_the_first_four_free_slots_in_order(session, setup) -> None:
    org, place, motif, slots, person = setup
    invitation = invitation_service.create_invitation(
        session, beneficiary_id=person.id, motif_id=motif.id, now=NOW
    )
    assert invitation.offered_slot_ids == [slot.id for slot in slots[:4]]
    [message] = session.scalars(select(OutboxMessage).where(OutboxMessage.beneficiary_id == person.id))
    assert message.kind == "invitation" and message.state == "pending"
    lines = [line for line in message.body.splitlines() if line[:2] in ("1)", "2)", "3)", "4)")]
    assert lines == [
        "1) lundi 30/11 9h00",
        "2) lundi 30/11 14h00",
        "3) mardi 1/12 9h00",
        "4) mardi 1/12 14h00",
    ]
    kinds = [e.kind for e in carnet_service.list_entries(session, beneficiary_id=person.id)]
    assert kinds == ["invitation_created", "outbound_message"]


def test_invitation_fits_two_sms_with_the_longest_names(session) -> None:
    org = f.organisation(session, name=f.LONG_ORGANISATION)
    place = f.place(session, org, name=f.LONG_PLACE, address=f.LONG_ADDRESS)
    motif = f.motif(session, org, name=f.LONG_MOTIF)
    # Wednesdays and 10h30 make the longest option labels.
    f.slots(session, place, motif, [datetime(2026, 12, d, 10, 30, tzinfo=PARIS) for d in (2, 9, 16, 23)])
    person = f.beneficiary(session, org, first_name="Marie-Christine")
    invitation_service.create_invitation(session, beneficiary_id=person.id, motif_id=motif.id, now=NOW)
    body = session.scalar(select(OutboxMessage.body).where(OutboxMessage.beneficiary_id == person.id))
    count = count_segments(body)
    assert count.encoding == "GSM-7", body
    assert count.segments <= 2, (count, body)


def test_no_invitation_for_an_opted_out_person_or_without_slots(session, setup) -> None:
    org, place, motif, slots, person = setup
    person.opted_out = True
    with pytest.raises(Conflict):
        invitation_service.create_invitation(session, beneficiary_id=person.id, motif_id=motif.id, now=NOW)
    other = f.beneficiary(session, org)
    empty_motif = f.motif(session, org, name="Atelier CV")
    with pytest.raises(Conflict):
        invitation_service.create_invitation(
            session, beneficiary_id=other.id, motif_id=empty_motif.id, now=NOW
        )


def test_motif_of_another_organisation_is_not_found(session, setup) -> None:
    org, place, motif, slots, person = setup
    other_org = f.organisation(session, name="Département du Nord")
    foreign_motif = f.motif(session, other_org)
    with pytest.raises(NotFound):
        invitation_service.create_invitation(
            session, beneficiary_id=person.id, motif_id=foreign_motif.id, now=NOW
        )


def test_choose_by_number_books_and_closes_the_invitation(session, setup) -> None:
    org, place, motif, slots, person = setup
    invitation = invitation_service.create_invitation(
        session, beneficiary_id=person.id, motif_id=motif.id, now=NOW
    )
    result = bot_service.choose_slot(session, beneficiary_id=person.id, text="le 2", now=NOW)
    assert result.outcome == "booked"
    assert result.appointment.time_label == "14h00"
    assert result.appointment.address == "8 rue Jean Bouin, 26000 Valence"
    appointment = session.scalar(select(Appointment).where(Appointment.beneficiary_id == person.id))
    assert appointment.slot_id == slots[1].id
    assert slots[1].booked_count == 1
    assert invitation.status == "booked"
    again = bot_service.choose_slot(session, beneficiary_id=person.id, text="le 3", now=NOW)
    assert again.outcome == "already_booked"


def test_ambiguous_answer_narrows_the_list(session, setup) -> None:
    org, place, motif, slots, person = setup
    invitation_service.create_invitation(session, beneficiary_id=person.id, motif_id=motif.id, now=NOW)
    result = bot_service.choose_slot(session, beneficiary_id=person.id, text="lundi", now=NOW)
    assert result.outcome == "ambiguous"
    assert result.options_text == "1) lundi 30/11 9h00\n2) lundi 30/11 14h00"
    booked = bot_service.choose_slot(session, beneficiary_id=person.id, text="2", now=NOW)
    assert booked.outcome == "booked"
    appointment = session.scalar(select(Appointment).where(Appointment.beneficiary_id == person.id))
    assert appointment.slot_id == slots[1].id


def test_unmatched_answer_repeats_the_options(session, setup) -> None:
    org, place, motif, slots, person = setup
    invitation_service.create_invitation(session, beneficiary_id=person.id, motif_id=motif.id, now=NOW)
    result = bot_service.choose_slot(session, beneficiary_id=person.id, text="bof", now=NOW)
    assert result.outcome == "no_match"
    assert result.options_text.count(")") == 4


def test_an_answer_ruling_out_every_option_says_none_fit_and_books_nothing(session, setup) -> None:
    org, place, motif, slots, person = setup
    invitation_service.create_invitation(session, beneficiary_id=person.id, motif_id=motif.id, now=NOW)
    result = bot_service.choose_slot(
        session, beneficiary_id=person.id, text="ni le 1 ni le 2 ni le 3 ni le 4", now=NOW
    )
    assert result.outcome == "none_fit"
    assert session.scalar(select(Appointment).where(Appointment.beneficiary_id == person.id)) is None


def test_more_slots_moves_forward_then_runs_out(session, setup) -> None:
    org, place, motif, slots, person = setup
    invitation_service.create_invitation(session, beneficiary_id=person.id, motif_id=motif.id, now=NOW)
    more = bot_service.more_slots(session, beneficiary_id=person.id, now=NOW)
    assert more.outcome == "offered"
    assert more.options_text == "1) mercredi 2/12 9h00\n2) mercredi 2/12 14h00"
    assert bot_service.choose_slot(session, beneficiary_id=person.id, text="1", now=NOW).outcome == "booked"
    person2 = f.beneficiary(session, org)
    invitation_service.create_invitation(session, beneficiary_id=person2.id, motif_id=motif.id, now=NOW)
    bot_service.more_slots(session, beneficiary_id=person2.id, now=NOW)
    assert bot_service.more_slots(session, beneficiary_id=person2.id, now=NOW).outcome == "none_left"


def test_a_full_slot_offers_fresh_ones(session, setup) -> None:
    org, place, motif, slots, person = setup
    rival = f.beneficiary(session, org, first_name="Bob")
    for someone in (person, rival):
        invitation_service.create_invitation(session, beneficiary_id=someone.id, motif_id=motif.id, now=NOW)
    assert bot_service.choose_slot(session, beneficiary_id=rival.id, text="1", now=NOW).outcome == "booked"
    lost = bot_service.choose_slot(session, beneficiary_id=person.id, text="1", now=NOW)
    assert lost.outcome == "slot_taken"
    assert lost.options_text.startswith("1) lundi 30/11 14h00")
    assert bot_service.choose_slot(session, beneficiary_id=person.id, text="1", now=NOW).outcome == "booked"


def test_state_and_no_invitation(session, setup) -> None:
    org, place, motif, slots, person = setup
    assert (
        bot_service.choose_slot(session, beneficiary_id=person.id, text="1", now=NOW).outcome
        == "no_invitation"
    )
    state = bot_service.state(session, beneficiary_id=person.id, now=NOW)
    assert not state.invitation_pending and state.appointment is None
    invitation_service.create_invitation(session, beneficiary_id=person.id, motif_id=motif.id, now=NOW)
    state = bot_service.state(session, beneficiary_id=person.id, now=NOW)
    assert state.invitation_pending and state.options_text.startswith("1) lundi")


def test_names_with_non_gsm7_letters_do_not_make_the_sms_unicode(session) -> None:
    org = f.organisation(session, name="Département de la Drôme")
    place = f.place(session, org, name="Maison de l’insertion de Besançon")
    motif = f.motif(session, org)
    f.slots(session, place, motif, f.weekday_starts(NOW, PARIS, 4))
    person = f.beneficiary(session, org, first_name="Anaïs")
    invitation_service.create_invitation(session, beneficiary_id=person.id, motif_id=motif.id, now=NOW)
    message = session.scalar(select(OutboxMessage).where(OutboxMessage.beneficiary_id == person.id))
    assert "Drome" in message.body and "Anais" in message.body and "l'insertion de Besancon" in message.body
    assert count_segments(message.body).encoding == "GSM-7"
    assert message.segments == count_segments(message.body).segments
