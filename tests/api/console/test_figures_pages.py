"""The figures page of the console: key figures, SVG charts with a text alternative, the CSV
download (same numbers), the period form, and organisations apart."""

import csv
import html
import io
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.db import utcnow
from api.organisations.models import Organisation
from tests.api import factories as f
from tests.api.accounts.factories import make_account
from tests.api.console.conftest import log_in
from tests.api.figures.test_figures import Week, build_other, build_week

NBSP = "\u00a0"


@pytest.fixture
def week(session: Session) -> Week:
    return build_week(session)


@pytest.fixture
def other(session: Session) -> Organisation:
    return build_other(session).organisation


def _url(
    org: Organisation, debut: str = "2026-11-02", fin: str = "2026-11-08", path: str = "/console/chiffres"
):
    return f"{path}?organisation={org.id}&debut={debut}&fin={fin}"


def _figure(page: str, figure_id: str) -> str:
    found = re.search(rf'id="{figure_id}">([^<]*)<', page)
    assert found is not None, figure_id
    return html.unescape(found.group(1))


def _svg(page: str, svg_id: str) -> str:
    found = re.search(rf'<svg class="console-chart" id="{svg_id}".*?</svg>', page, re.S)
    assert found is not None, svg_id
    return html.unescape(found.group(0))


def test_the_pages_need_a_session(client: TestClient) -> None:
    for url in ("/console/chiffres", "/console/chiffres.csv"):
        response = client.get(url, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/console/login")


def test_the_page_shows_the_figures_of_the_week(client: TestClient, session: Session, week: Week) -> None:
    log_in(client, make_account(session, {week.organisation.id: "agent"}))
    response = client.get(_url(week.organisation))
    assert response.status_code == 200, response.text
    page = response.text
    assert re.search(r'href="/console/chiffres"\s+aria-current="page">Chiffres', page)
    assert "lundi 2 novembre au dimanche 8 novembre 2026" in page
    assert _figure(page, "chiffre-invitations") == "5"
    assert _figure(page, "chiffre-prise-rdv") == f"60{NBSP}%"
    assert _figure(page, "chiffre-delai") == f"24{NBSP}h"
    assert "soit 1 jour, sur 3 invitations suivies d&#39;un rendez-vous" in page
    assert _figure(page, "chiffre-confirmation") == f"40{NBSP}%"
    assert _figure(page, "chiffre-absence") == f"50{NBSP}%"
    assert f"1 rendez-vous passé sans présence notée (33,3{NBSP}%) ; 0 à venir" in html.unescape(page)
    assert _figure(page, "chiffre-sms") == "3"
    assert "2 SMS envoyés, 1 message WhatsApp en plus" in page
    assert _figure(page, "chiffre-messages-recus") == "2"
    # The CSP forbids inline styles and scripts: the charts use neither.
    assert "style=" not in page and not re.search(r"<script(?![^>]*\ssrc=)", page)


def test_the_charts_are_svg_with_a_text_alternative(client: TestClient, session: Session, week: Week) -> None:
    log_in(client, make_account(session, {week.organisation.id: "agent"}))
    page = client.get(_url(week.organisation)).text
    series = _svg(page, "graphique-serie")
    assert 'role="img"' in series and 'aria-labelledby="graphique-serie-titre graphique-serie-desc"' in series
    assert (
        '<title id="graphique-serie-titre">Invitations envoyées et rendez-vous pris par jour</title>'
        in series
    )
    assert "5 invitations envoyées et 6 rendez-vous pris en tout" in series
    bars = re.findall(
        r'<rect class="console-chart__bar console-chart__bar--(\w+)"[^>]*><title>([^<]*)</title>', series
    )
    assert len(bars) == 14  # 7 days, 2 bars each
    assert ("rdv", "3/11 : 3 rendez-vous pris") in bars and (
        "invitations",
        "2/11 : 2 invitations envoyées",
    ) in bars
    barriers = _svg(page, "graphique-freins")
    assert "Garde d'enfants : 3, Mobilité : 1, Permis de conduire : 0" in barriers
    assert len(re.findall(r"<rect ", barriers)) == 6
    # The same values as tables under the charts.
    table = re.search(r'id="table-serie".*?</table>', page, re.S)
    assert table is not None
    rows = re.findall(r"<th scope=\"row\">([^<]*)</th>\s*<td>(\d+)</td>\s*<td>(\d+)</td>", table.group(0))
    assert rows[:2] == [("lundi 2 novembre 2026", "2", "2"), ("mardi 3 novembre 2026", "1", "3")]
    assert len(rows) == 7
    freins = re.search(r'id="table-freins".*?</table>', page, re.S)
    assert freins is not None
    assert re.search(r"Garde d&#39;enfants</th>\s*<td>3</td>\s*<td>2</td>", freins.group(0))


def test_the_csv_download_has_the_numbers_of_the_page(
    client: TestClient, session: Session, week: Week
) -> None:
    log_in(client, make_account(session, {week.organisation.id: "agent"}))
    page = client.get(_url(week.organisation)).text
    link = re.search(r'id="telecharger-csv"\s+href="([^"]+)"[^>]*>Télécharger en CSV</a>', page)
    assert link is not None
    download = client.get(html.unescape(link.group(1)))
    assert download.status_code == 200
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    assert download.headers["content-disposition"] == (
        'attachment; filename="chiffres_departement-de-la-drome_2026-11-02_2026-11-08.csv"'
    )
    assert download.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig")), delimiter=";"))
    values = {(row[0], row[1]): row[2] for row in rows[1:]}
    assert values[("Invitations", "Invitations envoyées")] == _figure(page, "chiffre-invitations") == "5"
    assert values[("Invitations", "Taux de prise de rendez-vous (%)")] + f"{NBSP}%" == _figure(
        page, "chiffre-prise-rdv"
    )
    assert values[("Rendez-vous", "Taux de confirmation (%)")] + f"{NBSP}%" == _figure(
        page, "chiffre-confirmation"
    )
    assert values[("Rendez-vous", "Taux d'absence (%)")] + f"{NBSP}%" == _figure(page, "chiffre-absence")
    assert values[("Messages", "Segments SMS facturés")] == _figure(page, "chiffre-sms")
    assert values[("Messages", "Messages reçus")] == _figure(page, "chiffre-messages-recus")
    assert values[("Freins : signalements", "Mobilité")] == "1"
    assert [(row[1], row[2]) for row in rows if row[0] == "Invitations envoyées par jour"][:2] == [
        ("2026-11-02", "2"),
        ("2026-11-03", "1"),
    ]


def test_another_organisation_is_404(
    client: TestClient, session: Session, week: Week, other: Organisation
) -> None:
    log_in(client, make_account(session, {week.organisation.id: "admin"}))
    for path in ("/console/chiffres", "/console/chiffres.csv"):
        foreign = client.get(_url(other, path=path))
        missing = client.get(f"{path}?organisation=987654321")
        assert foreign.status_code == missing.status_code == 404
        assert "Page introuvable" in foreign.text and foreign.text == missing.text
        assert "Département B" not in foreign.text
        assert client.get(f"{path}?organisation=abc").status_code == 404


def test_a_member_of_several_organisations_chooses_one(
    client: TestClient, session: Session, week: Week, other: Organisation
) -> None:
    log_in(client, make_account(session, {week.organisation.id: "agent", other.id: "admin"}))
    page = client.get("/console/chiffres?debut=2026-11-02&fin=2026-11-08").text
    options = re.findall(r'<option value="(\d+)"\s*(selected)?\s*>([^<]*)</option>', page)
    assert [(int(value), name) for value, _selected, name in options] == [
        (other.id, "Département B"),  # by name
        (week.organisation.id, "Département de la Drôme"),
    ]
    assert options[0][1] == "selected" and _figure(page, "chiffre-invitations") == "1"
    chosen = client.get(_url(week.organisation)).text
    assert re.search(rf'<option value="{week.organisation.id}"\s*selected', chosen)
    assert _figure(chosen, "chiffre-invitations") == "5"


def test_the_period_form_explains_its_errors(client: TestClient, session: Session, week: Week) -> None:
    log_in(client, make_account(session, {week.organisation.id: "agent"}))
    reversed_ = client.get(_url(week.organisation, debut="2026-11-09", fin="2026-11-08"))
    assert reversed_.status_code == 422
    assert "fr-input-group fr-input-group--error" in reversed_.text and 'id="fin-erreur"' in reversed_.text
    assert "La date de fin doit être le même jour que la date de début ou après." in reversed_.text
    assert 'id="chiffre-invitations"' not in reversed_.text
    wrong = client.get(_url(week.organisation, debut="2026-13-45"))
    assert wrong.status_code == 422 and 'id="debut-erreur"' in wrong.text
    assert "Cette date n&#39;est pas valide" in wrong.text and 'value="2026-13-45"' in wrong.text
    too_long = client.get(_url(week.organisation, debut="2025-11-07", fin="2026-11-08"))
    assert too_long.status_code == 422 and "au plus 366 jours" in too_long.text
    csv_refused = client.get(
        _url(week.organisation, debut="2026-11-09", fin="2026-11-08", path="/console/chiffres.csv")
    )
    assert csv_refused.status_code == 422 and "Période invalide" in csv_refused.text
    # A browser without a date picker sends what people type.
    typed = client.get(_url(week.organisation, debut="02/11/2026", fin="08/11/2026"))
    assert typed.status_code == 200 and _figure(typed.text, "chiffre-invitations") == "5"
    assert 'value="2026-11-02"' in typed.text


def test_by_default_the_last_30_days(client: TestClient, session: Session) -> None:
    org = f.organisation(session, name="Vide", tz="America/Cayenne")
    log_in(client, make_account(session, {org.id: "agent"}))
    page = client.get("/console/chiffres")
    assert page.status_code == 200
    today = utcnow().astimezone(ZoneInfo("America/Cayenne")).date()
    start = today - timedelta(days=29)
    assert re.search(rf'id="debut" name="debut"\s+value="{start.isoformat()}"', page.text)
    assert re.search(rf'id="fin" name="fin"\s+value="{today.isoformat()}"', page.text)
    # Nothing happened: rates and the median cannot be computed.
    for figure_id in ("chiffre-prise-rdv", "chiffre-delai", "chiffre-confirmation", "chiffre-absence"):
        assert _figure(page.text, figure_id) == "—"
    assert _figure(page.text, "chiffre-invitations") == "0"
    assert f'name="organisation" value="{org.id}"' in page.text  # one organisation: no select
    assert 'id="organisation"' not in page.text


def test_someone_without_an_organisation_sees_why(client: TestClient, session: Session) -> None:
    log_in(client, make_account(session, superadmin=True))
    page = client.get("/console/chiffres")
    assert page.status_code == 200 and "membre d'aucune organisation" in page.text
    assert client.get("/console/chiffres.csv").status_code == 404
