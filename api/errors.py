"""One error type carrying its HTTP status, and its handler."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


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


def install_error_handler(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _handle(_request: Request, exc: AppError) -> JSONResponse:
        return JSONResponse(status_code=exc.status_code, content={"detail": exc.detail}, headers=exc.headers)
