"""The gateway's voucher: proof that a message reaching Rasa and the actions came through our gateway.

For each inbound message it forwards, the gateway signs who wrote it (the beneficiary), which
stored message it is, when it was signed and a digest of its text, with a secret it shares with
Rasa's input channel and the API (SPIE_GATEWAY_SIGNING_KEY). The action server never holds the
secret, so whoever reaches Rasa or the action server directly cannot speak for anyone.

    token = base64url(payload JSON) "." base64url(HMAC-SHA256(key, first part))

Standard library only, Python 3.10 compatible: Rasa's channel (rasa_channels/) imports it too.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import dataclass

# The gateway signs just before calling Rasa; a turn (Rasa + actions + API) takes seconds.
MAX_AGE_SECONDS = 300
# Clocks of processes on the same host; a little slack for others.
MAX_CLOCK_SKEW_SECONDS = 30


class InvalidVoucher(Exception):
    """Missing, malformed, forged, edited or stale."""


@dataclass(frozen=True)
class Voucher:
    beneficiary_id: int
    inbound_id: int
    signed_at: int
    text_sha256: str

    @property
    def sender_id(self) -> str:
        """The conversation id the gateway gives Rasa for this person."""
        return f"b-{self.beneficiary_id}"

    def covers_text(self, text: str) -> bool:
        return hmac.compare_digest(self.text_sha256, text_digest(text))


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _mac(key: str, payload_part: str) -> str:
    return _b64encode(hmac.new(key.encode(), payload_part.encode("ascii"), hashlib.sha256).digest())


def sign(key: str, *, beneficiary_id: int, inbound_id: int, text: str, now: float | None = None) -> str:
    payload = {
        "b": beneficiary_id,
        "m": inbound_id,
        "t": int(time.time() if now is None else now),
        "h": text_digest(text),
    }
    payload_part = _b64encode(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    return f"{payload_part}.{_mac(key, payload_part)}"


def verify(key: str, token: str | None, *, now: float | None = None) -> Voucher:
    """The voucher this token carries, if our key signed it less than MAX_AGE_SECONDS ago."""
    if not key:
        raise InvalidVoucher("no signing key configured")
    if not token or token.count(".") != 1:
        raise InvalidVoucher("missing or malformed voucher")
    payload_part, mac = token.split(".")
    if not hmac.compare_digest(mac, _mac(key, payload_part)):
        raise InvalidVoucher("bad signature")
    try:
        payload = json.loads(_b64decode(payload_part))
        voucher = Voucher(payload["b"], payload["m"], payload["t"], payload["h"])
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise InvalidVoucher("malformed payload") from exc
    numbers = (voucher.beneficiary_id, voucher.inbound_id, voucher.signed_at)
    if not all(type(value) is int for value in numbers) or not isinstance(voucher.text_sha256, str):
        raise InvalidVoucher("malformed payload")
    age = (time.time() if now is None else now) - voucher.signed_at
    if age > MAX_AGE_SECONDS or age < -MAX_CLOCK_SKEW_SECONDS:
        raise InvalidVoucher("expired")
    return voucher
