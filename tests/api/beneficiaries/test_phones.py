import pytest

from api.beneficiaries.phones import mask, normalise_mobile
from api.errors import Invalid


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("06 12 34 56 78", "+33612345678"),
        ("0612345678", "+33612345678"),
        ("+33 7 81 23 45 67", "+33781234567"),
        ("0033612345678", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("+262 692 12 34 56", "+262692123456"),  # La Réunion mobile
        ("+590 690 12 34 56", "+590690123456"),  # Guadeloupe mobile
    ],
)
def test_mobile_numbers_are_stored_in_e164(raw: str, expected: str) -> None:
    assert normalise_mobile(raw) == expected


@pytest.mark.parametrize(
    "raw,reason",
    [
        ("01 23 45 67 89", "not a mobile"),  # Paris landline
        ("04 75 79 26 26", "not a mobile"),  # Drôme landline
        ("08 00 12 34 56", "not a mobile"),  # freephone
        ("06 12 34", "invalid"),
        ("bonjour", "not a phone number"),
        ("", "not a phone number"),
    ],
)
def test_landlines_and_invalid_numbers_are_refused(raw: str, reason: str) -> None:
    with pytest.raises(Invalid, match=reason):
        normalise_mobile(raw)


def test_mask_keeps_only_the_ends() -> None:
    assert mask("+33612345678") == "+336******78"
    assert "345" not in mask("+33612345678")
