"""Console pages. Figures per organisation and period, with charts and CSV export.

The period is a GET form (organisation, debut, fin), so a page of figures is a link one can
share or bookmark. Figures are counts, not people: nothing is written to the audit log. Another
organisation's id is 404, as everywhere in the console.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.console.rendering import harden, page
from api.console.session import ConsoleUser, CurrentConsoleUser, PageError, not_found
from api.db import utcnow
from api.deps import SessionDep
from api.figures import charts, export, labels
from api.figures import service as figures_service
from api.figures.service import Figures
from api.organisations.models import Organisation

router = APIRouter(prefix="/console", tags=["console"], include_in_schema=False)

DATE_HINT = "Format attendu : JJ/MM/AAAA."


@dataclass
class PeriodForm:
    """What the period form holds, and what is wrong with it (field id -> message in French)."""

    organisations: list[Organisation]
    organisation: Organisation | None
    debut: str = ""
    fin: str = ""
    start: date | None = None
    end: date | None = None
    errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Card:
    id: str
    title: str
    value: str
    detail: str


def _parse_date(text: str) -> tuple[date | None, str]:
    """(date or None when empty, error message). Date inputs send 2026-11-30; a browser without
    them shows a text field, where people type 30/11/2026."""
    text = text.strip()
    if not text:
        return None, ""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date(), ""
        except ValueError:
            continue
    return None, f"Cette date n'est pas valide. {DATE_HINT}"


def _read_form(session: Session, user: ConsoleUser, organisation: str, debut: str, fin: str) -> PeriodForm:
    """The organisation asked for (404 unless the user is a member) and the period, checked."""
    organisations = list(
        session.scalars(
            select(Organisation)
            .where(Organisation.id.in_(user.principal.organisation_ids))
            .order_by(Organisation.name, Organisation.id)
        )
    )
    chosen = organisations[0] if organisations else None
    if organisation.strip():
        chosen = next((o for o in organisations if str(o.id) == organisation.strip()), None)
        if chosen is None:
            raise not_found()
    form = PeriodForm(organisations=organisations, organisation=chosen, debut=debut[:20], fin=fin[:20])
    if chosen is None:
        return form
    start, start_error = _parse_date(debut[:20])
    end, end_error = _parse_date(fin[:20])
    if start_error:
        form.errors["debut"] = start_error
    if end_error:
        form.errors["fin"] = end_error
    if form.errors:
        return form
    today = utcnow().astimezone(chosen.zone).date()
    start, end = figures_service.resolve_period(start, end, today=today)
    problem = figures_service.period_problem(start, end)
    if problem == "start_after_end":
        form.errors["fin"] = "La date de fin doit être le même jour que la date de début ou après."
    elif problem == "too_long":
        form.errors["debut"] = (
            f"La période dure au plus {figures_service.MAX_DAYS} jours : "
            "choisissez une date de début plus proche."
        )
    else:
        form.start, form.end = start, end
        form.debut, form.fin = start.isoformat(), end.isoformat()
    return form


def _compute(session: Session, form: PeriodForm) -> Figures:
    assert form.organisation is not None and form.start is not None and form.end is not None
    return figures_service.compute(
        session,
        organisation_id=form.organisation.id,
        start=form.start,
        end=form.end,
        tz=form.organisation.zone,
    )


def _plural(n: int, singular: str, plural: str) -> str:
    return f"{labels.count(n)} {singular if n < 2 else plural}"


def _cards(f: Figures) -> list[Card]:
    delay, delay_other = labels.delay(f.median_delay_hours)
    return [
        Card(
            "chiffre-invitations",
            "Invitations envoyées",
            labels.count(f.invitations_sent),
            "Invitations à prendre rendez-vous envoyées pendant la période.",
        ),
        Card(
            "chiffre-prise-rdv",
            "Taux de prise de rendez-vous",
            labels.percent(f.booking_rate),
            f"{_plural(f.invitations_booked, 'invitation suivie', 'invitations suivies')} d'un rendez-vous "
            f"sur {labels.count(f.invitations_sent)}, même pris après la période.",
        ),
        Card(
            "chiffre-delai",
            "Délai médian entre invitation et rendez-vous",
            delay,
            f"{delay_other + ', ' if delay_other else ''}"
            f"sur {_plural(f.invitations_booked, 'invitation suivie', 'invitations suivies')} "
            "d'un rendez-vous.",
        ),
        Card(
            "chiffre-confirmation",
            "Taux de confirmation",
            labels.percent(f.confirmation_rate),
            f"{_plural(f.confirmed, 'rendez-vous confirmé', 'rendez-vous confirmés')} par la personne "
            f"sur {_plural(f.appointments, 'rendez-vous', 'rendez-vous')} de la période.",
        ),
        Card(
            "chiffre-absence",
            "Taux d'absence",
            labels.percent(f.noshow_rate),
            f"{_plural(f.noshow, 'absence', 'absences')} et {_plural(f.seen, 'présence', 'présences')} "
            f"notées ; {_plural(f.not_marked, 'rendez-vous passé', 'rendez-vous passés')} sans présence "
            f"notée ({labels.percent(f.not_marked_rate)}) ; {labels.count(f.upcoming)} à venir.",
        ),
        Card(
            "chiffre-sms",
            "SMS facturés (segments)",
            labels.count(f.sms_segments),
            f"{_plural(f.sms_messages, 'SMS envoyé', 'SMS envoyés')}, "
            f"{_plural(f.whatsapp_messages, 'message WhatsApp', 'messages WhatsApp')} en plus.",
        ),
        Card(
            "chiffre-messages-recus",
            "Messages reçus",
            labels.count(f.inbound_messages),
            "Messages des personnes de l'organisation, par SMS ou WhatsApp.",
        ),
    ]


def _series_description(f: Figures) -> str:
    invited = sum(b.invitations for b in f.series)
    booked = sum(b.bookings for b in f.series)
    return (
        f"Diagramme en barres, {labels.granularity_label(f.granularity)}, "
        f"{labels.period_label(f.start, f.end)} : "
        f"{_plural(invited, 'invitation envoyée', 'invitations envoyées')} et "
        f"{_plural(booked, 'rendez-vous pris', 'rendez-vous pris')} en tout. "
        "Les valeurs sont dans le tableau sous le graphique."
    )


def _barriers_description(f: Figures) -> str:
    parts = [f"{labels.barrier_label(b.group)} : {labels.count(b.entries)}" for b in f.barriers]
    return "Barres horizontales, freins exprimés par thème : " + ", ".join(parts) + "."


def _csv_url(form: PeriodForm) -> str:
    assert form.organisation is not None
    return f"/console/chiffres.csv?organisation={form.organisation.id}&debut={form.debut}&fin={form.fin}"


@router.get("/chiffres", response_class=HTMLResponse)
def figures_page(
    request: Request,
    session: SessionDep,
    user: CurrentConsoleUser,
    organisation: str = "",
    debut: str = "",
    fin: str = "",
) -> Response:
    form = _read_form(session, user, organisation, debut, fin)
    context: dict = {"nav": "chiffres", "form": form, "figures": None, "labels": labels}
    if form.organisation is None or form.errors:
        status = 422 if form.errors else 200
        return page(request, user, "chiffres.html", context, status_code=status)
    figures = _compute(session, form)
    context |= {
        "figures": figures,
        "period": labels.period_label(figures.start, figures.end),
        "per": labels.granularity_label(figures.granularity),
        "cards": _cards(figures),
        "columns": charts.column_chart(figures.series),
        "bars": charts.bar_chart(figures.barriers),
        "series_desc": _series_description(figures),
        "barriers_desc": _barriers_description(figures),
        "csv_url": _csv_url(form),
    }
    return page(request, user, "chiffres.html", context)


@router.get("/chiffres.csv")
def figures_csv(
    session: SessionDep,
    user: CurrentConsoleUser,
    organisation: str = "",
    debut: str = "",
    fin: str = "",
) -> Response:
    """The same figures as the page, as a CSV file for French spreadsheets (api/figures/export.py)."""
    form = _read_form(session, user, organisation, debut, fin)
    if form.organisation is None:
        raise not_found()
    if form.errors:
        raise PageError(422, "Période invalide", " ".join(form.errors.values()))
    figures = _compute(session, form)
    response = Response(
        export.to_csv(figures, form.organisation.name),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": export.content_disposition(form.organisation.name, figures)},
    )
    return harden(response)
