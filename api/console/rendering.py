"""What every console page shares: the templates, the security headers, the page helper."""

from pathlib import Path

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from starlette.types import Scope

from api.console.headers import harden
from api.console.session import ConsoleUser
from api.console.static import DSFR_URL, OWN_URL

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals.update(dsfr=DSFR_URL, assets=OWN_URL)


def page(
    request: Request, user: ConsoleUser | None, name: str, context: dict, *, status_code: int = 200
) -> Response:
    base = {"user": user, "csrf_token": user.csrf_token if user else ""}
    response = templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)
    return harden(response)


def too_large_page(scope: Scope, _max_bytes: int) -> Response:
    """The console's answer to a request body over its cap (api/request_limits.py): a 413 in French."""
    from api.beneficiaries import csv_file
    from api.request_limits import UPLOAD_PATHS

    if scope.get("path") in UPLOAD_PATHS:
        title = "Fichier trop volumineux"
        message = (
            f"Ce fichier dépasse {csv_file.max_megabytes()} Mo : découpez-le en plusieurs fichiers, "
            "puis importez-les un par un."
        )
    else:
        title = "Formulaire trop volumineux"
        message = "Ce formulaire envoie trop de données. Raccourcissez le texte et réessayez."
    context = {"title": title, "message": message, "status": 413, "nav": ""}
    return page(Request(scope), None, "erreur.html", context, status_code=413)
