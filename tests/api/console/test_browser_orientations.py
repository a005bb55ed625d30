"""Orientation requests in a real browser against the real processes (fixtures of
tests/api/console/test_browser.py): a professional of organisation A sends an orientation for a
person A follows to a service of organisation B; B's member accepts it in the console; the person
receives the SMS (the fake Twilio); A sees the outcome in the carnet. Screenshots in
test-artifacts/console/.
"""

import re
import uuid

import pytest

from api.messaging.segments import count_segments, is_gsm7
from tests.api.console.test_browser import Console, browser, console_database, system  # noqa: F401
from tests.api.offers.rows import service_row, structure_row
from tests.e2e.conftest import Agenda
from tests.e2e.system import System, wait_for

pytestmark = pytest.mark.e2e

THEME = "mobilite--acceder-a-un-vehicule"


def _member(running: System, organisation_id: int, email: str) -> str:
    password = uuid.uuid4().hex
    running.api.post(
        f"/api/organisations/{organisation_id}/members",
        json={"email": email, "role": "agent", "password": password},
    ).raise_for_status()
    return password


def _garage(running: System) -> dict:
    """Organisation B, whose own offer (source organisation-<id>) is in the catalogue."""
    garage = (
        running.api.post(
            "/api/organisations", json={"name": "Garage solidaire de Valence", "departement_code": "26"}
        )
        .raise_for_status()
        .json()
    )
    running.api.post(
        f"/api/organisations/{garage['id']}/members", json={"email": running.admin_email, "role": "admin"}
    ).raise_for_status()
    own = f"organisation-{garage['id']}"
    report = (
        running.api.post(
            "/api/offers/import",
            json={
                "structures": [structure_row("garage", source=own, id=f"{own}--garage", nom=garage["name"])],
                "services": [
                    service_row(
                        "location",
                        "garage",
                        source=own,
                        id=f"{own}--location",
                        structure_id=f"{own}--garage",
                        nom="Location de voiture à 1 euro",
                        thematiques=[THEME],
                        mobilisable_par=["professionnels"],
                        telephone="0475123456",
                    )
                ],
            },
        )
        .raise_for_status()
        .json()
    )
    assert report["rejected"] == [] and report["services_created"] == 1, report
    return garage


def _log_in(console: Console, email: str, password: str) -> None:
    page = console.page
    page.goto("/console/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/console/$"))


def test_an_orientation_from_a_to_b_accepted_in_b_s_console(system: System, browser) -> None:  # noqa: F811
    departement = Agenda(system)  # organisation A, which holds Marie's record
    marie = departement.person(first_name="Marie", code_insee="26362")
    a_email, b_email = "conseillere.orientation@drome.test", "accueil@garage-valence.test"
    a_password = _member(system, departement.organisation["id"], a_email)
    garage = _garage(system)
    b_password = _member(system, garage["id"], b_email)

    a, b = Console(browser, system.api_url), Console(browser, system.api_url)
    try:
        # A, from Marie's carnet: search the catalogue by theme near her commune, send with a reason.
        _log_in(a, a_email, a_password)
        page = a.page
        page.goto(f"/console/beneficiaires/{marie['id']}")
        page.click("#orientations a")
        page.select_option("#theme", "mobilite")
        page.click("form[method=get] button[type=submit]")
        page.wait_for_url(re.compile(r"theme=mobilite"))
        offer = page.locator("li[data-service-id]", has_text="Location de voiture à 1 euro")
        assert "répond dans la console" in offer.text_content()
        offer.locator("textarea").fill("N'a plus de voiture, reprend un emploi à Romans en janvier.")
        a.shot("orientation-01-recherche")
        offer.get_by_role("button", name="Envoyer la demande").click()
        page.wait_for_url(re.compile(r"ok=orientation-envoyee"))
        assert "En attente" in page.locator("#orientations").text_content()
        a.shot("orientation-02-carnet-envoyee")

        # B, in its console: the request received, accepted with a reason.
        _log_in(b, b_email, b_password)
        b.page.click("#navigation-principale a[href='/console/orientations']")
        b.page.wait_for_url(re.compile(r"/console/orientations$"))
        received = b.page.locator("[data-received] li", has_text="Marie")
        assert (
            "reprend un emploi" in received.text_content()
            and "Département de la Drôme" in received.text_content()
        )
        b.shot("orientation-03-recue")
        received.locator("input[name=reason]").fill("Premier rendez-vous le 12 janvier")
        received.get_by_role("button", name="Accepter").click()
        b.page.wait_for_url(re.compile(r"ok=acceptee"))
        assert b.page.locator("[data-received] li[data-orientation-state=accepted]").count() == 1
        b.shot("orientation-04-acceptee")

        # Marie receives the SMS, in one GSM-7 SMS, with how to reach the garage.
        [sms] = system.wait_replies(marie["phone"], 1)
        assert "Garage solidaire de Valence" in sms["Body"] and "04 75 12 34 56" in sms["Body"]
        assert is_gsm7(sms["Body"]) and count_segments(sms["Body"]).segments == 1

        # A sees the outcome in the carnet.
        def outcome_shown() -> bool:
            page.reload()
            return page.locator("#orientations [data-orientation-state=accepted]").count() == 1

        wait_for(outcome_shown, timeout=20, interval=1, what="the outcome in A's carnet")
        assert "Premier rendez-vous le 12 janvier" in page.locator("#orientations").text_content()
        timeline = page.locator(".console-timeline").text_content()
        assert "Demande d'orientation envoyée" in timeline and "Orientation acceptée" in timeline
        a.shot("orientation-05-carnet-acceptee")
        assert a.problems == [] and b.problems == [], (a.problems, b.problems)
    finally:
        a.close()
        b.close()
