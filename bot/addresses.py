"""Twilio addresses: '+33612345678' for SMS, 'whatsapp:+33612345678' for WhatsApp."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Address:
    channel: str  # sms or whatsapp
    phone: str  # E.164


def parse_address(raw: str) -> Address:
    raw = raw.strip()
    if raw.startswith("whatsapp:"):
        return Address(channel="whatsapp", phone=raw.removeprefix("whatsapp:"))
    return Address(channel="sms", phone=raw)
