"""One error type carrying its HTTP status, and its handler."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from api.text_safety import fix_surrogates


class AppError(Exception):
    def __init__(self, status_code: int, detail: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.headers = headers


class NotFound(AppError):
    def __init__(self, what: str) -> None:
        super().__init__(404, f"{what} not found")


class Conflict(AppError):
    def __init__(self, detail: str) -> None:
        super().__init__(409, detail)


class Invalid(AppError):
    def __init__(self, detail: str) -> None:
        super().__init__(422, detail)


def _encodable(value: Any) -> Any:
    """JSON content that can be encoded in UTF-8: lone surrogates (from JSON "\\ud800") replaced."""
    if isinstance(value, str):
        return fix_surrogates(value)
    if isinstance(value, list):
        return [_encodable(item) for item in value]
    if isinstance(value, dict):
        return {_encodable(key): _encodable(item) for key, item in value.items()}
    return value


def install_error_handler(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _handle(_request: Request, exc: AppError) -> JSONResponse:
        detail = _encodable(exc.detail)
        return JSONResponse(status_code=exc.status_code, content={"detail": detail}, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's own 422, except that it echoes the input: a lone surrogate in it made the
        # answer itself fail to encode, an HTTP 500.
        return JSONResponse(status_code=422, content={"detail": _encodable(jsonable_encoder(exc.errors()))})
