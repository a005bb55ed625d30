"""The console in a real browser (Playwright driving Debian's chromium, headless) against the real
processes: a person texts the bot through the fake Twilio, a professional reads the conversation
in the console, answers, adds a note and works the queue. Screenshots land in
test-artifacts/console/.
"""

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text

from tests.e2e.conftest import Agenda, new_mobile
from tests.e2e.system import ROOT, System, wait_for

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = ROOT / "test-artifacts" / "console"
AGENT_EMAIL = "agent.console@drome.test"
PG_SCHEMA = "console_browser"


@pytest.fixture(scope="module")
def console_database(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of its own, built by the migrations: the processes commit, the other tests
    (which count rows of the shared test database) must not see it."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path_factory.mktemp('console') / 'console.db'}"
    else:  # a schema of its own in the same PostgreSQL database
        engine = create_engine(database_url)
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
        url = f"{database_url}{'&' if '?' in database_url else '?'}options=-csearch_path%3D{PG_SCHEMA}"
    migrated = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=ROOT,
        env={**os.environ, "SPIE_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrated.returncode == 0, migrated.stderr
    yield url
    if not database_url.startswith("sqlite"):
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        engine.dispose()


@pytest.fixture(scope="module")
def system(console_database: str, database_url: str) -> Iterator[System]:
    backend = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    running = System(console_database, log_dir=ROOT / "test-artifacts" / f"console-{backend}")
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: `apt-get install -y chromium` (make test does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


class Console:
    """One browser page on the console, recording what the browser complains about."""

    def __init__(self, browser, base_url: str) -> None:
        self.context = browser.new_context(
            base_url=base_url, viewport={"width": 1280, "height": 900}, locale="fr-FR"
        )
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))
        self.page.on("response", lambda r: r.status >= 400 and self.problems.append(f"{r.status}: {r.url}"))

    def _console(self, message) -> None:
        url = message.location.get("url", "")
        # The login page (api/console/templates/login.html) has no icon yet: the browser asks /favicon.ico.
        if message.type == "error" and not url.endswith("/favicon.ico"):
            self.problems.append(f"console: {message.text} ({url}, page {self.page.url})")

    def shot(self, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        self.context.close()


def _dsfr_is_applied(page) -> None:
    """The DSFR's stylesheet and fonts are loaded from the app (not a CDN): Marianne, the header."""
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Marianne" in font, font
    assert page.evaluate("document.fonts.check('16px Marianne')")
    logo = page.locator(".fr-header .fr-logo").first
    assert (
        logo.is_visible() and logo.inner_text().replace("\n", " ") == "RÉPUBLIQUE FRANÇAISE"
    )  # DSFR capitals
    assert page.evaluate("document.documentElement.lang") == "fr"
    # DSFR's script marks the root element once it ran.
    wait_for(lambda: page.evaluate("document.documentElement.hasAttribute('data-fr-js')"), timeout=10)


def test_a_professional_reads_the_conversation_answers_and_works_the_queue(system: System, browser) -> None:
    # An organisation, its agent, and two people: Marie texts the bot, Paul was never invited.
    agenda = Agenda(system)
    password = uuid.uuid4().hex
    system.api.post(
        f"/api/organisations/{agenda.organisation['id']}/members",
        json={"email": AGENT_EMAIL, "role": "agent", "password": password},
    ).raise_for_status()
    marie = agenda.person(first_name="Marie")
    paul = agenda.person(first_name="Paul")
    agenda.invite(marie)
    system.wait_replies(marie["phone"], 1)
    system.text(marie["phone"], "le 2 svp")
    confirmation = system.wait_replies(marie["phone"], 2)[1]["Body"]
    system.text(marie["phone"], "je veux parler a un conseiller svp")
    system.wait_replies(marie["phone"], 3)
    wait_for(
        lambda: [
            h
            for h in system.api.get("/api/handoffs").json()
            if h["beneficiary_id"] == marie["id"] and h["reason"] == "asked_human"
        ],
        what="Marie in the queue",
    )

    console = Console(browser, system.api_url)
    page = console.page
    try:
        # Log in through the login page.
        page.goto("/console/beneficiaires")
        assert page.url.endswith("/console/login")
        page.fill("#email", AGENT_EMAIL)
        page.fill("#password", password)
        console.shot("01-connexion")
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/console/$"))

        # The list, then filtered.
        page.goto("/console/beneficiaires")
        _dsfr_is_applied(page)
        rows = page.locator("#table-beneficiaires tbody tr")
        assert rows.count() == 2
        assert "RDV à venir" in page.locator(f"tr[data-beneficiary-id='{marie['id']}']").text_content()
        assert "Non invité" in page.locator(f"tr[data-beneficiary-id='{paul['id']}']").text_content()
        console.shot("02-beneficiaires")
        page.select_option("#statut", "rdv_pending")
        page.check("#humain", force=True)  # DSFR draws its own box over the input
        page.click("form.console-filters button[type=submit]")
        page.wait_for_url(re.compile(r"statut=rdv_pending"))
        assert rows.count() == 1 and "Marie" in rows.first.text_content()
        assert "Attend un professionnel" in rows.first.text_content()
        console.shot("03-beneficiaires-filtres")

        # Marie's carnet: the conversation both ways, with delivery statuses.
        rows.first.locator("a").click()
        page.wait_for_url(re.compile(rf"/console/beneficiaires/{marie['id']}$"))
        timeline = page.locator(".console-timeline")
        assert "le 2 svp" in timeline.text_content()
        assert "je veux parler a un conseiller svp" in timeline.text_content()
        first_line = confirmation.splitlines()[0]
        assert first_line in timeline.text_content()
        assert page.locator(".console-item--in").count() == 2
        assert page.locator(".console-item--out").count() >= 3
        assert "Rendez-vous pris" in timeline.text_content()

        def all_delivered() -> bool:
            page.reload()
            badges = page.locator(".console-item--out [data-delivery]").all_text_contents()
            return bool(badges) and all(badge.strip() == "Remis" for badge in badges)

        wait_for(all_delivered, timeout=30, interval=1, what="delivery statuses in the carnet")
        console.shot("04-carnet")

        # Answer her: through the outbox to the (fake) Twilio, and into the timeline.
        answer = "Bonjour Marie, je vous appelle demain matin. Mme Durand, conseillere"
        page.fill("#message", answer)
        page.click("#ecrire button[type=submit]")
        page.wait_for_url(re.compile(r"ok=message"))
        assert "Message enregistré" in page.locator("[role=status]").first.text_content()
        assert answer in timeline.text_content()
        sent = system.wait_replies(marie["phone"], 4)[3]
        assert sent["Body"] == answer

        def answer_delivered() -> bool:
            page.reload()
            item = page.locator(".console-item--out", has_text=answer)
            return (item.locator("[data-delivery]").text_content() or "").strip() == "Remis"

        wait_for(answer_delivered, timeout=30, interval=1, what="the answer delivered")
        assert AGENT_EMAIL in page.locator(".console-item--out", has_text=answer).text_content()
        console.shot("05-carnet-message-envoye")

        # A note.
        page.fill("#note-texte", "Appelée : viendra avec sa fille, a besoin d'une solution de garde.")
        page.click("#note button[type=submit]")
        page.wait_for_url(re.compile(r"ok=note"))
        assert "viendra avec sa fille" in page.locator(".console-item--note").last.text_content()
        console.shot("06-carnet-note")

        # The queue: take Marie's entry, then close it.
        page.click("#navigation-principale a[href='/console/file']")
        page.wait_for_url(re.compile(r"/console/file$"))
        entry = page.locator("#table-file tbody tr", has_text="Marie")
        assert "A demandé à parler à quelqu'un" in entry.text_content()
        console.shot("07-file-a-traiter")
        entry.get_by_role("button", name="Je m'en occupe").click()
        page.wait_for_url(re.compile(r"vue=moi"))
        mine = page.locator("#table-file tbody tr", has_text="Marie")
        assert "par moi" in mine.text_content()
        console.shot("08-file-prise-en-charge")
        mine.get_by_role("button", name="Clore").click()
        page.wait_for_url(re.compile(r"ok=clos"))
        page.goto("/console/file?vue=clos")
        assert "Marie" in page.locator("#table-file").text_content()
        console.shot("09-file-close")
        handoff = next(
            h
            for h in system.api.get("/api/handoffs", params={"state": "closed"}).json()
            if h["beneficiary_id"] == marie["id"]
        )
        assert handoff["taken_at"] and handoff["closed_at"]

        assert console.problems == [], console.problems
    except Exception:
        console.shot("echec")  # what the browser showed when the test failed
        (SHOTS / "echec.html").write_text(page.content(), encoding="utf-8")
        raise
    finally:
        console.close()


ADMIN_EMAIL = "admin.console@drome.test"


def _local_today(tz: str) -> str:
    return datetime.now(ZoneInfo(tz)).date().isoformat()


def test_an_admin_sets_the_agenda_imports_invites_marks_attendance_reads_figures_and_erases(
    system: System, browser, console_database: str
) -> None:
    agenda = Agenda(system, slots=0)
    organisation_id = agenda.organisation["id"]
    password = uuid.uuid4().hex
    system.api.post(
        f"/api/organisations/{organisation_id}/members",
        json={"email": ADMIN_EMAIL, "role": "admin", "password": password},
    ).raise_for_status()
    lina_phone = new_mobile()
    csv_file = (
        "Prénom;Nom;Téléphone;Code INSEE\n"
        f"Lina;Martin;0{lina_phone[3:]};26362\n"
        "Paul;Fixe;04 75 79 20 00;26362\n"
        "Zoé;Erreur;12345;26362\n"
    ).encode("utf-8-sig")

    console = Console(browser, system.api_url)
    page = console.page
    try:
        page.goto("/console/login")
        page.fill("#email", ADMIN_EMAIL)
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/console/$"))
        console.shot("10-accueil")

        # Agenda: a plage d'ouverture every day of the week, from today: its slots are generated.
        page.goto("/console/agendas")
        _dsfr_is_applied(page)
        for weekday in range(7):
            page.select_option("#plage-lieu", str(agenda.place["id"]))
            page.select_option("#plage-motif", str(agenda.motif["id"]))
            page.select_option("#plage-jour", str(weekday))
            page.fill("#plage-debut", "08:00")
            page.fill("#plage-fin", "18:00")
            page.fill("#plage-du", _local_today(agenda.organisation["time_zone"]))
            page.get_by_role("button", name="Ajouter la plage").click()
            page.wait_for_load_state()
            assert page.locator("#table-plages tbody tr").count() == weekday + 1
        slots = system.api.get("/api/slots", params={"motif_id": agenda.motif["id"]}).json()
        assert len(slots) > 50, "slots generated from the plages"
        console.shot("11-agendas")

        # Import: one mobile is created, the landline and the invalid number are reported by row.
        page.goto("/console/imports")
        page.set_input_files(
            "#fichier", files=[{"name": "personnes.csv", "mimeType": "text/csv", "buffer": csv_file}]
        )
        console.shot("12-import-fichier")
        page.click("#envoyer-fichier")
        page.wait_for_selector("#form-colonnes")
        assert page.locator("#colonne-phone").input_value() == "Téléphone"
        assert lina_phone[-4:] not in page.locator("#apercu").text_content()  # numbers masked
        console.shot("13-import-colonnes")
        page.click("#lancer-import")
        page.wait_for_selector("#etat-import[data-status=done]", timeout=30_000)
        assert page.locator("#compte-creees").text_content().strip() == "1"
        assert page.locator("#compte-erreurs").text_content().strip() == "2"
        report = page.locator("#rapport-erreurs").text_content()
        assert "fixe" in report.lower()
        assert page.locator("progress#progression").get_attribute("value") == page.locator(
            "progress#progression"
        ).get_attribute("max")
        console.shot("14-import-rapport")
        lina = next(
            b
            for b in system.api.get("/api/beneficiaries", params={"organisation_id": organisation_id}).json()
            if b["phone"] == lina_phone
        )

        # Bulk invitation from the list: the SMS leaves through the (fake) Twilio.
        page.goto("/console/beneficiaires")
        page.check(f"#choisir-{lina['id']}", force=True)
        page.click("#inviter-selection")
        page.wait_for_selector("#form-invitations")
        page.select_option("#motif", str(agenda.motif["id"]))
        console.shot("15-invitation-selection")
        page.click("#envoyer-invitations")
        page.wait_for_selector("#resultat-invitations")
        assert "1 invitation envoyée" in page.locator("#resultat-invitations").text_content()
        console.shot("16-invitation-resultat")
        invitation = system.wait_replies(lina_phone, 1)[0]["Body"]
        assert "1)" in invitation

        # Lina answers "1": booked by the assistant.
        system.text(lina_phone, "1")
        system.wait_replies(lina_phone, 2)
        appointment = wait_for(
            lambda: system.api.get("/api/appointments", params={"beneficiary_id": lina["id"]}).json(),
            what="Lina's appointment",
        )[0]

        # Time passes: the appointment is now over (its slot moved to the past in the database).
        start = datetime.now(UTC) - timedelta(minutes=50)
        engine = create_engine(console_database)
        with engine.begin() as connection:
            connection.execute(
                text('UPDATE slots SET start = :start, "end" = :end WHERE id = :id'),
                {"start": start, "end": start + timedelta(minutes=45), "id": appointment["slot_id"]},
            )
        engine.dispose()

        # Attendance: "Vu" on that day's list.
        day = start.astimezone(ZoneInfo(agenda.organisation["time_zone"])).date().isoformat()
        page.goto(f"/console/rendez-vous?jour={day}")
        row = page.locator(f"tr#rdv-{appointment['id']}")
        assert "Lina" in row.text_content()
        console.shot("17-rendez-vous")
        row.get_by_role("button", name="Vu", exact=True).click()
        page.wait_for_selector(f"tr#rdv-{appointment['id']}[data-status=seen]")
        status = system.api.get("/api/appointments", params={"beneficiary_id": lina["id"]}).json()[0][
            "status"
        ]
        assert status == "seen"
        console.shot("18-rendez-vous-presence")

        # Figures: one invitation, booked, seen.
        page.goto("/console/chiffres")
        assert page.locator("#chiffre-invitations").text_content().strip() == "1"
        assert page.locator("#chiffre-prise-rdv").text_content().strip().startswith("100")
        assert page.locator("#chiffre-absence").text_content().strip().startswith("0")
        assert page.locator("svg#graphique-serie rect.console-chart__bar--invitations").count() >= 1
        console.shot("19-chiffres")
        with page.expect_download() as download:
            page.click("#telecharger-csv")
        assert download.value.suggested_filename.endswith(".csv")

        # RGPD: export, then erase Lina; the trace stays, Lina is gone.
        page.goto(f"/console/beneficiaires/{lina['id']}")
        assert page.locator("#rgpd-exporter").is_visible()
        with page.expect_download() as exported:
            page.click("#rgpd-exporter")
        data = Path(exported.value.path()).read_text(encoding="utf-8")
        assert lina_phone in data and "Lina" in data
        page.click("#rgpd-effacer")
        page.wait_for_selector("#form-effacer")
        console.shot("20-effacer")
        page.click("label[for=confirmation]")
        page.click("#effacer-confirmer")
        page.wait_for_url(re.compile(r"/console/effacements\?ok=efface"))
        assert page.locator("#table-effacements tr[data-erasure-id]").count() == 1
        console.shot("21-effacements")
        assert system.api.get(f"/api/beneficiaries/{lina['id']}").status_code == 404

        assert console.problems == [], console.problems
    except Exception:
        console.shot("echec-admin")
        (SHOTS / "echec-admin.html").write_text(page.content(), encoding="utf-8")
        raise
    finally:
        console.close()
