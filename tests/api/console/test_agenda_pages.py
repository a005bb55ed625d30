"""Console agenda pages: plages, absences, places, motifs (admins write, agents read); attendance."""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.agenda import openings
from api.agenda import service as agenda_service
from api.agenda.models import Absence, Motif, OpeningPeriod, Place, Slot
from api.appointments import agenda_changes
from api.appointments import service as appointment_service
from api.appointments.models import Appointment
from api.carnet.models import CarnetEntry
from api.db import utcnow
from api.messaging.models import OutboxMessage
from tests.api.console.conftest import log_in
from tests.api.world import Org, build_org

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def a(session: Session) -> Org:
    org = build_org(session, "Département A")
    org.person.first_name, org.person.last_name = "Aïcha", "Benali"
    session.flush()
    return org


@pytest.fixture
def b(session: Session) -> Org:
    org = build_org(session, "Département B")
    org.person.first_name, org.person.last_name = "Bruno", "Martin"
    session.flush()
    return org


def _today() -> date:
    return utcnow().astimezone(PARIS).date()


def _plage_form(org: Org, token: str, **changes: str) -> dict[str, str]:
    start = _today() + timedelta(days=2)
    form = {
        "csrf_token": token,
        "organisation_id": str(org.organisation.id),
        "place_id": str(org.place.id),
        "motif_id": str(org.motif.id),  # 45 minutes
        "weekday": str(start.weekday()),
        "start_time": "09:00",
        "end_time": "10:30",
        "capacity": "1",
        "valid_from": start.isoformat(),
        "valid_until": (start + timedelta(days=14)).isoformat(),
    }
    return {**form, **changes}


def _plage(session: Session, org: Org) -> OpeningPeriod:
    start = _today() + timedelta(days=3)
    return openings.create_opening_period(
        session,
        place_id=org.place.id,
        motif_id=org.motif.id,
        weekday=start.weekday(),
        start_time=time(14),
        end_time=time(16),
        valid_from=start,
        valid_until=start + timedelta(days=7),
        now=utcnow(),
    ).period


def _past_appointment(session: Session, org: Org) -> Appointment:
    """An appointment that started an hour ago (booked the day before)."""
    start = (utcnow() - timedelta(hours=1)).replace(microsecond=0)
    slot = agenda_service.create_slot(session, place_id=org.place.id, motif_id=org.motif.id, start=start)
    appointment = appointment_service.book(
        session, beneficiary=org.person, slot_id=slot.id, now=start - timedelta(days=1)
    )
    assert appointment is not None
    return appointment


PAGES = ["/console/agendas", "/console/rendez-vous"]
FORMS = [
    "/console/agendas/lieux",
    "/console/agendas/motifs",
    "/console/agendas/plages",
    "/console/agendas/plages/1/supprimer",
    "/console/agendas/plages/1/fin",
    "/console/agendas/absences",
    "/console/agendas/absences/1/supprimer",
    "/console/rendez-vous/1/presence",
]


def test_agenda_pages_and_forms_need_a_session(client: TestClient) -> None:
    for url in PAGES:
        response = client.get(url, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/console/login"), url
    for url in FORMS:
        response = client.post(url, data={"csrf_token": "x"}, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/console/login"), url


def test_an_admin_sees_the_agendas_with_their_forms(client: TestClient, session: Session, a: Org) -> None:
    period = _plage(session, a)
    log_in(client, a.admin)
    page = client.get("/console/agendas")
    assert page.status_code == 200
    html = page.text
    assert re.search(r'href="/console/agendas"\s+aria-current="page">Agendas', html)
    assert "Plages d'ouverture" in html and a.place.name.replace("'", "&#39;") in html
    row = re.search(
        rf'<tr id="plage-{period.id}" data-opening-period-id="{period.id}">(.*?)</tr>', html, re.S
    )
    assert row is not None
    weekday = ("Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche")[period.weekday]
    assert (
        weekday in row.group(1)
        and "14h00 – 16h00" in row.group(1)
        and "Orientation RSA (45 min)" in row.group(1)
    )
    assert f"Du {period.valid_from:%d/%m/%Y} au {period.valid_until:%d/%m/%Y}" in row.group(1)
    for element in (
        'id="form-plage"',
        'id="form-absence"',
        'id="form-lieu"',
        'id="form-motif"',
        "Ajouter la plage",
    ):
        assert element in html
    assert "lecture seule" not in html
    assert "style=" not in html and "<script>" not in html  # CSP: no inline style or script


def test_an_agent_reads_the_agendas_without_any_form(client: TestClient, session: Session, a: Org) -> None:
    period = _plage(session, a)
    token = log_in(client, a.agent)
    html = client.get("/console/agendas").text
    assert "lecture seule" in html and f'id="plage-{period.id}"' in html
    for element in ("form-plage", "form-absence", "form-lieu", "form-motif", "/supprimer"):
        assert element not in html
    # The forms themselves refuse an agent (403), and nothing is written.
    refused = client.post("/console/agendas/plages", data=_plage_form(a, token))
    assert refused.status_code == 403 and "Accès refusé" in refused.text
    for url, form in (
        ("/console/agendas/lieux", {"name": "Annexe", "address": "1 rue Haute"}),
        ("/console/agendas/motifs", {"name": "Atelier", "duration_minutes": "60"}),
        ("/console/agendas/absences", {"start_date": _today().isoformat()}),
        (f"/console/agendas/plages/{period.id}/supprimer", {}),
        (f"/console/agendas/plages/{period.id}/fin", {"valid_until": ""}),
    ):
        response = client.post(url, data={"csrf_token": token, "organisation_id": a.organisation.id, **form})
        assert response.status_code == 403, url
    assert session.scalars(select(OpeningPeriod).filter_by(organisation_id=a.organisation.id)).all() == [
        period
    ]
    assert session.scalars(select(Absence).filter_by(organisation_id=a.organisation.id)).all() == []
    assert [p.name for p in session.scalars(select(Place).filter_by(organisation_id=a.organisation.id))] == [
        a.place.name
    ]


def test_an_admin_adds_a_place_a_motif_and_a_plage(client: TestClient, session: Session, a: Org) -> None:
    token = log_in(client, a.admin)
    place = client.post(
        "/console/agendas/lieux",
        data={
            "csrf_token": token,
            "organisation_id": a.organisation.id,
            "name": "Antenne de Die",
            "address": "2 rue Joseph Reynaud, 26150 Die",
        },
        follow_redirects=False,
    )
    assert place.status_code == 303 and place.headers["location"].endswith("ok=lieu#lieux")
    motif = client.post(
        "/console/agendas/motifs",
        data={
            "csrf_token": token,
            "organisation_id": a.organisation.id,
            "name": "Signature CER",
            "duration_minutes": "30",
        },
        follow_redirects=False,
    )
    assert motif.status_code == 303
    die = session.scalars(
        select(Place).filter_by(organisation_id=a.organisation.id, name="Antenne de Die")
    ).one()
    cer = session.scalars(
        select(Motif).filter_by(organisation_id=a.organisation.id, name="Signature CER")
    ).one()
    assert (die.organisation_id, die.address, cer.duration_minutes) == (
        a.organisation.id,
        "2 rue Joseph Reynaud, 26150 Die",
        30,
    )

    added = client.post(
        "/console/agendas/plages",
        data=_plage_form(a, token, place_id=str(die.id), motif_id=str(cer.id)),
        follow_redirects=False,
    )
    assert added.status_code == 303, added.text
    period = session.scalars(select(OpeningPeriod).filter_by(organisation_id=a.organisation.id)).one()
    slots = list(session.scalars(select(Slot).filter_by(opening_period_id=period.id)))
    # 9:00 to 10:30 in 30-minute slots: 3 a day, on 2 or 3 days of the validity (holidays aside).
    assert len(slots) in (3, 6, 9) and {s.start.astimezone(PARIS).time() for s in slots} <= {
        time(9),
        time(9, 30),
        time(10),
    }
    location = added.headers["location"]
    assert f"crees={len(slots)}" in location and location.endswith(f"#plage-{period.id}")
    html = client.get(location).text
    assert f"Plage d&#39;ouverture ajoutée : {len(slots)} créneaux créés." in html
    assert "Signature CER (30 min)" in html and "Antenne de Die" in html


def test_a_bad_plage_is_shown_again_with_the_error_next_to_the_field(
    client: TestClient, session: Session, a: Org
) -> None:
    token = log_in(client, a.admin)
    refused = client.post(
        "/console/agendas/plages", data=_plage_form(a, token, start_time="11:00", end_time="10:00")
    )
    assert refused.status_code == 422
    html = refused.text
    assert "fr-input-group--error" in html
    assert re.search(r'id="plage-fin-erreur" class="fr-error-text">L&#39;heure de fin doit venir après', html)
    assert 'value="11:00"' in html  # what was typed is kept
    too_short = client.post("/console/agendas/plages", data=_plage_form(a, token, end_time="09:30"))
    assert (
        too_short.status_code == 422
        and "plus courte qu&#39;un rendez-vous de ce motif (45 min)" in too_short.text
    )
    empty_place = client.post(
        "/console/agendas/lieux", data={"csrf_token": token, "organisation_id": a.organisation.id}
    )
    assert empty_place.status_code == 422 and 'id="lieu-nom-erreur"' in empty_place.text
    assert session.scalars(select(OpeningPeriod).filter_by(organisation_id=a.organisation.id)).all() == []


def test_forms_without_the_session_csrf_token_are_403(client: TestClient, session: Session, a: Org) -> None:
    log_in(client, a.admin)
    period = _plage(session, a)
    for url, form in (
        ("/console/agendas/plages", _plage_form(a, "")),
        ("/console/agendas/lieux", {"organisation_id": a.organisation.id, "name": "X", "address": "Y"}),
        (
            "/console/agendas/absences",
            {"organisation_id": a.organisation.id, "start_date": _today().isoformat()},
        ),
        (f"/console/agendas/plages/{period.id}/supprimer", {}),
        (f"/console/rendez-vous/{a.appointment.id}/presence", {"statut": "excused"}),
    ):
        for token in ({}, {"csrf_token": "forged"}):
            response = client.post(url, data={**form, **token}, follow_redirects=False)
            assert response.status_code == 403 and "Requête refusée" in response.text, url
    assert session.get(OpeningPeriod, period.id) is not None
    assert session.scalars(select(Absence).filter_by(organisation_id=a.organisation.id)).all() == []
    session.refresh(a.appointment)
    assert a.appointment.status == "unknown"


def test_an_absence_lists_the_booked_appointments_to_move(
    client: TestClient, session: Session, a: Org
) -> None:
    token = log_in(client, a.admin)
    a.invitation.status = "booked"  # its numbered list can no longer be answered
    booked = a.appointment.slot
    day = booked.start.astimezone(PARIS).date()
    free_same_day = [s.id for s in a.slots if s.start.astimezone(PARIS).date() == day and s.id != booked.id]
    made = client.post(
        "/console/agendas/absences",
        data={
            "csrf_token": token,
            "organisation_id": a.organisation.id,
            "place_id": str(a.place.id),
            "start_date": day.isoformat(),
            "reason": "Formation de l'équipe",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    absence = session.scalars(select(Absence).filter_by(organisation_id=a.organisation.id)).one()
    # A whole local day: from midnight to the next midnight, Paris time.
    assert absence.starts_at == datetime.combine(day, time(0), tzinfo=PARIS)
    assert absence.ends_at == datetime.combine(day + timedelta(days=1), time(0), tzinfo=PARIS)
    assert (absence.place_id, absence.reason) == (a.place.id, "Formation de l'équipe")
    assert made.headers["location"].endswith(f"#absence-{absence.id}")
    assert f"retires={len(free_same_day)}" in made.headers["location"]
    session.expire_all()
    assert all(session.get(Slot, slot_id) is None for slot_id in free_same_day)
    assert session.get(Slot, booked.id) is not None

    html = client.get(made.headers["location"]).text
    assert "Absence enregistrée" in html
    row = re.search(rf'<tr id="absence-{absence.id}" data-absence-id="{absence.id}">(.*?)</tr>', html, re.S)
    assert row is not None
    assert "1 à déplacer" in row.group(
        1
    ) and f'href="/console/beneficiaires/{a.person.id}">Aïcha Benali' in row.group(1)
    assert "Formation de l&#39;équipe" in row.group(1)

    lifted = client.post(
        f"/console/agendas/absences/{absence.id}/supprimer",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert lifted.status_code == 303 and "ok=absence-supprimee" in lifted.headers["location"]
    assert session.scalars(select(Absence).filter_by(organisation_id=a.organisation.id)).all() == []


def test_bad_absences_are_422(client: TestClient, session: Session, a: Org) -> None:
    token = log_in(client, a.admin)
    base = {"csrf_token": token, "organisation_id": a.organisation.id}
    no_date = client.post("/console/agendas/absences", data=base)
    assert no_date.status_code == 422 and 'id="absence-debut-date-erreur"' in no_date.text
    day = (_today() + timedelta(days=5)).isoformat()
    backwards = client.post(
        "/console/agendas/absences",
        data={**base, "start_date": day, "start_time": "14:00", "end_time": "10:00"},
    )
    assert backwards.status_code == 422 and "doit venir après son début" in backwards.text
    assert session.scalars(select(Absence).filter_by(organisation_id=a.organisation.id)).all() == []


def test_deleting_and_ending_a_plage(client: TestClient, session: Session, a: Org) -> None:
    token = log_in(client, a.admin)
    period = _plage(session, a)
    slots = list(session.scalars(select(Slot).filter_by(opening_period_id=period.id).order_by(Slot.start)))
    person = a.person.__class__(organisation_id=a.organisation.id, phone="+33699887766", first_name="Zoé")
    session.add(person)
    session.flush()
    held = appointment_service.book(session, beneficiary=person, slot_id=slots[-1].id, now=utcnow())
    assert held is not None

    ended = client.post(
        f"/console/agendas/plages/{period.id}/fin",
        data={"csrf_token": token, "valid_until": period.valid_from.isoformat()},
        follow_redirects=False,
    )
    assert ended.status_code == 303 and "ok=plage-modifiee" in ended.headers["location"]
    session.refresh(period)
    assert period.valid_until == period.valid_from
    bad_end = client.post(
        f"/console/agendas/plages/{period.id}/fin",
        data={"csrf_token": token, "valid_until": (period.valid_from - timedelta(days=1)).isoformat()},
    )
    assert bad_end.status_code == 422 and f'id="plage-{period.id}-dernier-jour-erreur"' in bad_end.text

    deleted = client.post(
        f"/console/agendas/plages/{period.id}/supprimer", data={"csrf_token": token}, follow_redirects=False
    )
    assert deleted.status_code == 303
    assert (
        deleted.headers["location"].endswith("#a-deplacer")
        and f"deplacer={held.id}" in deleted.headers["location"]
    )
    assert session.get(OpeningPeriod, period.id) is None
    html = client.get(deleted.headers["location"]).text
    block = re.search(r'id="a-deplacer">(.*?)</div>', html, re.S)
    assert block is not None and "Zoé" in block.group(1) and "Rendez-vous à déplacer (1)" in block.group(1)


def test_another_organisations_ids_are_404(client: TestClient, session: Session, a: Org, b: Org) -> None:
    token = log_in(client, a.admin)
    b_period = _plage(session, b)
    start = datetime.combine(_today() + timedelta(days=60), time(9), tzinfo=PARIS)
    b_absence, _ = agenda_changes.create_absence(
        session,
        organisation_id=b.organisation.id,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        now=utcnow(),
    )
    missing = client.get("/console/agendas?organisation=999999")
    foreign = client.get(f"/console/agendas?organisation={b.organisation.id}")
    assert missing.status_code == foreign.status_code == 404 and missing.text == foreign.text
    assert "Bruno" not in foreign.text
    for url, form in (
        ("/console/agendas/plages", _plage_form(b, token)),
        ("/console/agendas/plages", _plage_form(a, token, place_id=str(b.place.id))),
        ("/console/agendas/lieux", {"organisation_id": b.organisation.id, "name": "X", "address": "Y"}),
        (f"/console/agendas/plages/{b_period.id}/supprimer", {}),
        (f"/console/agendas/plages/{b_period.id}/fin", {"valid_until": ""}),
        (f"/console/agendas/absences/{b_absence.id}/supprimer", {}),
        (f"/console/rendez-vous/{b.appointment.id}/presence", {"statut": "excused"}),
    ):
        response = client.post(url, data={"csrf_token": token, **form})
        assert response.status_code == 404 and "Page introuvable" in response.text, url
    assert (
        session.get(OpeningPeriod, b_period.id) is not None and session.get(Absence, b_absence.id) is not None
    )
    session.refresh(b.appointment)
    assert b.appointment.status == "unknown"
    # The appointments page shows only the caller's organisations.
    b_day = b.appointment.slot.start.astimezone(PARIS).date().isoformat()
    assert "Bruno" not in client.get("/console/rendez-vous", params={"jour": b_day, "vue": "semaine"}).text


def test_the_day_and_the_week_of_appointments(client: TestClient, session: Session, a: Org) -> None:
    log_in(client, a.agent)
    slot = a.appointment.slot
    day = slot.start.astimezone(PARIS).date()
    page = client.get("/console/rendez-vous", params={"jour": day.isoformat()})
    assert page.status_code == 200
    html = page.text
    assert re.search(r'href="/console/rendez-vous"\s+aria-current="page">Rendez-vous', html)
    row = re.search(
        rf'<tr id="rdv-{a.appointment.id}" data-appointment-id="{a.appointment.id}"[^>]*>(.*?)</tr>',
        html,
        re.S,
    )
    assert row is not None
    local = slot.start.astimezone(PARIS)
    assert f"{local.hour}h{local.minute:02d} – " in row.group(1)
    assert f'href="/console/beneficiaires/{a.person.id}">Aïcha Benali</a>' in row.group(1)
    assert "À venir" in row.group(1) and a.motif.name in row.group(1)
    # Not started yet: it can be cancelled, not marked seen.
    buttons = re.findall(r'name="statut" value="(\w+)"', row.group(1))
    assert buttons == ["excused", "revoked"]
    assert "Annulé par nous" in row.group(1) and "Excusé" in row.group(1)
    # Navigation: the day before and after; the week from Monday to Sunday.
    assert f'href="/console/rendez-vous?jour={(day - timedelta(days=1)).isoformat()}&amp;vue=jour"' in html
    assert f'href="/console/rendez-vous?jour={(day + timedelta(days=1)).isoformat()}&amp;vue=jour"' in html
    other_day = client.get(
        "/console/rendez-vous", params={"jour": (day + timedelta(days=1)).isoformat()}
    ).text
    assert f'id="rdv-{a.appointment.id}"' not in other_day
    week = client.get("/console/rendez-vous", params={"jour": day.isoformat(), "vue": "semaine"}).text
    monday = day - timedelta(days=day.weekday())
    assert (
        f'id="jour-{monday.isoformat()}"' in week
        and f'id="jour-{(monday + timedelta(days=6)).isoformat()}"' in week
    )
    assert f'id="rdv-{a.appointment.id}"' in week and "Semaine du lundi" in week
    assert client.get("/console/rendez-vous", params={"jour": "n'importe quoi"}).status_code == 200


def test_attendance_is_recorded_in_the_appointment_and_the_carnet(
    client: TestClient, session: Session, a: Org
) -> None:
    token = log_in(client, a.agent)
    past = _past_appointment(session, a)
    day = past.slot.start.astimezone(PARIS).date().isoformat()
    html = client.get("/console/rendez-vous", params={"jour": day}).text
    row = re.search(rf'<tr id="rdv-{past.id}"[^>]*>(.*?)</tr>', html, re.S)
    assert row is not None and "Présence à renseigner" in row.group(1)
    assert re.findall(r'name="statut" value="(\w+)"', row.group(1)) == [
        "seen",
        "noshow",
        "excused",
        "revoked",
    ]

    seen = client.post(
        f"/console/rendez-vous/{past.id}/presence",
        data={"csrf_token": token, "statut": "seen", "jour": day, "vue": "jour"},
        follow_redirects=False,
    )
    assert seen.status_code == 303
    assert (
        seen.headers["location"] == f"/console/rendez-vous?jour={day}&vue=jour&ok=presence-seen#rdv-{past.id}"
    )
    session.refresh(past)
    assert past.status == "seen"
    entry = session.scalars(
        select(CarnetEntry).where(
            CarnetEntry.beneficiary_id == a.person.id, CarnetEntry.kind == "appointment_seen"
        )
    ).one()
    assert (entry.author, entry.data) == (
        "professional",
        {"appointment_id": past.id, "slot_id": past.slot_id, "user_id": a.agent.user.id},
    )
    page = client.get(seen.headers["location"]).text
    assert "Présence enregistrée : vu." in page
    assert re.search(rf'<tr id="rdv-{past.id}"[^>]*data-status="seen"', page)
    carnet = client.get(f"/console/beneficiaires/{a.person.id}").text
    assert "Rendez-vous honoré" in carnet and a.agent.user.email in carnet

    # A correction: absent after all.
    client.post(
        f"/console/rendez-vous/{past.id}/presence",
        data={"csrf_token": token, "statut": "noshow", "jour": day},
    )
    session.refresh(past)
    assert past.status == "noshow"
    # Something else than the four statuses: 422 on the page, nothing changes.
    bad = client.post(
        f"/console/rendez-vous/{past.id}/presence",
        data={"csrf_token": token, "statut": "present", "jour": day},
    )
    assert bad.status_code == 422 and f'id="rdv-{past.id}-erreur"' in bad.text
    session.refresh(past)
    assert past.status == "noshow"


def test_a_future_appointment_cannot_be_marked_seen_and_revoking_tells_the_person(
    client: TestClient, session: Session, a: Org
) -> None:
    token = log_in(client, a.admin)
    appointment = a.appointment
    too_early = client.post(
        f"/console/rendez-vous/{appointment.id}/presence",
        data={"csrf_token": token, "statut": "seen"},
        follow_redirects=False,
    )
    assert too_early.status_code == 303 and "ok=trop-tot" in too_early.headers["location"]
    session.refresh(appointment)
    assert appointment.status == "unknown"
    assert "une fois le rendez-vous commencé" in client.get(too_early.headers["location"]).text

    revoked = client.post(
        f"/console/rendez-vous/{appointment.id}/presence",
        data={"csrf_token": token, "statut": "revoked"},
        follow_redirects=False,
    )
    assert revoked.status_code == 303 and "ok=presence-revoked" in revoked.headers["location"]
    session.refresh(appointment)
    assert appointment.status == "revoked"
    session.refresh(appointment.slot)
    assert appointment.slot.booked_count == 0
    [sms] = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.beneficiary_id == a.person.id, OutboxMessage.kind == "revocation"
        )
    ).all()
    assert "annul" in sms.body.lower()
    kinds = session.scalars(select(CarnetEntry.kind).where(CarnetEntry.beneficiary_id == a.person.id)).all()
    assert "appointment_revoked" in kinds
    again = client.post(
        f"/console/rendez-vous/{appointment.id}/presence",
        data={"csrf_token": token, "statut": "excused"},
        follow_redirects=False,
    )
    assert "ok=deja-annule" in again.headers["location"]
    session.refresh(appointment)
    assert appointment.status == "revoked"
