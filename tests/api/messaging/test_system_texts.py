"""Texts the gateway and the scheduler send: GSM-7, one SMS per reminder, two at most otherwise."""

import pytest

from api.messaging import texts
from api.messaging.segments import count_segments, non_gsm7_chars
from tests.api.factories import LONG_ADDRESS, LONG_MOTIF, LONG_ORGANISATION, LONG_PLACE

LONGEST = {
    "first_name": "Marie-Christine",
    "organisation": LONG_ORGANISATION,
    "motif": LONG_MOTIF,
    "place": LONG_PLACE,
    "address": LONG_ADDRESS,
    "date_label": "mercredi 30 septembre",
    "time_label": "10h30",
    "options": "\n".join(
        f"{n}) mercredi {d}/12 10h30" for n, d in zip(range(1, 5), (2, 9, 16, 23), strict=True)
    ),
    "phone": "04 75 79 26 26",
    "hours": "du lundi au vendredi, 9h-12h et 14h-17h",
}
ONE_SMS = [
    "REMINDER",
    "REMINDER_DAY_BEFORE",
    "INVITATION_EXPIRED",
    "OPTED_OUT",
    "OPTED_IN",
    "CONTACT",
    "UNKNOWN_NUMBER",
    "EMPTY_MESSAGE",
    "TOO_LONG",
    "TECHNICAL_PROBLEM",
    "REVOKED_NO_SLOT",
]
TWO_SMS = ["INVITATION", "RELANCE", "REVOKED"]


@pytest.mark.parametrize("name", ONE_SMS + TWO_SMS)
def test_text_is_gsm7(name: str) -> None:
    rendered = getattr(texts, name).format(**LONGEST)
    assert non_gsm7_chars(rendered) == []


@pytest.mark.parametrize("name", ONE_SMS)
def test_reminders_and_short_answers_fit_one_sms(name: str) -> None:
    rendered = getattr(texts, name).format(**LONGEST)
    assert count_segments(rendered).segments == 1, (len(rendered), rendered)


@pytest.mark.parametrize("name", TWO_SMS)
def test_offers_fit_two_sms(name: str) -> None:
    rendered = getattr(texts, name).format(**LONGEST)
    assert count_segments(rendered).segments <= 2, (len(rendered), rendered)
