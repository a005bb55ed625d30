import json
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from api.errors import Conflict, Invalid
from api.offers import importer
from api.offers import service as offer_service
from api.offers.models import Service, Structure
from tests.api.offers.rows import SOURCE, service_row, structure_row


def _count(session: Session, model: type[Structure] | type[Service]) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _service(session: Session, key: str) -> Service:
    return session.scalar(select(Service).where(Service.source_id == f"{SOURCE}--{key}"))


def test_demo_file_passes_the_schema() -> None:
    structures, services = importer.read_json_file(importer.DEMO_FILE)
    assert len(services) >= 15
    for index, row in enumerate(structures, start=1):
        assert importer.validate_row("structure", row, index=index) == [], row["id"]
    for index, row in enumerate(services, start=1):
        assert importer.validate_row("service", row, index=index) == [], row["id"]
        assert row["source"] == "demo-drome"


def test_schema_copies_and_credit_are_shipped() -> None:
    credits = (importer.SCHEMA_DIR / "CREDITS.md").read_text(encoding="utf-8")
    assert "data·inclusion — schéma v1.0.8, mise à jour du 27 avril 2026" in credits
    assert (
        (importer.SCHEMA_DIR / "LICENSE.md").read_text(encoding="utf-8").startswith("# LICENCE OUVERTE 2.0")
    )
    themes = json.loads((importer.SCHEMA_DIR / "thematiques.json").read_text(encoding="utf-8"))
    enum = importer.load_schema("service")["$defs"]["Thematique"]["enum"]
    assert sorted(t["value"] for t in themes) == sorted(enum)


def test_valid_file_is_imported(session: Session) -> None:
    report = importer.load_demo_offers(session)
    structures, services = importer.read_json_file(importer.DEMO_FILE)
    assert report.rejected == []
    assert report.structures_created == len(structures) == _count(session, Structure)
    assert report.services_created == len(services) == _count(session, Service)
    avip = session.scalar(select(Service).where(Service.source_id == "demo-drome--avip-petits-pas"))
    assert avip.structure.source_id == "demo-drome--creche-petits-pas"
    assert avip.zone_eligibilite == ["26362"]
    assert avip.mobilisable_par == ["usagers", "professionnels"]
    assert avip.thematiques == ["famille--garde-denfants"]
    assert avip.date_maj == date(2026, 4, 2)
    assert avip.latitude == pytest.approx(44.9374)


def test_invalid_rows_are_reported_and_valid_rows_imported(session: Session) -> None:
    structures = [
        structure_row("ok"),
        structure_row("no-name", nom=None),
        structure_row("bad-postcode", code_postal="2600"),
    ]
    del structures[1]["nom"]
    services = [
        service_row("ok", "ok"),
        service_row("bad-theme", "ok", thematiques=["famille--garde-denfants", "garde-chiens"]),
        service_row("bad-zone", "ok", zone_eligibilite=["26", "x"]),
        service_row("orphan", "nowhere"),
        service_row("of-rejected", "bad-postcode"),
        service_row("ok", "ok", nom="Doublon"),
        service_row("bad-date", "ok", date_maj="02/04/2026", mobilisable_par=["tout-le-monde"]),
    ]
    report = importer.import_offers(session, structures=structures, services=services)

    assert (report.structures_created, report.services_created) == (1, 1)
    rejected = {(e.kind, e.row, e.field): e for e in report.rejected}
    assert rejected[("structure", 2, "nom")].message == "required field missing"
    assert rejected[("structure", 2, "nom")].id == f"{SOURCE}--no-name"
    assert "2600" in rejected[("structure", 3, "code_postal")].message
    assert rejected[("service", 2, "thematiques")].message == "item 2: 'garde-chiens' is not an allowed value"
    assert rejected[("service", 3, "zone_eligibilite")].message.startswith("item 2: 'x'")
    assert "neither in this file nor in the database" in rejected[("service", 4, "structure_id")].message
    assert "was rejected (structure row 3)" in rejected[("service", 5, "structure_id")].message
    assert "duplicate of row 1" in rejected[("service", 6, "id")].message
    assert "is not a 'date'" in rejected[("service", 7, "date_maj")].message
    assert "'tout-le-monde' is not an allowed value" in rejected[("service", 7, "mobilisable_par")].message
    assert [e.kind for e in report.rejected] == ["structure"] * 2 + ["service"] * 7

    assert _count(session, Structure) == 1
    assert [s.source_id for s in session.scalars(select(Service))] == [f"{SOURCE}--ok"]


def test_service_of_a_structure_already_stored(session: Session) -> None:
    importer.import_offers(session, structures=[structure_row("a")], services=[])
    report = importer.import_offers(session, structures=[], services=[service_row("s", "a")])
    assert report.rejected == [] and report.services_created == 1
    assert _service(session, "s").structure.source_id == f"{SOURCE}--a"


def test_reimport_is_idempotent_and_updates_changed_fields(session: Session) -> None:
    structures = [structure_row("a"), structure_row("b")]
    services = [service_row("s1", "a"), service_row("s2", "a"), service_row("s3", "b")]
    first = importer.import_offers(session, structures=structures, services=services)
    assert (first.structures_created, first.services_created) == (2, 3)

    again = importer.import_offers(session, structures=structures, services=services)
    assert (again.structures_created, again.structures_updated, again.structures_unchanged) == (0, 0, 2)
    assert (again.services_created, again.services_updated, again.services_unchanged) == (0, 0, 3)
    assert (_count(session, Structure), _count(session, Service)) == (2, 3)

    services[1] = service_row("s2", "b", telephone="04 75 99 99 99", zone_eligibilite=["26", "07"])
    changed = importer.import_offers(session, structures=structures, services=services)
    assert (changed.services_created, changed.services_updated, changed.services_unchanged) == (0, 1, 2)
    assert (_count(session, Structure), _count(session, Service)) == (2, 3)
    s2 = _service(session, "s2")
    assert s2.telephone == "04 75 99 99 99"
    assert s2.zone_eligibilite == ["26", "07"]
    assert s2.structure.source_id == f"{SOURCE}--b"


def test_a_database_error_leaves_nothing_half_written(session: Session, monkeypatch) -> None:
    importer.import_offers(session, structures=[structure_row("a")], services=[service_row("s1", "a")])
    session.flush()
    structures = [structure_row("a", nom="Nouveau nom"), structure_row("b")]
    services = [service_row("s1", "a", nom="Nouveau service"), service_row("s2", "b")]

    real_flush = session.flush
    calls = []

    def flush_then_fail(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # the structures are written, the services are not yet
            raise OperationalError("INSERT INTO offer_services ...", {}, Exception("disk I/O error"))
        return real_flush(*args, **kwargs)

    monkeypatch.setattr(session, "flush", flush_then_fail)
    with pytest.raises(OperationalError):
        importer.import_offers(session, structures=structures, services=services)
    monkeypatch.undo()
    assert len(calls) == 2

    session.expire_all()
    assert (_count(session, Structure), _count(session, Service)) == (1, 1)
    assert session.scalar(select(Structure.nom)) == "Structure a"
    assert _service(session, "s1").nom == "Service s1"


def test_a_constraint_violation_leaves_nothing_half_written(session: Session, monkeypatch) -> None:
    importer.import_offers(session, structures=[structure_row("a")], services=[service_row("s1", "a")])
    session.flush()
    # As if another import had stored s1 in between: the importer inserts it again.
    monkeypatch.setattr(offer_service, "services_by_key", lambda session, *, keys: {})
    structures = [structure_row("a", nom="Nouveau nom"), structure_row("b")]
    services = [service_row("s2", "b"), service_row("s1", "a")]
    with pytest.raises(Conflict):
        importer.import_offers(session, structures=structures, services=services)

    session.expire_all()
    assert (_count(session, Structure), _count(session, Service)) == (1, 1)
    assert session.scalar(select(Structure.nom)) == "Structure a"


def test_csv_rows_are_converted_to_the_schema_types(tmp_path) -> None:
    (tmp_path / "structures.csv").write_text(
        "source;id;nom;date_maj;latitude;longitude;code_insee\n"
        f"{SOURCE};{SOURCE}--a;Centre social;2026-04-01;44,93;4.89;26362\n",
        encoding="utf-8-sig",
    )
    (tmp_path / "services.csv").write_text(
        "source,id,structure_id,nom,description,date_maj,thematiques,zone_eligibilite,mobilisable_par,"
        "nombre_semaines,telephone\n"
        f"{SOURCE},{SOURCE}--s,{SOURCE}--a,Garde,Une garde d'enfants.,2026-04-02,"
        f'"[""famille--garde-denfants""]","26362, 26281",usagers,4,\n',
        encoding="utf-8",
    )
    structures, services = importer.read_csv_files(
        structures_path=tmp_path / "structures.csv", services_path=tmp_path / "services.csv"
    )
    assert structures[0]["latitude"] == 44.93 and structures[0]["longitude"] == 4.89
    assert services[0]["thematiques"] == ["famille--garde-denfants"]
    assert services[0]["zone_eligibilite"] == ["26362", "26281"]
    assert services[0]["mobilisable_par"] == ["usagers"]
    assert services[0]["nombre_semaines"] == 4
    assert "telephone" not in services[0]  # an empty cell is an absent field
    assert importer.validate_row("service", services[0], index=1) == []


def test_csv_cells_that_cannot_be_converted_are_reported() -> None:
    rows = importer.rows_from_csv(
        "source,id,nom,date_maj,latitude\nx,x--1,Nom,2026-01-01,nord\n", kind="structure"
    )
    errors = importer.validate_row("structure", rows[0], index=1)
    assert [(e.field, e.message) for e in errors] == [("latitude", "'nord' is not of type 'number'")]


def test_a_json_file_of_another_shape_is_refused(tmp_path) -> None:
    path = tmp_path / "offers.json"
    path.write_text(json.dumps([{"source": "x"}]), encoding="utf-8")
    with pytest.raises(Invalid):
        importer.read_json_file(path)
