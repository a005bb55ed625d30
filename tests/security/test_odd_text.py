"""Odd text never loses a message: stored (cleaned), in the carnet, answered, never a 500.

Through the real gateway app in-process, as Twilio calls it (signed webhooks), on the test
database: SQLite by default, PostgreSQL with SPIE_TEST_DATABASE_URL (PostgreSQL refuses NUL in
text: an SMS with a NUL byte was an HTTP 500 and lost). Rasa is down in-process (tests/conftest.py):
a message triage forwards to Rasa is answered with the technical-problem apology.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.agenda.slot_choice import OfferedSlot, resolve_slot_choice
from api.carnet.models import CarnetEntry
from api.db import session_scope
from api.handoffs.models import HandoffRequest
from api.messaging import texts
from api.messaging.models import InboundMessage, OutboxMessage
from api.text_safety import (
    MAX_TEXT_CHARS,
    ascii_digits,
    ascii_int,
    clean_inbound_text,
    parse_count,
)
from bot.main import create_app
from tests.api import factories as f
from tests.api.console.conftest import log_in
from tests.api.world import Org, build_org
from tests.security.gateway import inbound_params, post_raw_signed, post_signed, raw_form, wait_for

LONG = ("Bonjour, je vous écris au sujet de mon rendez-vous. " * 200)[:10_000]

# (id, Body as Twilio sends it, Body as stored and read everywhere, the answer)
ODD_TEXTS = [
    ("nul", "le 2\x00 svp", "le 2 svp", texts.TECHNICAL_PROBLEM),
    ("only-nul", "\x00\x00", "", texts.EMPTY_MESSAGE),
    (
        "controls",
        "bon\x01jour\x1b[0m\x7f\x85\r\nmerci\tà vous\x0c",
        "bonjour[0m\nmerci\tà vous",
        texts.TECHNICAL_PROBLEM,
    ),
    ("superscript-two", "le ²", "le ²", texts.TECHNICAL_PROBLEM),
    ("arabic-indic-two", "le ٢", "le ٢", texts.TECHNICAL_PROBLEM),
    ("fullwidth-two", "le ２", "le ２", texts.TECHNICAL_PROBLEM),
    (
        "bidi-marks",
        "\u200fle 2\u200e \u202bمرحبا\u202c \u2067x\u2069\ufeff",
        "le 2 مرحبا x",
        texts.TECHNICAL_PROBLEM,
    ),
    ("stop-behind-rlm", "\u200fSTOP\u200e", "STOP", texts.OPTED_OUT),
    ("emoji-only", "👍🏽👨‍👩‍👧❤️", "👍🏽👨‍👩‍👧❤️", texts.TECHNICAL_PROBLEM),
    ("ten-thousand-chars", LONG, LONG, texts.TOO_LONG),
]


@pytest.fixture(scope="module")
def gateway() -> Iterator[TestClient]:
    with TestClient(create_app()) as client:
        yield client


def _person() -> tuple[int, str]:
    with session_scope() as session:
        person = f.beneficiary(session, f.organisation(session))
        session.commit()
        return person.id, person.phone


def _handled(message_sid: str) -> InboundMessage | None:
    with session_scope() as session:
        inbound = session.scalar(select(InboundMessage).where(InboundMessage.message_sid == message_sid))
        if inbound is None or inbound.state != "done":
            return None
        replied = session.scalar(select(OutboxMessage.id).where(OutboxMessage.in_reply_to_id == inbound.id))
        return inbound if replied else None


def _check_kept_and_answered(message_sid: str, person_id: int, stored: str, answer: str) -> InboundMessage:
    inbound = wait_for(lambda: _handled(message_sid), what=f"{message_sid} handled and answered")
    assert isinstance(inbound, InboundMessage)
    assert inbound.body == stored
    assert inbound.beneficiary_id == person_id
    with session_scope() as session:
        carnet = list(
            session.scalars(
                select(CarnetEntry).where(
                    CarnetEntry.inbound_message_id == inbound.id, CarnetEntry.kind == "inbound_message"
                )
            )
        )
        replies = list(
            session.scalars(select(OutboxMessage.body).where(OutboxMessage.in_reply_to_id == inbound.id))
        )
        handoff_texts = list(
            session.scalars(
                select(HandoffRequest.text).where(HandoffRequest.inbound_message_id == inbound.id)
            )
        )
    assert [entry.body for entry in carnet] == [stored]
    assert [entry.beneficiary_id for entry in carnet] == [person_id]
    assert replies[0] == answer
    # A professional who takes the message over reads the same text.
    assert all(text == stored for text in handoff_texts)
    return inbound


@pytest.mark.parametrize(
    "body,stored,answer", [case[1:] for case in ODD_TEXTS], ids=[case[0] for case in ODD_TEXTS]
)
def test_odd_text_through_the_signed_webhook_is_kept_and_answered(
    gateway: TestClient, body: str, stored: str, answer: str
) -> None:
    person_id, phone = _person()
    params = inbound_params(phone, body)
    response = post_signed(gateway, params)
    assert response.status_code == 200, response.text
    _check_kept_and_answered(params["MessageSid"], person_id, stored, answer)


def test_invalid_utf8_in_the_webhook_is_replaced_not_lost(gateway: TestClient) -> None:
    """%ED%A0%80 is a surrogate encoded as UTF-8 (CESU), %FF no UTF-8 at all: each byte that
    cannot be read becomes U+FFFD."""
    person_id, phone = _person()
    params = inbound_params(phone, "")
    del params["Body"]
    response = post_raw_signed(gateway, raw_form(params, Body="le%202%20%ED%A0%80%FF%F0%9F%91%8D"))
    assert response.status_code == 200, response.text
    stored = "le 2 \ufffd\ufffd\ufffd\ufffd👍"
    _check_kept_and_answered(params["MessageSid"], person_id, stored, texts.TECHNICAL_PROBLEM)


def test_a_number_of_media_that_is_not_an_ascii_number_is_zero(gateway: TestClient) -> None:
    """int("²") raises: NumMedia="²" was an HTTP 500 and the message was lost."""
    person_id, phone = _person()
    params = inbound_params(phone, "voici la photo", NumMedia="²")
    assert post_signed(gateway, params).status_code == 200
    sid = params["MessageSid"]
    inbound = _check_kept_and_answered(sid, person_id, "voici la photo", texts.TECHNICAL_PROBLEM)
    assert inbound.num_media == 0


@pytest.mark.parametrize(
    "raw_json,stored",
    [
        ('"a\\ud800b"', "a\ufffdb"),  # a lone high surrogate
        ('"\\udc00"', "\ufffd"),  # a lone low surrogate
        ('"ok \\ud83d\\ude00"', "ok 😀"),  # a pair is its character
        ('"le 2\\u0000"', "le 2"),
    ],
    ids=["lone-high", "lone-low", "pair", "nul"],
)
def test_odd_text_through_the_simulator_is_kept_and_answered(
    gateway: TestClient, raw_json: str, stored: str
) -> None:
    person_id, phone = _person()
    body = f'{{"phone": "{phone}", "body": {raw_json}}}'
    response = gateway.post(
        "/simulateur/messages", content=body.encode(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 202, response.text
    with session_scope() as session:
        sid = session.scalar(
            select(InboundMessage.message_sid)
            .where(InboundMessage.from_phone == phone)
            .order_by(InboundMessage.id.desc())
        )
    assert sid is not None
    _check_kept_and_answered(sid, person_id, stored, texts.TECHNICAL_PROBLEM)
    lines = gateway.get("/simulateur/messages", params={"phone": phone}).json()
    assert lines[0]["body"] == stored


# --------------------------------------------------------------------------- the module itself


def test_clean_inbound_text() -> None:
    assert clean_inbound_text(None) == ""
    assert clean_inbound_text("Déjà vu ! 👍 ça\tva\nbien") == "Déjà vu ! 👍 ça\tva\nbien"
    assert clean_inbound_text("a\r\nb\rc") == "a\nb\nc"
    assert clean_inbound_text("\x00\x1f\x7f\x9f") == ""
    assert clean_inbound_text("x" * (MAX_TEXT_CHARS + 5)) == "x" * MAX_TEXT_CHARS
    # The zero-width joiner and the variation selector of emoji stay; RLM and LRO go.
    assert clean_inbound_text("👨\u200d👩\ufe0f\u200f\u202d") == "👨\u200d👩\ufe0f"
    assert clean_inbound_text("\ud83d\ude00\ud800") == "😀\ufffd"
    clean_inbound_text("\udfff\ud800").encode("utf-8")  # always encodable


@pytest.mark.parametrize("value", ["²", "٢", "２", "12a", "", " ", "-1", "1.5", "9" * 10])
def test_ascii_int_refuses_what_int_or_the_database_would_choke_on(value: str) -> None:
    assert ascii_int(value) is None
    assert parse_count(value) == 0


def test_ascii_int_and_parse_count() -> None:
    assert ascii_int(" 42 ") == 42 and parse_count("3") == 3 and parse_count(None) == 0


def test_ascii_digits_reads_the_digits_of_other_keyboards() -> None:
    assert ascii_digits("le ² ou le ٣ ou ４ ou ۵ ou ①") == "le 2 ou le 3 ou 4 ou 5 ou 1"
    assert ascii_digits("le 2") == "le 2"
    assert ascii_digits("⑩ reste") == "⑩ reste"  # not a single digit


# --------------------------------------------------------------------------- reading numbers

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
OFFERED = [
    OfferedSlot(number=n, slot_id=100 + n, start=(NOW + timedelta(days=n)).replace(hour=13))
    for n in (1, 2, 3)
]


@pytest.mark.parametrize("text", ["le 2", "le ²", "le ٢", "le ２", "le ۲", "\u200fle 2", "le 2\x00"])
def test_the_option_number_is_read_in_any_digits(text: str) -> None:
    assert resolve_slot_choice(text, OFFERED, now=NOW, tz=PARIS).slot_ids == (102,)


@pytest.mark.parametrize("text", ["\x00time_x_", "\x00date_1_2_3_4", "le ፩", "፩/፪ à ፫h", "\x00" * 50])
def test_odd_text_never_breaks_the_slot_reader(text: str) -> None:
    """NUL marks the reader's own placeholders: a NUL in the text cannot forge one."""
    resolve_slot_choice(text, OFFERED, now=NOW, tz=PARIS)


# --------------------------------------------------------------------------- console ids


@pytest.fixture
def org(session: Session) -> Org:
    return build_org(session, "Département A")


def test_console_ids_in_other_digits_are_not_a_500(client: TestClient, org: Org) -> None:
    token = log_in(client, org.agent)
    assert client.get("/console/beneficiaires", params={"page": "²"}).status_code == 200
    assert client.get("/console/beneficiaires", params={"page": "٢"}).status_code == 200
    refused = client.post(
        "/console/imports",
        data={"csrf_token": token, "organisation_id": "²"},
        files={"fichier": ("p.csv", b"a;b\n1;2\n", "text/csv")},
        follow_redirects=False,
    )
    assert refused.status_code == 404
    assert client.get("/console/invitations", params={"ids": "²"}).status_code == 404
    invite = client.post(
        "/console/invitations",
        data={"csrf_token": token, "ids": str(org.person.id), "motif_id": "٢"},
        follow_redirects=False,
    )
    assert invite.status_code == 404
