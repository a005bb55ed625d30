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
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.e2e.conftest import Agenda
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
        # The login page (api/accounts/templates) has no icon yet: the browser asks /favicon.ico.
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
