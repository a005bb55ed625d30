"""Twilio's webhook signature, and the sender's address (SMS or WhatsApp)."""

import pytest
from twilio.request_validator import RequestValidator

from bot.addresses import parse_address
from bot.signature import is_signed_by_twilio

URL = "https://sms.example.fr/webhooks/twilio/messages"
PARAMS = {"MessageSid": "SM123", "From": "+33612345678", "To": "38123", "Body": "le 2 svp"}


def test_signature_of_twilio_is_accepted() -> None:
    signature = RequestValidator("secret").compute_signature(URL, PARAMS)
    assert is_signed_by_twilio(auth_token="secret", url=URL, params=PARAMS, signature=signature)


@pytest.mark.parametrize(
    "token,url,params,signature",
    [
        ("other", URL, PARAMS, None),  # another account's token
        ("secret", URL.replace("https", "http"), PARAMS, None),  # scheme changed by a proxy
        ("secret", URL, {**PARAMS, "Body": "le 3"}, None),  # tampered body
        ("secret", URL, PARAMS, ""),  # missing header
    ],
)
def test_wrong_signatures_are_refused(token, url, params, signature) -> None:
    computed = RequestValidator("secret").compute_signature(URL, PARAMS)
    assert not is_signed_by_twilio(
        auth_token=token, url=url, params=params, signature=computed if signature is None else signature
    )


def test_addresses() -> None:
    assert parse_address("whatsapp:+33612345678").channel == "whatsapp"
    assert parse_address("whatsapp:+33612345678").phone == "+33612345678"
    assert parse_address("+33612345678").channel == "sms"
