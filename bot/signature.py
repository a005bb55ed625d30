"""X-Twilio-Signature: checked against the public URL Twilio signed, not the one we see."""

from starlette.requests import Request
from twilio.request_validator import RequestValidator


def public_url(request: Request, public_base_url: str) -> str:
    """Rebuild the URL Twilio called (behind a proxy the host, scheme and port differ)."""
    url = public_base_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    return url


def is_signed_by_twilio(*, auth_token: str, url: str, params: dict[str, str], signature: str) -> bool:
    if not signature:
        return False
    return RequestValidator(auth_token).validate(url, params, signature)
