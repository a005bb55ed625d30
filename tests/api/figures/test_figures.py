"""Figures per organisation and period: a week of activity built through the services, with
known dates, delays and segments, and the exact numbers it must give (service, JSON, CSV)."""

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.appointments import service as appointment_service
from api.appointments.models import Appointment
from api.barriers import service as barrier_service
from api.beneficiaries.models import Beneficiary
from api.db import utcnow
from api.figures import service as figures_service
from api.figures.service import BarrierCount, Bucket
from api.invitations import service as invitation_service
from api.messaging import outbox
from api.messaging.inbound import record_inbound
from api.organisations.models import Organisation
from tests.api import factories as f
from tests.api.accounts.factories import make_account

PARIS = ZoneInfo("Europe/Paris")
REUNION = ZoneInfo("Indian/Reunion")
WEEK = (date(2026, 11, 2), date(2026, 11, 8))  # Monday to Sunday; Paris is UTC+1 then
AFTER = datetime(2026, 11, 20, 12, tzinfo=PARIS)  # when the figures are read
_sids = count(1)


def paris(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=PARIS)


@dataclass
class Week:
    organisation: Organisation
    people: dict[str, Beneficiary]
    appointments: dict[str, Appointment]


def _invite(session: Session, person: Beneficiary, motif_id: int, at: datetime) -> int:
    invitation = invitation_service.create_invitation(
        session, beneficiary_id=person.id, motif_id=motif_id, now=at
    )
    return invitation.id


def _book(
    session: Session, person: Beneficiary, slot_id: int, at: datetime, invitation_id: int | None = None
) -> Appointment:
    appointment = appointment_service.book(
        session, beneficiary=person, slot_id=slot_id, now=at, invitation_id=invitation_id
    )
    assert appointment is not None
    return appointment


def _sent(session: Session, person: Beneficiary | None, body: str, at: datetime, **kwargs) -> None:
    """A message queued through the outbox, then handed to Twilio at `at` (what the dispatcher
    records), or left in another state."""
    state = kwargs.pop("state", "sent")
    message = outbox.enqueue(session, beneficiary=person, body=body, kind="reply", **kwargs)
    message.state = state
    if state == "sent":
        message.sent_at = at
        message.provider_sid = f"SMfigures{next(_sids)}"
    session.flush()


def _inbound(session: Session, person: Beneficiary | None, at: datetime, channel: str = "sms") -> None:
    with time_machine.travel(at, tick=False):
        message, _created = record_inbound(
            session,
            message_sid=f"SMin{next(_sids)}",
            channel=channel,
            from_phone=person.phone if person else "+33700000099",
            to_address="38000",
            body="oui",
            num_media=0,
        )
    message.beneficiary_id = person.id if person else None  # as the gateway's triage does
    session.flush()


def _barrier(session: Session, person: Beneficiary, group: str, at: datetime) -> None:
    with time_machine.travel(at, tick=False):
        barrier_service.record_barrier(
            session, beneficiary=person, group=group, words="un frein", source="conversation", now=at
        )


def build_week(session: Session, name: str = "Département de la Drôme") -> Week:
    """One organisation's week of 2 to 8 November 2026 (Paris), with activity just outside it.

    In the week: 5 invitations (P1, P6 on Monday, P2, P3, P4), 3 of them booked after 6 h, 24 h
    and 192 h (P3 books on 12 November, after the week); 5 appointments whose slot is in the week
    (seen and confirmed, noshow, confirmed but not marked, excused, revoked); 6 bookings made;
    SMS of 1 and 2 segments; one WhatsApp message; 2 inbound messages; 4 barriers.
    """
    org = f.organisation(session, name=name)
    place, motif = f.place(session, org), f.motif(session, org)
    starts = {
        "S1": paris(5, 9),
        "S2": paris(6, 14),
        "S3": paris(16, 9),
        "S5": paris(6, 9),
        "S8": paris(5, 14),
        "S9": paris(8, 23),  # the week's last hour
        "S10": datetime(2026, 11, 9, 0, 0, tzinfo=PARIS),  # the next week's first minute
    }
    slots = dict(zip(starts, f.slots(session, place, motif, list(starts.values())), strict=True))
    f.slots(session, place, motif, [paris(23, hour) for hour in (9, 10, 11, 14)])  # offered, never booked
    people = {key: f.beneficiary(session, org, first_name=key) for key in ("P1", "P2", "P3", "P4", "P5")}
    people |= {key: f.beneficiary(session, org, first_name=key) for key in ("P6", "P7", "P8", "P9", "P10")}
    p = people

    i1 = _invite(session, p["P1"], motif.id, paris(2, 9))
    i2 = _invite(session, p["P2"], motif.id, paris(3, 10))
    i3 = _invite(session, p["P3"], motif.id, paris(4, 10))
    _invite(session, p["P4"], motif.id, paris(5, 10))
    i5 = _invite(session, p["P5"], motif.id, datetime(2026, 11, 1, 23, 30, tzinfo=PARIS))  # Sunday before
    _invite(session, p["P6"], motif.id, paris(2, 0, 30))  # the week's first hour
    _invite(session, p["P7"], motif.id, datetime(2026, 11, 9, 0, 0, tzinfo=PARIS))  # the week after

    a = {
        "A1": _book(session, p["P1"], slots["S1"].id, paris(2, 15), i1),  # 6 h after the invitation
        "A5": _book(session, p["P5"], slots["S5"].id, paris(2, 8), i5),
        "A8": _book(session, p["P8"], slots["S8"].id, paris(3, 12)),  # booked by a professional
        "A9": _book(session, p["P9"], slots["S9"].id, paris(3, 13)),
        "A10": _book(session, p["P10"], slots["S10"].id, paris(3, 14)),
        "A2": _book(session, p["P2"], slots["S2"].id, paris(4, 10), i2),  # 24 h
        "A3": _book(session, p["P3"], slots["S3"].id, paris(12, 10), i3),  # 192 h, after the week
    }
    # Moving A1 opens an offer of kind "move": not an invitation sent.
    assert invitation_service.open_move_offer(session, appointment=a["A1"], now=paris(4, 12))
    appointment_service.confirm(session, appointment=a["A1"], now=paris(4, 10))
    appointment_service.confirm(session, appointment=a["A5"], now=paris(4, 11))
    assert not appointment_service.cancel_by_person(session, appointment=a["A8"], now=paris(4, 9))
    appointment_service.set_status(session, appointment_id=a["A9"].id, status="revoked", now=paris(5, 9))
    appointment_service.set_status(session, appointment_id=a["A1"].id, status="seen", now=paris(5, 10))
    appointment_service.set_status(session, appointment_id=a["A2"].id, status="noshow", now=paris(6, 15))

    _sent(session, p["P1"], "a" * 150, paris(2, 10))  # 1 segment
    _sent(session, p["P2"], "b" * 200, datetime(2026, 11, 8, 23, 30, tzinfo=PARIS))  # 2 segments
    _sent(session, p["P3"], "c" * 400, datetime(2026, 11, 9, 0, 10, tzinfo=PARIS))  # after the week
    _sent(session, p["P4"], "d" * 150, paris(3, 10), state="failed")
    _sent(session, p["P1"], "e" * 400, paris(4, 10), channel="whatsapp")  # WhatsApp: no segments
    _sent(session, None, "f" * 150, paris(4, 10), to_phone="+33700000099")  # unknown number
    _inbound(session, p["P1"], paris(3, 11))
    _inbound(session, p["P2"], paris(4, 11), channel="whatsapp")
    _inbound(session, p["P1"], paris(10, 11))  # after the week
    _inbound(session, None, paris(3, 11))  # unknown number

    _barrier(session, p["P1"], "garde_enfants", paris(3, 12))
    _barrier(session, p["P2"], "garde_enfants", paris(4, 12))
    _barrier(session, p["P2"], "mobilite", paris(4, 12, 5))
    _barrier(session, p["P1"], "garde_enfants", paris(5, 12))
    _barrier(session, p["P3"], "logement", paris(10, 12))  # after the week
    return Week(org, people, a)


def build_other(session: Session) -> Week:
    """Another organisation, active in the same week: one invitation booked after 2 hours."""
    org = f.organisation(session, name="Département B")
    place, motif = f.place(session, org), f.motif(session, org)
    [slot] = f.slots(session, place, motif, [paris(5, 10)])
    f.slots(session, place, motif, [paris(24, 10)])
    person = f.beneficiary(session, org, first_name="Bruno")
    invitation = _invite(session, person, motif.id, paris(2, 9))
    appointment = _book(session, person, slot.id, paris(2, 11), invitation)
    _sent(session, person, "g" * 150, paris(3, 10))
    _inbound(session, person, paris(3, 10))
    _barrier(session, person, "mobilite", paris(3, 12))
    return Week(org, {"B1": person}, {"B1": appointment})


@pytest.fixture
def week(session: Session) -> Week:
    a = build_week(session)
    build_other(session)
    return a


def compute(session: Session, org: Organisation, start: date, end: date, **kwargs) -> figures_service.Figures:
    tz = ZoneInfo(org.time_zone)
    now = kwargs.pop("now", AFTER)
    return figures_service.compute(session, organisation_id=org.id, start=start, end=end, tz=tz, now=now)


NO_BARRIERS = [
    BarrierCount(group, 0, 0)
    for group in ("garde_enfants", "mobilite", "permis", "logement", "sante", "numerique")
]


# --------------------------------------------------------------------------- service


def test_a_week_gives_the_defined_figures(session: Session, week: Week) -> None:
    figures = compute(session, week.organisation, *WEEK)
    assert (figures.invitations_sent, figures.invitations_booked) == (5, 3)
    assert figures.booking_rate == 0.6
    assert figures.median_delay_hours == 24.0 and figures.median_delay_days == 1.0
    assert (figures.appointments, figures.confirmed, figures.confirmation_rate) == (5, 2, 0.4)
    counts = (figures.seen, figures.noshow, figures.excused, figures.revoked)
    assert counts == (1, 1, 1, 1)
    assert (figures.not_marked, figures.upcoming) == (1, 0)
    assert figures.noshow_rate == 0.5 and figures.not_marked_rate == pytest.approx(1 / 3)
    assert (figures.sms_messages, figures.sms_segments, figures.whatsapp_messages) == (2, 3, 1)
    assert figures.inbound_messages == 2
    assert figures.barriers == [
        BarrierCount("garde_enfants", 3, 2),
        BarrierCount("mobilite", 1, 1),
        *NO_BARRIERS[2:],
    ]
    assert figures.granularity == "day"
    assert figures.series == [
        Bucket(date(2026, 11, 2), date(2026, 11, 2), 2, 2),
        Bucket(date(2026, 11, 3), date(2026, 11, 3), 1, 3),
        Bucket(date(2026, 11, 4), date(2026, 11, 4), 1, 1),
        Bucket(date(2026, 11, 5), date(2026, 11, 5), 1, 0),
        Bucket(date(2026, 11, 6), date(2026, 11, 6), 0, 0),
        Bucket(date(2026, 11, 7), date(2026, 11, 7), 0, 0),
        Bucket(date(2026, 11, 8), date(2026, 11, 8), 0, 0),
    ]


def test_another_organisation_counts_only_its_own(session: Session, week: Week) -> None:
    other = session.query(Organisation).filter_by(name="Département B").one()
    figures = compute(session, other, *WEEK)
    assert (figures.invitations_sent, figures.invitations_booked, figures.median_delay_hours) == (1, 1, 2.0)
    assert (figures.appointments, figures.not_marked, figures.sms_segments, figures.inbound_messages) == (
        1,
        1,
        1,
        1,
    )
    assert figures.barriers == [NO_BARRIERS[0], BarrierCount("mobilite", 1, 1), *NO_BARRIERS[2:]]
    assert sum(b.invitations for b in figures.series) == 1 and sum(b.bookings for b in figures.series) == 1


def test_what_is_still_to_come_is_not_unmarked(session: Session, week: Week) -> None:
    """Read on 6 November at 8:00: A5 (that day at 9:00) is to come, not forgotten."""
    figures = compute(session, week.organisation, *WEEK, now=paris(6, 8))
    assert (figures.not_marked, figures.upcoming, figures.not_marked_rate) == (0, 1, 0.0)


def test_a_long_period_has_a_weekly_series_cut_at_its_edges(session: Session, week: Week) -> None:
    figures = compute(session, week.organisation, date(2026, 11, 4), date(2026, 12, 15))
    assert figures.granularity == "week"
    weeks = [(b.start, b.end, b.invitations, b.bookings) for b in figures.series]
    assert weeks == [
        (date(2026, 11, 4), date(2026, 11, 8), 2, 1),  # Wednesday to Sunday: P3, P4; A2
        (date(2026, 11, 9), date(2026, 11, 15), 1, 1),  # P7 at midnight; A3 on the 12th
        (date(2026, 11, 16), date(2026, 11, 22), 0, 0),
        (date(2026, 11, 23), date(2026, 11, 29), 0, 0),
        (date(2026, 11, 30), date(2026, 12, 6), 0, 0),
        (date(2026, 12, 7), date(2026, 12, 13), 0, 0),
        (date(2026, 12, 14), date(2026, 12, 15), 0, 0),  # Monday and Tuesday
    ]
    assert (figures.invitations_sent, figures.invitations_booked) == (3, 1)
    assert figures.median_delay_hours == 192.0 and figures.median_delay_days == 8.0


def test_an_empty_period_divides_nothing(session: Session) -> None:
    org = f.organisation(session, name="Vide")
    figures = compute(session, org, *WEEK)
    assert (figures.invitations_sent, figures.appointments, figures.sms_segments) == (0, 0, 0)
    for value in (
        figures.booking_rate,
        figures.median_delay_hours,
        figures.median_delay_days,
        figures.confirmation_rate,
        figures.noshow_rate,
        figures.not_marked_rate,
    ):
        assert value is None
    assert figures.barriers == NO_BARRIERS
    assert [(b.invitations, b.bookings) for b in figures.series] == [(0, 0)] * 7


def test_period_edges_are_local_midnights() -> None:
    assert figures_service.utc_bounds(*WEEK, PARIS) == (
        datetime(2026, 11, 1, 23, tzinfo=UTC),
        datetime(2026, 11, 8, 23, tzinfo=UTC),
    )
    # 25 October 2026 lasts 25 hours in Paris (back to winter time).
    assert figures_service.utc_bounds(date(2026, 10, 25), date(2026, 10, 25), PARIS) == (
        datetime(2026, 10, 24, 22, tzinfo=UTC),
        datetime(2026, 10, 25, 23, tzinfo=UTC),
    )
    assert figures_service.utc_bounds(date(2026, 11, 2), date(2026, 11, 2), REUNION) == (
        datetime(2026, 11, 1, 20, tzinfo=UTC),
        datetime(2026, 11, 2, 20, tzinfo=UTC),
    )


def test_an_overseas_organisation_counts_its_own_days(session: Session) -> None:
    org = f.organisation(session, tz="Indian/Reunion", name="Département de La Réunion")
    place, motif = f.place(session, org), f.motif(session, org)
    f.slots(session, place, motif, [datetime(2026, 11, 20, 9, tzinfo=REUNION)])
    early = f.beneficiary(session, org)
    late = f.beneficiary(session, org)
    # 2 November 00:30 in Réunion is still 1 November in Paris and in UTC.
    _invite(session, early, motif.id, datetime(2026, 11, 1, 20, 30, tzinfo=UTC))
    # 2 November 21:30 in UTC (and in Paris) is already 3 November in Réunion.
    _invite(session, late, motif.id, datetime(2026, 11, 2, 21, 30, tzinfo=UTC))
    figures = figures_service.compute(
        session, organisation_id=org.id, start=date(2026, 11, 2), end=date(2026, 11, 2), tz=REUNION, now=AFTER
    )
    assert figures.invitations_sent == 1 and figures.time_zone == "Indian/Reunion"
    paris_view = figures_service.compute(
        session, organisation_id=org.id, start=date(2026, 11, 2), end=date(2026, 11, 2), tz=PARIS, now=AFTER
    )
    assert paris_view.invitations_sent == 1  # the other one: counted by the day it was in Paris


def test_period_defaults_and_limits() -> None:
    today = date(2026, 11, 28)
    assert figures_service.resolve_period(None, None, today=today) == (date(2026, 10, 30), today)
    assert figures_service.resolve_period(date(2026, 11, 1), None, today=today) == (date(2026, 11, 1), today)
    assert figures_service.resolve_period(None, date(2026, 11, 8), today=today) == (
        date(2026, 10, 10),
        date(2026, 11, 8),
    )
    assert figures_service.resolve_period(date(2026, 12, 5), None, today=today) == (
        date(2026, 12, 5),
        date(2026, 12, 5),
    )
    assert figures_service.period_problem(date(2025, 11, 29), today) is None  # 365 days
    assert figures_service.period_problem(date(2025, 11, 28), today) is None  # 366 days
    assert figures_service.period_problem(date(2025, 11, 27), today) == "too_long"
    assert figures_service.period_problem(today, today) is None
    assert figures_service.period_problem(today + timedelta(days=1), today) == "start_after_end"


# --------------------------------------------------------------------------- REST


def test_the_json_of_a_week(client: TestClient, session: Session, week: Week) -> None:
    agent = make_account(session, {week.organisation.id: "agent"})
    response = client.get(
        "/api/figures",
        params={"organisation_id": week.organisation.id, "start": "2026-11-02", "end": "2026-11-08"},
        headers=agent.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["start"], body["end"], body["time_zone"]) == ("2026-11-02", "2026-11-08", "Europe/Paris")
    assert body["invitations"] == {
        "sent": 5,
        "booked": 3,
        "booking_rate": 0.6,
        "median_delay_hours": 24.0,
        "median_delay_days": 1.0,
    }
    appointments = body["appointments"]
    assert appointments["total"] == 5 and appointments["confirmation_rate"] == 0.4
    assert appointments["noshow_rate"] == 0.5 and appointments["not_marked"] == 1
    assert body["messages"] == {"sms_sent": 2, "sms_segments": 3, "whatsapp_sent": 1, "inbound": 2}
    assert body["barriers"][:2] == [
        {"group": "garde_enfants", "entries": 3, "people": 2},
        {"group": "mobilite", "entries": 1, "people": 1},
    ]
    assert body["series"]["granularity"] == "day"
    assert [(p["start"], p["invitations"], p["bookings"]) for p in body["series"]["points"][:3]] == [
        ("2026-11-02", 2, 2),
        ("2026-11-03", 1, 3),
        ("2026-11-04", 1, 1),
    ]


def test_an_empty_period_is_null_rates_in_json(client: TestClient, session: Session) -> None:
    org = f.organisation(session, name="Vide")
    admin = make_account(session, {org.id: "admin"})
    params = {"organisation_id": org.id, "start": "2026-11-02", "end": "2026-11-08"}
    body = client.get("/api/figures", params=params, headers=admin.headers).json()
    assert body["invitations"]["booking_rate"] is None and body["invitations"]["median_delay_hours"] is None
    assert body["appointments"]["confirmation_rate"] is None and body["appointments"]["noshow_rate"] is None


def test_the_csv_has_the_same_figures_for_french_spreadsheets(
    client: TestClient, session: Session, week: Week
) -> None:
    agent = make_account(session, {week.organisation.id: "agent"})
    response = client.get(
        "/api/figures.csv",
        params={"organisation_id": week.organisation.id, "start": "2026-11-02", "end": "2026-11-08"},
        headers=agent.headers,
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="chiffres_departement-de-la-drome_2026-11-02_2026-11-08.csv"'
    )
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 byte order mark
    values = csv_values(response.content)
    assert values[("Période", "Organisation")] == "Département de la Drôme"
    assert values[("Invitations", "Invitations envoyées")] == "5"
    assert values[("Invitations", "Taux de prise de rendez-vous (%)")] == "60"
    assert values[("Invitations", "Délai médian invitation - rendez-vous (heures)")] == "24"
    assert values[("Rendez-vous", "Taux de confirmation (%)")] == "40"
    assert values[("Rendez-vous", "Part non renseignée (%)")] == "33,3"
    assert values[("Messages", "Segments SMS facturés")] == "3"
    assert values[("Freins : signalements", "Garde d'enfants")] == "3"
    assert values[("Freins : personnes", "Garde d'enfants")] == "2"
    assert values[("Rendez-vous pris par jour", "2026-11-03")] == "3"


def csv_values(content: bytes) -> dict[tuple[str, str], str]:
    """(Rubrique, Indicateur) -> Valeur, reading the file as a French spreadsheet would."""
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Rubrique", "Indicateur", "Valeur"]
    assert all(len(row) == 3 for row in rows)
    return {(row[0], row[1]): row[2] for row in rows[1:]}


def test_members_only_and_another_organisation_is_404(
    client: TestClient, session: Session, week: Week
) -> None:
    other = session.query(Organisation).filter_by(name="Département B").one()
    agent = make_account(session, {week.organisation.id: "agent"})
    operator = make_account(session, superadmin=True)
    for path in ("/api/figures", "/api/figures.csv"):
        assert client.get(path, params={"organisation_id": week.organisation.id}).status_code == 401
        foreign = client.get(path, params={"organisation_id": other.id}, headers=agent.headers)
        missing = client.get(path, params={"organisation_id": 987654321}, headers=agent.headers)
        assert foreign.status_code == missing.status_code == 404
        assert foreign.json() == missing.json()
        # The platform operator is no member: figures of an organisation are for its members.
        assert (
            client.get(path, params={"organisation_id": other.id}, headers=operator.headers).status_code
            == 404
        )


def test_period_validation_and_default(client: TestClient, session: Session) -> None:
    org = f.organisation(session, tz="Indian/Reunion", name="Réunion")
    agent = make_account(session, {org.id: "agent"})

    def get(**params: object):
        return client.get("/api/figures", params={"organisation_id": org.id, **params}, headers=agent.headers)

    today = utcnow().astimezone(REUNION).date()
    default = get().json()
    assert (default["start"], default["end"]) == ((today - timedelta(days=29)).isoformat(), today.isoformat())
    assert len(default["series"]["points"]) == 30
    assert get(start="2026-11-09", end="2026-11-08").status_code == 422
    assert "on or before" in get(start="2026-11-09", end="2026-11-08").json()["detail"]
    assert get(start="2025-11-07", end="2026-11-08").status_code == 422  # 367 days
    year = get(start="2025-11-08", end="2026-11-08")  # 366 days
    assert year.status_code == 200 and year.json()["series"]["granularity"] == "week"
    assert len(year.json()["series"]["points"]) == 53
    assert get(start="08/11/2026").status_code == 422
    assert (
        client.get(
            "/api/figures.csv",
            params={"organisation_id": org.id, "start": "2026-11-09", "end": "2026-11-08"},
            headers=agent.headers,
        ).status_code
        == 422
    )
