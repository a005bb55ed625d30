"""Console: CSV import (upload -> columns -> progress -> report) and bulk invitation from the list."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.beneficiaries import csv_import
from api.beneficiaries.models import Beneficiary, BeneficiaryImport
from api.messaging.models import OutboxMessage
from tests.api import factories as f
from tests.api.accounts.factories import make_account
from tests.api.console.conftest import log_in
from tests.api.world import Org, build_org

FILE = (
    "Nom;Prénom;Téléphone portable;Code INSEE\r\n"
    "Martin;Léa;06 39 98 00 01;26362\r\n"
    "Faure;Anne;04 65 71 00 05;26362\r\n"
    "Petit;Camille;06 39 98 00 03;Valence\r\n"
    "Roux;Jean;06.39.98.00.04;26198\r\n"
).encode("cp1252")  # as Excel in French saves it


@pytest.fixture
def a(session: Session) -> Org:
    return build_org(session, "Département A")


@pytest.fixture
def b(session: Session) -> Org:
    return build_org(session, "Département B")


def upload(client: TestClient, token: str, raw: bytes = FILE, name: str = "personnes.csv", **data: str):
    return client.post(
        "/console/imports",
        data={"csrf_token": token, **data},
        files={"fichier": (name, raw, "text/csv")},
        follow_redirects=False,
    )


def draft_of(response) -> int:
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/console/imports/(\d+)/colonnes", response.headers["location"])
    assert found, response.headers["location"]
    return int(found.group(1))


def selected(html: str, field: str) -> str:
    """The option chosen in the mapping form for one of our fields."""
    block = re.search(rf'<select[^>]*id="colonne-{field}"[^>]*>(.*?)</select>', html, re.S)
    assert block, field
    option = re.search(r'<option value="([^"]*)" selected>', block.group(1))
    return option.group(1) if option else ""


def test_pages_and_forms_need_a_session(client: TestClient) -> None:
    for url in (
        "/console/imports",
        "/console/imports/1",
        "/console/imports/1/colonnes",
        "/console/invitations",
    ):
        response = client.get(url, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/console/login"), url
    for url in ("/console/imports", "/console/imports/1/colonnes", "/console/imports/1/abandon"):
        response = client.post(url, data={"csrf_token": "x"}, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/console/login"), url
    response = client.post(
        "/console/invitations", data={"csrf_token": "x", "ids": "1"}, follow_redirects=False
    )
    assert response.status_code == 303


def test_upload_choose_columns_follow_progress_read_the_report(
    client: TestClient, session: Session, a: Org
) -> None:
    token = log_in(client, a.agent)
    page = client.get("/console/imports")
    assert page.status_code == 200
    assert re.search(r'href="/console/imports"\s+aria-current="page">Import', page.text)
    assert 'id="form-import"' in page.text and 'enctype="multipart/form-data"' in page.text
    assert 'id="organisation"' not in page.text  # one organisation: nothing to choose
    assert 'id="aucun-import"' in page.text

    import_id = draft_of(upload(client, token))
    job = session.get(BeneficiaryImport, import_id)
    assert (job.status, job.total_rows, job.organisation_id) == ("draft", 4, a.organisation.id)

    columns = client.get(f"/console/imports/{import_id}/colonnes")
    assert columns.status_code == 200
    html = columns.text
    assert selected(html, "phone") == "Téléphone portable"
    assert (selected(html, "first_name"), selected(html, "last_name")) == ("Prénom", "Nom")
    assert (selected(html, "code_insee"), selected(html, "preferred_channel")) == ("Code INSEE", "")
    assert 'id="apercu"' in html and "Léa" in html and "Hélène" not in html
    assert "06 ** ** ** 01" in html and "06 39 98 00 01" not in html and "06.**.**.**.04" in html

    started = client.post(
        f"/console/imports/{import_id}/colonnes",
        data={
            "csrf_token": token,
            "phone": "Téléphone portable",
            "first_name": "Prénom",
            "last_name": "Nom",
            "code_insee": "Code INSEE",
            "preferred_channel": "",
        },
        follow_redirects=False,
    )
    assert (started.status_code, started.headers["location"]) == (
        303,
        f"/console/imports/{import_id}?ok=lance",
    )
    waiting = client.get(f"/console/imports/{import_id}?ok=lance")
    # The page reloads itself every 2 seconds while the import runs (no JavaScript needed).
    assert waiting.headers["refresh"] == f"2; url=/console/imports/{import_id}"
    assert 'data-status="pending"' in waiting.text and "Import lancé" in waiting.text
    assert re.search(r'<progress class="console-progress" id="progression" value="0" max="4">', waiting.text)
    # Going back to the columns of a started import shows its progress instead.
    assert client.get(f"/console/imports/{import_id}/colonnes", follow_redirects=False).status_code == 303

    csv_import.process_import(session, import_id=import_id)  # what the background task does

    done = client.get(f"/console/imports/{import_id}")
    assert "refresh" not in done.headers
    html = done.text
    assert 'data-status="done"' in html and "Terminé" in html
    assert re.search(r'id="progression" value="4" max="4"', html)
    assert re.search(r'id="compte-creees">2<', html) and re.search(r'id="compte-erreurs">2<', html)
    report = re.search(r'id="rapport-erreurs".*?</table>', html, re.S).group(0)
    assert re.search(r"<td>3</td>\s*<td>Téléphone portable</td>\s*<td>numéro fixe : il ne peut pas", report)
    assert re.search(r"<td>4</td>\s*<td>Code INSEE</td>\s*<td>code INSEE invalide", report)
    assert 'href="/console/beneficiaires"' in html and 'id="voir-beneficiaires"' in html
    imported = {
        p.phone: p for p in session.scalars(select(Beneficiary).where(Beneficiary.phone.like("+3363998%")))
    }
    assert sorted(imported) == ["+33639980001", "+33639980004"]
    assert (
        imported["+33639980001"].first_name == "Léa"
        and imported["+33639980001"].organisation_id == a.organisation.id
    )

    listing = client.get("/console/imports").text
    assert f'data-import-id="{import_id}"' in listing and "personnes.csv" in listing and "Terminé" in listing
    assert "Léa Martin" in client.get("/console/beneficiaires").text


def test_forms_without_the_csrf_token_are_refused(client: TestClient, session: Session, a: Org) -> None:
    token = log_in(client, a.agent)
    assert upload(client, "not-the-token").status_code == 403
    assert session.scalars(select(BeneficiaryImport)).all() == []
    import_id = draft_of(upload(client, token))
    for url in (f"/console/imports/{import_id}/colonnes", f"/console/imports/{import_id}/abandon"):
        refused = client.post(url, data={"phone": "Téléphone portable"}, follow_redirects=False)
        assert refused.status_code == 403 and "jeton de sécurité" in refused.text
    assert session.get(BeneficiaryImport, import_id).status == "draft"


def test_errors_are_shown_next_to_the_field(client: TestClient, session: Session, a: Org) -> None:
    token = log_in(client, a.agent)
    no_file = upload(client, token, raw=b"", name="")
    assert no_file.status_code == 422
    assert "fr-upload-group--error" in no_file.text and "Choisissez un fichier CSV." in no_file.text
    excel = upload(client, token, raw=b"PK\x03\x04...", name="personnes.xlsx")
    assert excel.status_code == 422 and "classeur Excel" in excel.text
    assert re.search(
        r'<p class="fr-error-text" id="fichier-erreur">Ce fichier est un classeur Excel', excel.text
    )

    import_id = draft_of(upload(client, token))
    no_phone = client.post(
        f"/console/imports/{import_id}/colonnes",
        data={"csrf_token": token, "phone": "", "first_name": "Nom", "last_name": "Nom"},
    )
    assert no_phone.status_code == 422
    assert "fr-select-group--error" in no_phone.text
    assert 'id="colonne-phone-erreur">Choisissez la colonne qui contient le numéro' in no_phone.text
    assert 'id="colonne-last_name-erreur">Cette colonne est déjà choisie pour « Prénom »' in no_phone.text
    assert selected(no_phone.text, "first_name") == "Nom"  # what was chosen stays chosen
    assert session.get(BeneficiaryImport, import_id).status == "draft"


def test_a_draft_can_be_abandoned_and_its_file_is_deleted(
    client: TestClient, session: Session, a: Org
) -> None:
    token = log_in(client, a.agent)
    import_id = draft_of(upload(client, token))
    gone = client.post(
        f"/console/imports/{import_id}/abandon", data={"csrf_token": token}, follow_redirects=False
    )
    assert (gone.status_code, gone.headers["location"]) == (303, "/console/imports?ok=abandonne")
    job = session.get(BeneficiaryImport, import_id)
    assert (job.status, job.content) == ("cancelled", None)
    assert "Import abandonné" in client.get("/console/imports?ok=abandonne").text


def test_another_organisations_import_is_404(client: TestClient, session: Session, a: Org, b: Org) -> None:
    theirs = csv_import.create_import(
        session, organisation_id=b.organisation.id, filename="b.csv", raw=FILE, draft=True
    )
    token = log_in(client, a.agent)
    for url in (
        f"/console/imports/{theirs.id}",
        f"/console/imports/{theirs.id}/colonnes",
        "/console/imports/999999",
    ):
        response = client.get(url)
        assert response.status_code == 404 and "Page introuvable" in response.text, url
    for url in (f"/console/imports/{theirs.id}/colonnes", f"/console/imports/{theirs.id}/abandon"):
        response = client.post(url, data={"csrf_token": token, "phone": "Téléphone portable"})
        assert response.status_code == 404, url
    assert (theirs.status, theirs.content is not None) == ("draft", True)
    assert "b.csv" not in client.get("/console/imports").text
    # Uploading into an organisation one is not a member of: the same 404.
    assert upload(client, token, organisation_id=str(b.organisation.id)).status_code == 404


def test_a_member_of_several_organisations_chooses_one(client: TestClient, session: Session, a: Org) -> None:
    c = f.organisation(session, name="Département C")
    both = make_account(session, {a.organisation.id: "agent", c.id: "admin"})
    token = log_in(client, both)
    assert 'id="organisation"' in client.get("/console/imports").text
    unchosen = upload(client, token)
    assert unchosen.status_code == 422
    assert 'id="organisation-erreur">Choisissez l&#39;organisation des personnes.' in unchosen.text
    import_id = draft_of(upload(client, token, organisation_id=str(c.id)))
    assert session.get(BeneficiaryImport, import_id).organisation_id == c.id


def test_the_sample_file_can_be_downloaded(client: TestClient, a: Org) -> None:
    log_in(client, a.agent)
    sample = client.get("/console/imports/exemple.csv")
    assert sample.status_code == 200 and sample.headers["content-type"].startswith("text/csv")
    assert "attachment" in sample.headers["content-disposition"]
    assert sample.content.decode("utf-8-sig").startswith("Nom;Prénom;Téléphone portable;Code INSEE;Canal")


# --------------------------------------------------------------------------- bulk invitation


def invitations_sent(session: Session, person: Beneficiary) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(
        OutboxMessage.beneficiary_id == person.id, OutboxMessage.kind == "invitation"
    )
    return list(session.scalars(query))


def test_people_ticked_on_the_list_are_invited_through_the_page(
    client: TestClient, session: Session, a: Org
) -> None:
    lea = f.beneficiary(session, a.organisation, first_name="Léa")
    stop = f.beneficiary(session, a.organisation, first_name="Sam")
    stop.opted_out = True
    session.flush()
    token = log_in(client, a.agent)

    listing = client.get("/console/beneficiaires", params={"statut": "not_invited"}).text
    assert re.search(rf'<input type="checkbox"[^>]*name="ids" value="{lea.id}"[^>]*form="selection"', listing)
    assert 'id="selection"' in listing and "Inviter la sélection" in listing
    assert 'name="retour" value="statut=not_invited"' in listing

    chosen = client.get(
        "/console/invitations", params={"ids": [lea.id, stop.id], "retour": "statut=not_invited"}
    )
    assert chosen.status_code == 200
    html = chosen.text
    assert 'id="form-invitations"' in html and f'<option value="{a.motif.id}"' in html
    assert re.search(rf'data-beneficiary-id="{stop.id}".*?Non : a répondu STOP', html, re.S)
    assert 'href="/console/beneficiaires?statut=not_invited"' in html  # back to the same filters

    sent = client.post(
        "/console/invitations",
        data={"csrf_token": token, "ids": [lea.id, stop.id], "motif_id": a.motif.id, "place_id": ""},
    )
    assert sent.status_code == 200
    assert "1 invitation envoyée, 1 non envoyée (1 a répondu STOP)." in sent.text
    assert re.search(rf'data-beneficiary-id="{lea.id}" data-result="invited"', sent.text)
    [sms] = invitations_sent(session, lea)
    assert sms.body.startswith("Bonjour Léa, Département A vous invite")
    assert invitations_sent(session, stop) == []


def test_the_invitation_form_checks_its_token_its_motif_and_its_people(
    client: TestClient, session: Session, a: Org, b: Org
) -> None:
    lea = f.beneficiary(session, a.organisation, first_name="Léa")
    token = log_in(client, a.agent)
    data = {"csrf_token": token, "ids": [lea.id], "motif_id": a.motif.id}
    assert client.post("/console/invitations", data={**data, "csrf_token": "x"}).status_code == 403
    no_motif = client.post("/console/invitations", data={**data, "motif_id": ""})
    assert no_motif.status_code == 422 and 'id="motif-erreur">Choisissez le motif' in no_motif.text
    assert client.post("/console/invitations", data={**data, "motif_id": b.motif.id}).status_code == 404
    assert client.post("/console/invitations", data={**data, "place_id": b.place.id}).status_code == 404
    with_b = client.post("/console/invitations", data={**data, "ids": [lea.id, b.person.id]})
    with_missing = client.post("/console/invitations", data={**data, "ids": [lea.id, 999999]})
    assert with_b.status_code == with_missing.status_code == 404
    assert client.get("/console/invitations", params={"ids": [b.person.id]}).status_code == 404
    assert invitations_sent(session, lea) == []
    assert "Aucune personne n'est sélectionnée" in client.get("/console/invitations").text
