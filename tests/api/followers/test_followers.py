"""Who follows a person: the record's organisation from the start, others added and stopped, référents."""

import sqlite3
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from api.accounts.models import AuditLog
from api.beneficiaries import csv_import
from api.beneficiaries.models import Beneficiary
from api.followers.models import Follower
from api.organisations.models import Organisation
from tests.api.console.conftest import log_in
from tests.api.followers.world import World
from tests.conftest import ROOT


def test_the_record_s_organisation_follows_the_person_from_their_creation(world: World) -> None:
    rows = world.get(world.departement.agent, f"{world.base}/followers").raise_for_status().json()
    assert [(row["organisation_name"], row["holds_record"], row["until"]) for row in rows] == [
        ("Département de la Drôme", True, None)
    ]
    assert rows[0]["since"].startswith(world.person.created_at.isoformat()[:19])


def test_a_structure_that_does_not_follow_sees_nothing_and_cannot_add_itself(world: World) -> None:
    x = world.stranger.admin
    for path in ("", "/followers", "/carnet", "/sharing-consent"):
        assert world.get(x, f"{world.base}{path}").status_code == 404, path
    itself = {"organisation_id": world.stranger.organisation.id}
    assert world.post(x, f"{world.base}/followers", json=itself).status_code == 404
    assert world.post(x, f"{world.base}/sharing-consent", json={}).status_code == 404


def test_an_added_structure_reads_the_person_and_each_read_is_audited(world: World, session: Session) -> None:
    assert world.get(world.agency.agent, world.base).status_code == 404
    world.follow(world.agency)
    person = world.get(world.agency.agent, world.base).raise_for_status().json()
    assert person["id"] == world.person.id and person["phone"] == world.person.phone
    rows = world.get(world.agency.agent, f"{world.base}/followers").raise_for_status().json()
    assert [(row["organisation_name"], row["holds_record"]) for row in rows] == [
        ("Département de la Drôme", True),
        ("France Travail Valence", False),
    ]
    lines = session.scalars(
        select(AuditLog).where(AuditLog.beneficiary_id == world.person.id).order_by(AuditLog.id)
    ).all()
    shared = [
        (line.action, line.organisation_id, line.detail)
        for line in lines
        if line.user_id == world.agency.agent.user.id
    ]
    expected = f"from organisation {world.agency.organisation.id}"
    assert shared == [
        ("beneficiary.read_shared", world.departement.organisation.id, expected),
        ("followers.read_shared", world.departement.organisation.id, expected),
    ]
    # The département's admin sees them in its audit log.
    audit = world.get(
        world.departement.admin, "/api/audit-log", params={"beneficiary_id": world.person.id}
    ).json()
    assert {"beneficiary.read_shared", "followers.add"} <= {line["action"] for line in audit}


def test_following_twice_is_a_conflict(world: World) -> None:
    world.follow(world.agency)
    body = {"organisation_id": world.agency.organisation.id}
    assert world.post(world.departement.agent, f"{world.base}/followers", json=body).status_code == 409
    missing = {"organisation_id": 987_654_321}
    assert world.post(world.departement.agent, f"{world.base}/followers", json=missing).status_code == 404


def test_a_structure_names_its_own_members_as_referents(world: World) -> None:
    world.follow(world.agency)
    agency = world.agency.organisation.id
    path = f"{world.base}/followers/{agency}/referents"
    members = {"user_ids": [world.agency.agent.user.id, world.agency.admin.user.id]}
    rows = world.put(world.agency.agent, path, json=members).raise_for_status().json()
    referents = {row["organisation_id"]: {r["email"] for r in row["referents"]} for row in rows}
    assert referents[agency] == {world.agency.agent.user.email, world.agency.admin.user.email}
    # Not a member of the agency: refused; the département cannot name the agency's référents.
    outsider = {"user_ids": [world.departement.agent.user.id]}
    assert world.put(world.agency.agent, path, json=outsider).status_code == 422
    assert world.put(world.departement.agent, path, json={"user_ids": []}).status_code == 404
    # Setting them again replaces the list.
    rows = world.put(world.agency.agent, path, json={"user_ids": [world.agency.admin.user.id]}).json()
    assert [r["email"] for row in rows if row["organisation_id"] == agency for r in row["referents"]] == [
        world.agency.admin.user.email
    ]


def test_a_structure_that_stops_following_keeps_its_history_but_changes_nothing(world: World) -> None:
    world.follow(world.agency)
    agency = world.agency.organisation.id
    assert world.delete(world.stranger.agent, f"{world.base}/followers/{agency}").status_code == 404
    rows = world.delete(world.agency.agent, f"{world.base}/followers/{agency}").raise_for_status().json()
    ended = [row for row in rows if row["organisation_id"] == agency]
    assert len(ended) == 1 and ended[0]["until"] is not None
    assert world.get(world.agency.agent, world.base).status_code == 200
    again = {"organisation_id": world.stranger.organisation.id}
    assert world.post(world.agency.agent, f"{world.base}/followers", json=again).status_code == 403
    assert world.delete(world.agency.agent, f"{world.base}/followers/{agency}").status_code == 403
    # The département may let it follow again: a new follow-up, the old one kept.
    world.follow(world.agency)
    rows = world.get(world.departement.agent, f"{world.base}/followers").json()
    assert [row["until"] is None for row in rows if row["organisation_id"] == agency] == [False, True]


def test_the_record_s_organisation_cannot_stop_following(world: World) -> None:
    holder = world.departement.organisation.id
    assert world.delete(world.departement.admin, f"{world.base}/followers/{holder}").status_code == 409


def test_the_record_s_organisation_may_stop_another_s_follow_up(world: World) -> None:
    world.follow(world.agency)
    agency = world.agency.organisation.id
    assert world.delete(world.departement.agent, f"{world.base}/followers/{agency}").status_code == 200
    assert world.get(world.agency.agent, f"{world.base}/followers").status_code == 200  # history
    assert world.post(world.agency.agent, f"{world.base}/sharing-consent", json={}).status_code == 403


def test_the_console_shows_who_follows_and_since_when(world: World, session: Session) -> None:
    world.follow(world.agency)
    log_in(world.client, world.departement.agent)
    html = world.client.get(f"/console/beneficiaires/{world.person.id}").text
    panel = html[html.index("data-followers") : html.index("data-consent")]
    # The console shows the holder's local day, which near midnight is not the UTC one.
    day = f"{world.person.created_at.astimezone(world.departement.organisation.zone):%d/%m/%Y}"
    assert "Département de la Drôme</strong> (tient le dossier)" in panel
    assert "France Travail Valence" in panel and f"depuis le {day}" in panel
    assert "pas donné son accord" in html


def test_the_migration_backfills_who_follows_existing_people(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'before.db'}"

    def alembic(revision: str) -> None:
        env = {"SPIE_DATABASE_URL": url, "SPIE_ENVIRONMENT": "test", "PATH": ""}
        subprocess.run([sys.executable, "-m", "alembic", "upgrade", revision], cwd=ROOT, env=env, check=True)

    alembic("0014")
    engine = create_engine(url)
    with engine.begin() as connection:
        organisation = connection.execute(
            Organisation.__table__.insert().values(name="Drôme", departement_code="26")
        ).inserted_primary_key[0]
        for phone in ("+33611111111", "+33622222222"):
            connection.execute(
                Beneficiary.__table__.insert().values(organisation_id=organisation, phone=phone)
            )
    engine.dispose()
    alembic("head")
    with sqlite3.connect(tmp_path / "before.db") as db:
        rows = db.execute(
            "SELECT f.beneficiary_id, f.organisation_id, f.started_at = b.created_at, f.ended_at "
            "FROM followers f JOIN beneficiaries b ON b.id = f.beneficiary_id ORDER BY f.beneficiary_id"
        ).fetchall()
    assert [(row[1], row[2], row[3]) for row in rows] == [(organisation, 1, None), (organisation, 1, None)]
    assert len({row[0] for row in rows}) == 2


@pytest.mark.parametrize("how", ["api", "import"])
def test_every_new_record_is_followed_by_its_organisation(world: World, session: Session, how: str) -> None:
    if how == "api":
        body = {"organisation_id": world.departement.organisation.id, "phone": "+33698765432"}
        created = (
            world.post(world.departement.agent, "/api/beneficiaries", json=body).raise_for_status().json()
        )
        person_id = created["id"]
    else:
        raw = "telephone;prenom\r\n06 98 76 54 32;Inès\r\n".encode()
        job = csv_import.create_import(
            session, organisation_id=world.departement.organisation.id, filename="f.csv", raw=raw
        )
        session.commit()
        done = csv_import.process_import(session, import_id=job.id)
        assert done is not None and done.created_count == 1, done and done.errors
        person_id = session.scalars(select(Beneficiary.id).where(Beneficiary.phone == "+33698765432")).one()
    rows = session.scalars(select(Follower).where(Follower.beneficiary_id == person_id)).all()
    assert [(row.organisation_id, row.ended_at) for row in rows] == [
        (world.departement.organisation.id, None)
    ]
