"""Bearer token for the REST API until professionals' accounts exist (issue 5)."""

import hmac
from typing import Annotated

from fastapi import Header

from api.config import get_settings
from api.errors import AppError


def require_api_token(authorization: Annotated[str, Header()] = "") -> None:
    expected = f"Bearer {get_settings().api_token}"
    if not hmac.compare_digest(authorization.encode(), expected.encode()):
        raise AppError(401, "a valid bearer token is required")
