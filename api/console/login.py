"""The professionals' console: log in and out with a session cookie, and the home page.

The session lives in the `console_sessions` table; the cookie holds its secret (HttpOnly,
SameSite=Lax, Secure outside development and test); it closes after SPIE_CONSOLE_IDLE_MINUTES
without use. The login form is protected against
CSRF by a double-submit cookie; forms of a logged-in session post the session's own token.
"""

import hmac
import logging
import secrets
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from api.accounts import service, throttle
from api.accounts.models import ConsoleSession, User
from api.config import get_settings
from api.console.headers import harden
from api.console.static import DSFR_URL, OWN_URL
from api.db import utcnow
from api.deps import SessionDep

SESSION_COOKIE = "spie_session"
CSRF_COOKIE = "spie_csrf"
COOKIE_PATH = "/console"
LOGIN_CSRF_MAX_AGE = 2 * 3600

log = logging.getLogger(__name__)
router = APIRouter(prefix="/console", tags=["console"], include_in_schema=False)
# Not api/console/rendering.py's: that one needs the console session, which needs this module.
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals.update(dsfr=DSFR_URL, assets=OWN_URL)


def cookies_secure() -> bool:
    """Secure cookies everywhere but on a developer's or a test's plain-HTTP localhost."""
    return get_settings().environment not in ("development", "test")


def _set_cookie(response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=COOKIE_PATH,
        secure=cookies_secure(),
        httponly=True,
        samesite="lax",
    )


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _logged_in(request: Request, session: Session) -> tuple[ConsoleSession, User] | None:
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        return None
    return service.console_session_user(
        session, secret=secret, now=utcnow(), idle_timeout=get_settings().console_idle_timeout
    )


def _login_page(
    request: Request,
    *,
    status_code: int = 200,
    error: str = "",
    email: str = "",
    headers: dict[str, str] | None = None,
) -> Response:
    """The form with a fresh double-submit CSRF token (cookie and hidden field)."""
    csrf_token = secrets.token_urlsafe(32)
    response = templates.TemplateResponse(
        request,
        "login.html",
        {"csrf_token": csrf_token, "error": error, "email": email},
        status_code=status_code,
        headers=headers,
    )
    _set_cookie(response, CSRF_COOKIE, csrf_token, LOGIN_CSRF_MAX_AGE)
    return harden(response)


def _same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a).encode(), str(b).encode())


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, session: SessionDep) -> Response:
    if _logged_in(request, session) is not None:
        return RedirectResponse("/console/", status_code=303)
    return _login_page(request)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Check the password (throttled: api/accounts/throttle.py) and open a session."""
    if not _same(csrf_token, request.cookies.get(CSRF_COOKIE)):
        message = "La session du formulaire a expiré. Merci de réessayer."
        return _login_page(request, status_code=403, error=message, email=email)
    now = utcnow()
    keys = throttle.keys_for(email=email, ip=_client_ip(request))
    # Counted (and committed) before the password is checked: concurrent attempts all count.
    retry_after = throttle.reserve(session, keys=keys, now=now)
    if retry_after is not None:
        log.warning("console login throttled (%s s)", retry_after)
        minutes = -(-retry_after // 60)
        return _login_page(
            request,
            status_code=429,
            error=(
                "Trop de tentatives de connexion depuis cet appareil. Par sécurité, patientez "
                f"{minutes} min avant de réessayer."
            ),
            email=email,
            headers={"Retry-After": str(retry_after)},
        )
    user = service.authenticate(session, email=email, password=password)
    if user is None:
        log.info("console login failed")
        error = "Adresse électronique ou mot de passe incorrect."
        return _login_page(request, status_code=401, error=error, email=email)
    throttle.succeeded(session, keys=keys)
    _console_session, secret = service.open_console_session(
        session, user_id=user.id, now=now, idle_timeout=get_settings().console_idle_timeout
    )
    response = RedirectResponse("/console/", status_code=303)
    _set_cookie(response, SESSION_COOKIE, secret, int(service.CONSOLE_SESSION_LIFETIME.total_seconds()))
    response.delete_cookie(CSRF_COOKIE, path=COOKIE_PATH)
    return harden(response)


@router.post("/logout")
def logout(
    request: Request, session: SessionDep, csrf_token: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    found = _logged_in(request, session)
    if found is not None:
        console_session, _user = found
        if not _same(csrf_token, console_session.csrf_token):
            return harden(HTMLResponse("Requête refusée (jeton CSRF manquant ou invalide).", status_code=403))
        service.close_console_session(session, console_session=console_session)
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH)
    return harden(response)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep) -> Response:
    found = _logged_in(request, session)
    if found is None:
        return RedirectResponse("/console/login", status_code=303)
    console_session, user = found
    context = {
        "user": SimpleNamespace(email=user.email),
        "email": user.email,
        "csrf_token": console_session.csrf_token,
        "nav": "",
    }
    return harden(templates.TemplateResponse(request, "home.html", context))
