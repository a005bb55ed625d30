"""Every answer the bot can give is GSM-7 and short: checked with the longest realistic values."""

import re

import pytest
import yaml

from api.messaging.segments import count_segments, non_gsm7_chars
from api.offers.matching import BULLET, LINE_MAX
from tests.api.factories import LONG_ADDRESS, LONG_ORGANISATION, LONG_PLACE
from tests.conftest import ROOT

DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
LONGEST_VALUES = {
    "date_label": "mercredi 30 septembre",
    "time_label": "10h30",
    "place_name": LONG_PLACE,
    "address": LONG_ADDRESS,
    "first_name": "Marie-Christine",
    "organisation_name": LONG_ORGANISATION,
    "contact_phone": "04 75 79 26 26",
    "contact_hours": "du lundi au vendredi, 9h-12h et 14h-17h",
    "expected_label": "d'ici mercredi 30 septembre",
    # The longest offers text the API can produce: 3 lines of LINE_MAX characters.
    "offers_text": "\n".join(BULLET + "x" * (LINE_MAX - len(BULLET)) for _ in range(3)),
    "options_text": "\n".join(
        f"{n}) mercredi {d}/12 10h30" for n, d in zip(range(1, 5), (2, 9, 16, 23), strict=False)
    ),
}
RESPONSES = [
    (name, variant["text"])
    for name, variants in DOMAIN["responses"].items()
    for variant in variants
    if "text" in variant
]


def render(text: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: LONGEST_VALUES.get(m.group(1), m.group(0)), text)


@pytest.mark.parametrize("name,text", RESPONSES, ids=[name for name, _ in RESPONSES])
def test_response_is_gsm7_and_at_most_two_sms(name: str, text: str) -> None:
    rendered = render(text)
    assert "{" not in rendered, f"{name} uses a variable no test value covers: {rendered}"
    assert non_gsm7_chars(rendered) == [], f"{name} has non GSM-7 characters"
    assert count_segments(rendered).segments <= 2, rendered


@pytest.mark.parametrize("name", ["utter_booked", "utter_moved"])
def test_booking_confirmation_fits_one_sms_with_the_longest_place(name: str) -> None:
    for variant in DOMAIN["responses"][name]:
        rendered = render(variant["text"])
        assert count_segments(rendered).segments == 1, (len(rendered), rendered)
        assert LONG_ADDRESS in rendered and "10h30" in rendered


@pytest.mark.parametrize(
    "name", ["utter_who_are_you", "utter_who_are_you_phone_only", "utter_who_are_you_no_phone"]
)
def test_who_we_are_fits_one_sms_with_the_longest_organisation(name: str) -> None:
    for variant in DOMAIN["responses"][name]:
        rendered = render(variant["text"])
        assert count_segments(rendered).segments == 1, (len(rendered), rendered)
        assert LONG_ORGANISATION in rendered and ("04 75" in rendered or "CONSEILLER" in rendered)
