"""CSV import of beneficiaries: reading the file, the guessed columns, each row error, batches,
progress, resuming after a crash, and the REST API (202, then the report)."""

import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from api.accounts import service as accounts_service
from api.accounts.models import ApiToken, Membership, User
from api.beneficiaries import csv_file, csv_import
from api.beneficiaries.models import Beneficiary, BeneficiaryImport
from api.beneficiaries.phones import normalise_mobile
from api.console.import_pages import EXAMPLE_FILE
from api.db import get_session, session_scope, utcnow
from api.followers.models import Follower
from api.main import app
from api.organisations.models import Organisation
from tests.api import factories as f
from tests.api.accounts.factories import FAST_HASH, make_account

HEADER = "Nom;Prénom;Téléphone portable;Code INSEE;Canal"


def fiction(n: int) -> str:
    """A number of ARCEP's fiction range (06 39 98 00 00 - 06 39 98 99 99), national format."""
    digits = f"063998{n:04d}"
    return " ".join(digits[i : i + 2] for i in range(0, 10, 2))


def e164(n: int) -> str:
    return f"+3363998{n:04d}"


def csv_bytes(*lines: str, encoding: str = "utf-8", delimiter: str = ";") -> bytes:
    return "\r\n".join(line.replace(";", delimiter) for line in lines).encode(encoding)


def upload(
    session: Session, raw: bytes, *, organisation: Organisation, draft: bool = False
) -> BeneficiaryImport:
    """Store an import and commit, as the request that receives the file does."""
    job = csv_import.create_import(
        session, organisation_id=organisation.id, filename="f.csv", raw=raw, draft=draft
    )
    session.commit()
    return job


def run(session: Session, raw: bytes, *, organisation: Organisation, **options) -> BeneficiaryImport:
    """Upload and process an import to its end, synchronously."""
    job = upload(session, raw, organisation=organisation)
    processed = csv_import.process_import(session, import_id=job.id, **options)
    assert processed is not None
    return processed


def people(session: Session, organisation: Organisation) -> dict[str, Beneficiary]:
    query = select(Beneficiary).where(Beneficiary.organisation_id == organisation.id)
    return {person.phone: person for person in session.scalars(query)}


@pytest.fixture
def org(session: Session) -> Organisation:
    return f.organisation(session, name="Département de la Drôme")


# --------------------------------------------------------------------------- reading the file


@pytest.mark.parametrize(
    "encoding,bom",
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1252", b""), ("utf-16", b"")],
    ids=["utf-8", "utf-8 with BOM", "windows-1252 (Excel)", "utf-16 (Excel texte Unicode)"],
)
def test_encodings_are_read(session: Session, org: Organisation, encoding: str, bom: bytes) -> None:
    raw = bom + csv_bytes(HEADER, f"Dupré;Hélène;{fiction(1)};26362;sms", encoding=encoding)
    job = run(session, raw, organisation=org)
    assert (job.status, job.created_count, job.errors) == ("done", 1, [])
    person = people(session, org)[e164(1)]
    assert (person.first_name, person.last_name, person.code_insee) == ("Hélène", "Dupré", "26362")


@pytest.mark.parametrize("delimiter", [";", ",", "\t"], ids=["semicolon", "comma", "tab"])
def test_delimiters_are_sniffed(delimiter: str) -> None:
    raw = csv_bytes("Nom;Prénom;Téléphone", f"Martin;Léa;{fiction(1)}", delimiter=delimiter)
    _text, table = csv_file.read_file(raw)
    assert table.delimiter == delimiter
    assert table.headers == ["Nom", "Prénom", "Téléphone"]
    assert table.rows == [(2, ["Martin", "Léa", fiction(1)])]


def test_quoted_cells_keep_their_delimiters_and_row_numbers_are_the_spreadsheets() -> None:
    text = 'Nom,Prénom,Tél\r\n"Martin, épouse Durand",Léa,0639980001\r\n\r\n"Petit",Camille,0639980002\r\n'
    table = csv_file.read_table(text)
    assert table.delimiter == ","
    # The blank line is row 3 in a spreadsheet: Camille is row 4.
    assert table.rows == [
        (2, ["Martin, épouse Durand", "Léa", "0639980001"]),
        (4, ["Petit", "Camille", "0639980002"]),
    ]


def test_empty_and_repeated_headers_get_names() -> None:
    table = csv_file.read_table("Nom;;Nom;Tél\r\na;b;c;d\r\n")
    assert table.headers == ["Nom", "Colonne 2", "Nom (2)", "Tél"]


@pytest.mark.parametrize(
    "raw,status,words",
    [
        (b"", 422, "vide"),
        (csv_bytes(HEADER), 422, "aucune ligne"),
        (b"PK\x03\x04 a zip", 422, "classeur Excel"),
        (b"\xd0\xcf\x11\xe0 an old xls", 422, "classeur Excel"),
        (b"x" * (csv_file.max_bytes() + 1), 413, "5 Mo"),
    ],
    ids=["empty", "header only", "xlsx", "xls", "too big"],
)
def test_files_that_cannot_be_imported_are_refused_clearly(raw: bytes, status: int, words: str) -> None:
    with pytest.raises(csv_file.FileRefused) as refused:
        csv_file.read_file(raw)
    assert refused.value.status_code == status
    assert words in refused.value.detail


def test_more_than_50_000_rows_is_refused() -> None:
    lines = ["Tél"] + ["0639980001"] * (csv_file.MAX_ROWS + 1)
    with pytest.raises(csv_file.FileRefused, match="50 001 lignes, plus que les 50 000 permises"):
        csv_file.read_file("\n".join(lines).encode())


# --------------------------------------------------------------------------- the guessed mapping


def _guess(headers: list[str], *rows: list[str]) -> dict[str, str]:
    return csv_file.guess_mapping(csv_file.Table(headers, [(i + 2, r) for i, r in enumerate(rows)], ";"))


def test_usual_french_headers_are_recognised() -> None:
    headers = [
        "N° allocataire",
        "NOM",
        "Prénom",
        "Téléphone fixe",
        "Téléphone portable",
        "Code postal",
        "Code INSEE",
        "Canal préféré",
    ]
    assert _guess(headers) == {
        "phone": "Téléphone portable",
        "first_name": "Prénom",
        "last_name": "NOM",
        "code_insee": "Code INSEE",
        "preferred_channel": "Canal préféré",
    }
    assert _guess(["nom de naissance", "Nom d'usage", "tel", "first name"]) == {
        "phone": "tel",
        "first_name": "first name",
        "last_name": "Nom d'usage",
    }
    assert _guess(["Mobile", "Nom de la commune", "Prénoms"]) == {"phone": "Mobile", "first_name": "Prénoms"}


def test_a_commune_column_is_taken_for_the_insee_code_only_if_it_holds_codes() -> None:
    assert (
        _guess(["Tel", "Commune"], ["0639980001", "26362"], ["0639980002", "26198"])["code_insee"]
        == "Commune"
    )
    assert "code_insee" not in _guess(["Tel", "Commune"], ["0639980001", "Valence"], ["0639980002", "Crest"])


def test_a_column_of_mobile_numbers_is_found_whatever_its_title() -> None:
    guessed = _guess(["Nom", "Contact"], ["Martin", "06 39 98 00 01"], ["Petit", "06 39 98 00 02"])
    assert guessed == {"phone": "Contact", "last_name": "Nom"}


def test_mapping_problems_are_said_per_field() -> None:
    headers = ["Nom", "Tél"]
    assert csv_file.mapping_problems({"phone": "Tél", "last_name": "Nom"}, headers) == {}
    assert "téléphone" in csv_file.mapping_problems({"last_name": "Nom"}, headers)["phone"]
    assert "pas de colonne « GSM »" in csv_file.mapping_problems({"phone": "GSM"}, headers)["phone"]
    twice = csv_file.mapping_problems({"phone": "Tél", "first_name": "Nom", "last_name": "Nom"}, headers)
    assert twice == {"last_name": "Cette colonne est déjà choisie pour « Prénom »."}
    assert "nir" in csv_file.mapping_problems({"phone": "Tél", "nir": "Nom"}, headers)[""]


# --------------------------------------------------------------------------- rows


def test_every_kind_of_row_error_is_reported_with_its_row_and_column(
    session: Session, org: Organisation
) -> None:
    raw = csv_bytes(
        HEADER,
        f"Martin;Léa;{fiction(1)};26362;sms",  # 2: imported
        "Petit;Camille;;26362;",  # 3: no phone
        "Roux;Jean;06 12 34;26362;",  # 4: too short
        "Faure;Anne;04 65 71 00 05;26362;",  # 5: landline
        "Blanc;Paul;08 00 12 34 56;26362;",  # 6: freephone
        f"Girard;Inès;{fiction(6)};Valence;",  # 7: not an INSEE code
        f"Morel;Luc;{fiction(7)};26362;pigeon",  # 8: unknown channel
        f"{'X' * 81};Zoé;{fiction(8)};;",  # 9: name too long
        f"Martin;Léa;{fiction(1).replace(' ', '.')};26362;",  # 10: same number as row 2
        "Roche;Éric;bonjour;ABC;fax",  # 11: three errors, one row
    )
    job = run(session, raw, organisation=org)
    assert job.status == "done"
    assert (job.total_rows, job.processed_rows, job.created_count, job.updated_count) == (10, 10, 1, 0)
    assert job.error_count == 9
    assert job.errors == [
        {"row": 3, "column": "Téléphone portable", "message": "téléphone manquant"},
        {"row": 4, "column": "Téléphone portable", "message": "numéro invalide"},
        {"row": 5, "column": "Téléphone portable", "message": "numéro fixe : il ne peut pas recevoir de SMS"},
        {
            "row": 6,
            "column": "Téléphone portable",
            "message": "numéro spécial : il ne peut pas recevoir de SMS",
        },
        {
            "row": 7,
            "column": "Code INSEE",
            "message": "code INSEE invalide : 5 caractères, par exemple 26362",
        },
        {"row": 8, "column": "Canal", "message": "canal inconnu : indiquez sms ou whatsapp"},
        {"row": 9, "column": "Nom", "message": "trop long : 80 caractères au plus"},
        {
            "row": 10,
            "column": "Téléphone portable",
            "message": "numéro en double : il est déjà ligne 2 du fichier",
        },
        {"row": 11, "column": "Téléphone portable", "message": "numéro invalide"},
        {
            "row": 11,
            "column": "Code INSEE",
            "message": "code INSEE invalide : 5 caractères, par exemple 26362",
        },
        {"row": 11, "column": "Canal", "message": "canal inconnu : indiquez sms ou whatsapp"},
    ]
    assert list(people(session, org)) == [e164(1)]
    # The report names rows and reasons, never a cell's value.
    assert "bonjour" not in str(job.errors) and "04 65" not in str(job.errors)


def test_excel_mangled_cells_are_read_as_meant(session: Session, org: Organisation) -> None:
    raw = csv_bytes(
        "Téléphone;Code INSEE;Canal",
        '"=""0639980001""";1053;WhatsApp',  # ="..." keeps the zero; 01053 lost its zero
        "639980002;2a004;SMS",  # the zero eaten by Excel
        "'+33 6 39 98 00 03;26362;sms",
    )
    job = run(session, raw, organisation=org)
    assert (job.created_count, job.errors) == (3, [])
    found = people(session, org)
    assert (found[e164(1)].code_insee, found[e164(1)].preferred_channel) == ("01053", "whatsapp")
    assert found[e164(2)].code_insee == "2A004"
    assert e164(3) in found


def test_overseas_mobiles_are_read_with_their_own_region(session: Session) -> None:
    reunion = f.organisation(session, tz="Indian/Reunion", name="Département de La Réunion")
    reunion.departement_code = "974"
    session.flush()
    job = run(session, csv_bytes("Tél", "0692 12 34 56"), organisation=reunion)
    assert (job.created_count, job.errors) == (1, [])
    assert list(people(session, reunion)) == ["+262692123456"]


def test_a_number_followed_elsewhere_is_created_here_and_reveals_nothing(
    session: Session, org: Organisation
) -> None:
    other = f.organisation(session, name="Métropole de Lyon")
    theirs = Beneficiary(organisation_id=other.id, phone=e164(5), first_name="Sam", last_name="Dubois")
    session.add(theirs)
    session.flush()
    job = run(session, csv_bytes(HEADER, f"Nouveau;Nom;{fiction(5)};26362;"), organisation=org)
    assert (job.created_count, job.updated_count, job.error_count, job.errors) == (1, 0, 0, [])
    ours = people(session, org)[e164(5)]
    assert (ours.first_name, ours.last_name) == ("Nom", "Nouveau")
    session.refresh(theirs)
    assert (theirs.organisation_id, theirs.first_name, theirs.last_name) == (other.id, "Sam", "Dubois")


def test_a_person_already_followed_is_updated_not_duplicated(session: Session, org: Organisation) -> None:
    known = Beneficiary(
        organisation_id=org.id, phone=e164(1), first_name="Lea", last_name=None, opted_out=True
    )
    session.add(known)
    session.flush()
    job = run(session, csv_bytes(HEADER, f"Martin;;{fiction(1)};26362;whatsapp"), organisation=org)
    assert (job.created_count, job.updated_count, job.error_count) == (0, 1, 0)
    session.refresh(known)
    # Filled cells update; an empty cell erases nothing; STOP is the person's, never the file's.
    assert (known.first_name, known.last_name, known.code_insee) == ("Lea", "Martin", "26362")
    assert (known.preferred_channel, known.opted_out) == ("whatsapp", True)
    assert len(people(session, org)) == 1


def test_importing_the_same_file_again_creates_nothing(session: Session, org: Organisation) -> None:
    raw = csv_bytes(
        HEADER, *(f"Nom{n};Prénom{n};{fiction(n)};26362;" for n in range(1, 6)), "X;Y;04 65 71 00 05;;"
    )
    first = run(session, raw, organisation=org)
    assert (first.created_count, first.updated_count, first.error_count) == (5, 0, 1)
    again = run(session, raw, organisation=org)
    assert (again.created_count, again.updated_count, again.error_count, again.processed_rows) == (0, 0, 1, 6)
    assert len(people(session, org)) == 5


# --------------------------------------------------------------------------- batches, progress, resume


def _file(count: int) -> bytes:
    return csv_bytes(HEADER, *(f"Nom{n};Prénom{n};{fiction(n)};26362;sms" for n in range(count)))


def test_progress_moves_batch_by_batch_and_the_file_is_deleted_at_the_end(
    session: Session, org: Organisation
) -> None:
    job = upload(session, _file(5), organisation=org)
    assert (job.status, job.total_rows, job.processed_rows) == ("pending", 5, 0)
    csv_import.process_import(session, import_id=job.id, batch_size=2, max_batches=1)
    assert (job.status, job.processed_rows, job.created_count) == ("running", 2, 2)
    assert job.content is not None and job.finished_at is None
    csv_import.process_import(session, import_id=job.id, batch_size=2, max_batches=1)
    assert (job.status, job.processed_rows, job.created_count) == ("running", 4, 4)
    csv_import.process_import(session, import_id=job.id, batch_size=2)
    assert (job.status, job.processed_rows, job.created_count) == ("done", 5, 5)
    assert job.content is None and job.finished_at is not None
    # Done is done: another run changes nothing.
    assert csv_import.process_import(session, import_id=job.id).created_count == 5


def test_an_import_stopped_mid_file_is_resumed_where_it_stopped(session: Session, org: Organisation) -> None:
    job = upload(session, _file(7), organisation=org)
    csv_import.process_import(session, import_id=job.id, batch_size=3, max_batches=1)  # the process dies here
    assert (job.status, job.processed_rows) == ("running", 3)
    watch = csv_import.ImportWatch(grace=timedelta(minutes=2))
    now = utcnow()
    # First look: it might still be moving. A minute later: still maybe. After the grace: resumed.
    assert csv_import.resume_imports(session, now=now, watch=watch) == []
    assert csv_import.resume_imports(session, now=now + timedelta(minutes=1), watch=watch) == []
    assert csv_import.resume_imports(session, now=now + timedelta(minutes=2), watch=watch) == [job.id]
    session.refresh(job)
    assert (job.status, job.processed_rows, job.created_count, job.error_count) == ("done", 7, 7, 0)
    assert job.content is None
    assert sorted(people(session, org)) == [e164(n) for n in range(7)]


def test_an_import_that_moves_is_not_resumed(session: Session, org: Organisation) -> None:
    job = upload(session, _file(7), organisation=org)
    watch = csv_import.ImportWatch(grace=timedelta(minutes=2))
    now = utcnow()
    assert csv_import.resume_imports(session, now=now, watch=watch) == []
    csv_import.process_import(session, import_id=job.id, batch_size=3, max_batches=1)  # progress meanwhile
    assert csv_import.resume_imports(session, now=now + timedelta(minutes=2), watch=watch) == []
    assert csv_import.resume_imports(session, now=now + timedelta(minutes=4), watch=watch) == [job.id]


def test_drafts_are_not_run_and_are_deleted_after_a_day(session: Session, org: Organisation) -> None:
    draft = upload(session, _file(2), organisation=org, draft=True)
    assert csv_import.process_import(session, import_id=draft.id).status == "draft"
    watch = csv_import.ImportWatch(grace=timedelta(0))
    now = utcnow()
    assert csv_import.resume_imports(session, now=now, watch=watch) == []
    assert (draft.status, draft.content is not None) == ("draft", True)
    csv_import.resume_imports(session, now=now + timedelta(hours=25), watch=watch)
    session.refresh(draft)
    assert (draft.status, draft.content) == ("cancelled", None)
    assert people(session, org) == {}


def test_an_unexpected_error_leaves_no_half_batch_and_deletes_the_file(
    session: Session, org: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = upload(session, _file(5), organisation=org)
    real_commit = session.commit
    commits = []

    def commit_then_lose_the_database() -> None:
        commits.append(1)
        if len(commits) == 2:  # the second batch's commit: the database goes away
            raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))
        real_commit()

    monkeypatch.setattr(session, "commit", commit_then_lose_the_database)
    csv_import.process_import(session, import_id=job.id, batch_size=2)
    assert (job.status, job.processed_rows, job.created_count) == ("failed", 2, 2)
    assert job.content is None and job.finished_at is not None
    assert sorted(people(session, org)) == [e164(0), e164(1)]  # batch 2 (rows 4 and 5) left nothing


def test_a_mapping_that_no_longer_fits_fails_the_import_cleanly(session: Session, org: Organisation) -> None:
    job = upload(session, _file(2), organisation=org)
    job.mapping = {"phone": "GSM"}
    session.flush()
    csv_import.process_import(session, import_id=job.id)
    assert (job.status, job.content, job.processed_rows) == ("failed", None, 0)


def test_ten_thousand_rows(session: Session, org: Organisation) -> None:
    raw = _file(10_000)
    started = time.monotonic()
    job = run(session, raw, organisation=org)
    elapsed = time.monotonic() - started
    assert (job.status, job.processed_rows, job.created_count, job.error_count) == ("done", 10_000, 10_000, 0)
    count = session.scalar(
        select(func.count()).select_from(Beneficiary).where(Beneficiary.organisation_id == org.id)
    )
    assert count == 10_000
    assert elapsed < 120, elapsed  # a generous bound for a slow machine; about 2 s measured on 2 cores


def test_the_report_keeps_the_first_thousand_errors_and_exact_counts(
    session: Session, org: Organisation
) -> None:
    raw = csv_bytes("Tél;Canal", *(["04 65 71 00 05;fax"] * 600))  # two errors per row
    job = run(session, raw, organisation=org, batch_size=200)
    assert (job.error_count, len(job.errors)) == (600, csv_import.MAX_REPORTED_ERRORS)
    assert job.errors[-1]["row"] == 501  # rows 2 to 501, two errors each


def test_fiction_numbers_are_mobiles_for_the_whole_application() -> None:
    assert normalise_mobile("06 39 98 12 34") == "+33639981234"
    assert csv_file.classify_phone("+33 6 39 98 12 34") == ("+33639981234", "")


def test_the_sample_file_of_the_docs_imports(session: Session, org: Organisation) -> None:
    job = run(session, EXAMPLE_FILE.read_bytes(), organisation=org)
    assert (job.created_count, job.error_count) == (4, 2)
    assert [error["message"] for error in job.errors] == [
        "numéro fixe : il ne peut pas recevoir de SMS",
        "numéro en double : il est déjà ligne 3 du fichier",
    ]


# --------------------------------------------------------------------------- REST API


def _upload(client: TestClient, headers: dict, organisation_id: int, raw: bytes, **data: str):
    return client.post(
        "/api/beneficiary-imports",
        headers=headers,
        data={"organisation_id": str(organisation_id), **data},
        files={"file": ("personnes.csv", raw, "text/csv")},
    )


def test_the_api_answers_202_then_reports_progress_and_errors(
    client: TestClient, session: Session, org: Organisation
) -> None:
    agent = make_account(session, {org.id: "agent"})
    raw = csv_bytes(HEADER, f"Martin;Léa;{fiction(1)};26362;", "Faure;Anne;04 65 71 00 05;;")
    response = _upload(client, agent.headers, org.id, raw)
    assert response.status_code == 202, response.text
    body = response.json()
    assert response.headers["location"] == f"/api/beneficiary-imports/{body['id']}"
    assert (body["status"], body["total_rows"], body["filename"]) == ("pending", 2, "personnes.csv")
    assert body["mapping"]["phone"] == "Téléphone portable"
    csv_import.process_import(session, import_id=body["id"])  # what the background task does
    report = client.get(f"/api/beneficiary-imports/{body['id']}", headers=agent.headers).json()
    assert (report["status"], report["processed_rows"], report["created_count"], report["error_count"]) == (
        "done",
        2,
        1,
        1,
    )
    assert report["errors"] == [
        {"row": 3, "column": "Téléphone portable", "message": "numéro fixe : il ne peut pas recevoir de SMS"}
    ]
    listed = client.get("/api/beneficiary-imports", headers=agent.headers).json()
    assert [item["id"] for item in listed] == [body["id"]] and "errors" not in listed[0]


def test_the_api_takes_a_mapping_and_refuses_a_wrong_one(
    client: TestClient, session: Session, org: Organisation
) -> None:
    admin = make_account(session, {org.id: "admin"})
    raw = csv_bytes("A;B", f"Léa;{fiction(1)}")
    given = _upload(client, admin.headers, org.id, raw, mapping='{"phone": "B", "first_name": "A"}')
    assert given.status_code == 202 and given.json()["mapping"] == {"phone": "B", "first_name": "A"}
    guessed = _upload(client, admin.headers, org.id, raw)  # "B" holds mobiles: guessed from its content
    assert guessed.status_code == 202 and guessed.json()["mapping"] == {"phone": "B"}
    no_phone = _upload(client, admin.headers, org.id, raw, mapping='{"first_name": "A"}')
    assert no_phone.status_code == 422 and "téléphone" in no_phone.json()["detail"]
    unknown = _upload(client, admin.headers, org.id, raw, mapping='{"phone": "GSM"}')
    assert unknown.status_code == 422 and "« GSM »" in unknown.json()["detail"]
    assert _upload(client, admin.headers, org.id, raw, mapping="[1]").status_code == 422
    assert _upload(client, admin.headers, org.id, raw, mapping="{").status_code == 422
    too_big = _upload(client, admin.headers, org.id, b"x" * (csv_file.max_bytes() + 1))
    assert too_big.status_code == 413 and "at most 5 MiB" in too_big.json()["detail"]


def test_the_api_needs_a_token_and_a_membership(
    client: TestClient, session: Session, org: Organisation
) -> None:
    raw = csv_bytes(HEADER, f"Martin;Léa;{fiction(1)};26362;")
    assert _upload(client, {}, org.id, raw).status_code == 401
    stranger = make_account(session, {f.organisation(session).id: "admin"})
    missing = _upload(client, stranger.headers, 987654321, raw)
    foreign = _upload(client, stranger.headers, org.id, raw)
    assert (
        (foreign.status_code, foreign.json())
        == (missing.status_code, missing.json())
        == (
            404,
            {"detail": "organisation not found"},
        )
    )
    assert session.scalar(select(func.count()).select_from(BeneficiaryImport)) == 0


# --------------------------------------------------------------------------- for real, in the background


@pytest.fixture
def committed_world(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[int, str]]:
    """An organisation and an agent committed for real (the background task has its own session)."""
    monkeypatch.setattr(accounts_service, "_password_hash", FAST_HASH)
    with session_scope() as session:
        organisation = f.organisation(session, name="Département réel")
        agent = make_account(session, {organisation.id: "agent"})
        session.commit()
        ids = (organisation.id, agent.user.id)
    yield ids[0], agent.token
    with session_scope() as session:
        session.execute(delete(Follower).where(Follower.organisation_id == ids[0]))
        session.execute(delete(Beneficiary).where(Beneficiary.organisation_id == ids[0]))
        session.execute(delete(BeneficiaryImport).where(BeneficiaryImport.organisation_id == ids[0]))
        session.execute(delete(ApiToken).where(ApiToken.user_id == ids[1]))
        session.execute(delete(Membership).where(Membership.user_id == ids[1]))
        session.execute(delete(User).where(User.id == ids[1]))
        session.execute(delete(Organisation).where(Organisation.id == ids[0]))
        session.commit()


def test_the_api_imports_in_the_background_after_committing(committed_world: tuple[int, str]) -> None:
    organisation_id, token = committed_world
    assert get_session not in app.dependency_overrides  # the real sessions, committed
    raw = csv_bytes(HEADER, *(f"Nom{n};Prénom{n};{fiction(9000 + n)};26362;" for n in range(3)))
    response = _upload(TestClient(app), {"Authorization": f"Bearer {token}"}, organisation_id, raw)
    assert response.status_code == 202
    # TestClient returns once the background task ran: it found the import committed.
    with session_scope() as session:
        job = session.get(BeneficiaryImport, response.json()["id"])
        assert job is not None
        assert (job.status, job.created_count, job.content) == ("done", 3, None)


def test_two_workers_on_one_import_never_apply_a_batch_twice(committed_world: tuple[int, str]) -> None:
    organisation_id, _token = committed_world
    raw = csv_bytes(HEADER, *(f"Nom{n};Prénom{n};{fiction(8000 + n)};26362;" for n in range(60)))
    with session_scope() as session:
        job = csv_import.create_import(session, organisation_id=organisation_id, filename="f.csv", raw=raw)
        session.commit()
        import_id = job.id

    def worker() -> None:
        with session_scope() as session:
            csv_import.process_import(session, import_id=import_id, batch_size=5)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with session_scope() as session:
        job = session.get(BeneficiaryImport, import_id)
        assert job is not None
        assert (job.status, job.processed_rows, job.created_count, job.updated_count) == ("done", 60, 60, 0)
        assert job.error_count == 0, job.errors
        count = session.scalar(
            select(func.count())
            .select_from(Beneficiary)
            .where(Beneficiary.organisation_id == organisation_id)
        )
        assert count == 60
