"""The retention job: people inactive for the configured period are erased, the others kept."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.agenda.models import Slot
from api.appointments.models import Appointment
from api.beneficiaries.models import Beneficiary
from api.carnet import service as carnet_service
from api.config import get_settings
from api.db import session_scope, utcnow
from api.invitations.models import Invitation
from api.organisations.models import Organisation
from api.privacy import cli, retention
from api.privacy.models import ErasureRecord
from api.privacy.retention import months_before, purge_inactive
from tests.api import factories as f


def person(
    session: Session, org: Organisation, *, created: datetime, first_name: str = "Marie"
) -> Beneficiary:
    beneficiary = f.beneficiary(session, org, first_name=first_name)
    beneficiary.created_at = created
    session.flush()
    return beneficiary


def erased_ids(records: list[ErasureRecord], org: Organisation) -> int:
    """How many of this organisation's people were erased (other tests' rows may be in the database)."""
    return sum(1 for record in records if record.organisation_id == org.id)


def exists(session: Session, beneficiary_id: int) -> bool:
    return session.scalar(select(Beneficiary.id).where(Beneficiary.id == beneficiary_id)) is not None


def test_months_are_calendar_months() -> None:
    assert months_before(datetime(2026, 3, 31, 10, tzinfo=UTC), 1) == datetime(2026, 2, 28, 10, tzinfo=UTC)
    assert months_before(datetime(2028, 3, 31, tzinfo=UTC), 1) == datetime(2028, 2, 29, tzinfo=UTC)
    assert months_before(datetime(2026, 11, 28, 2, 30, tzinfo=UTC), 24) == datetime(
        2024, 11, 28, 2, 30, tzinfo=UTC
    )
    assert months_before(datetime(2026, 1, 15, tzinfo=UTC), 13) == datetime(2024, 12, 15, tzinfo=UTC)


def test_inactive_for_24_months_is_erased_and_the_active_kept(session: Session) -> None:
    now = utcnow()
    org = f.organisation(session)
    old = person(session, org, created=now - timedelta(days=800))
    entry = carnet_service.add_entry(
        session, beneficiary_id=old.id, kind="note", author="professional", body="vu"
    )
    entry.created_at = now - timedelta(days=760)
    recent = person(session, org, created=now - timedelta(days=30))
    old_id, recent_id = old.id, recent.id
    session.flush()

    records = purge_inactive(session, now)
    assert erased_ids(records, org) == 1
    [record] = [record for record in records if record.organisation_id == org.id]
    assert (record.reason, record.erased_by_user_id) == ("retention", None)
    assert record.removed["beneficiaries"] == 1 and record.removed["carnet_entries"] == 1
    assert not exists(session, old_id) and exists(session, recent_id)


@pytest.mark.parametrize("activity", ["message", "carnet", "appointment", "invitation"])
def test_any_recent_activity_keeps_the_person(session: Session, activity: str) -> None:
    now = utcnow()
    org = f.organisation(session)
    place, motif = f.place(session, org), f.motif(session, org)
    recently = now - timedelta(days=60)
    beneficiary = person(session, org, created=now - timedelta(days=1000))
    if activity == "message":
        beneficiary.last_inbound_at = recently
    elif activity == "carnet":
        entry = carnet_service.add_entry(
            session, beneficiary_id=beneficiary.id, kind="note", author="professional"
        )
        entry.created_at = recently
    elif activity == "appointment":
        # Booked long ago, for an appointment that took place two months ago.
        slot = Slot(
            organisation_id=org.id,
            place_id=place.id,
            motif_id=motif.id,
            start=recently,
            end=recently + timedelta(hours=1),
        )
        session.add(slot)
        session.flush()
        session.add(
            Appointment(
                organisation_id=org.id,
                beneficiary_id=beneficiary.id,
                slot_id=slot.id,
                status="seen",
                created_at=now - timedelta(days=900),
            )
        )
    else:
        session.add(
            Invitation(
                organisation_id=org.id,
                beneficiary_id=beneficiary.id,
                motif_id=motif.id,
                place_id=place.id,
                created_at=recently,
                expires_at=recently + timedelta(days=10),
            )
        )
    session.flush()
    assert erased_ids(purge_inactive(session, now), org) == 0
    assert exists(session, beneficiary.id)
    # Two months of inactivity are enough with a one-month period.
    assert erased_ids(purge_inactive(session, now, months=1), org) == 1
    assert not exists(session, beneficiary.id)


def test_the_boundary(session: Session) -> None:
    now = utcnow()
    cutoff = months_before(now, 24)
    org = f.organisation(session)
    at_cutoff = person(session, org, created=cutoff)
    just_before = person(session, org, created=cutoff - timedelta(seconds=1))
    keep, gone = at_cutoff.id, just_before.id
    assert erased_ids(purge_inactive(session, now), org) == 1
    assert exists(session, keep) and not exists(session, gone)


def test_the_setting_is_respected(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    now = utcnow()
    org = f.organisation(session)
    beneficiary = person(session, org, created=now - timedelta(days=7 * 31))
    assert erased_ids(purge_inactive(session, now), org) == 0  # 24 months by default
    monkeypatch.setattr(get_settings(), "retention_months", 6)
    assert erased_ids(purge_inactive(session, now), org) == 1
    assert not exists(session, beneficiary.id)
    with pytest.raises(ValueError):
        purge_inactive(session, now, months=0)


def test_in_batches_and_logged_without_names_or_numbers(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    now = utcnow()
    org = f.organisation(session)
    people = [person(session, org, created=now - timedelta(days=900), first_name="Ondine") for _ in range(5)]
    ids, phones = [p.id for p in people], [p.phone for p in people]
    with caplog.at_level(logging.INFO, logger="api.privacy"):
        records = purge_inactive(session, now, batch_size=2)
    assert erased_ids(records, org) == 5
    lines = [r.getMessage() for r in caplog.records if r.name == "api.privacy.retention"]
    batches = [line for line in lines if line.startswith("retention: erased")]
    assert len(batches) >= 3  # 2 + 2 + 1
    logged = "\n".join(lines)
    assert all(str(beneficiary_id) in logged for beneficiary_id in ids)
    assert all(phone not in logged and phone[-8:] not in logged for phone in phones)
    assert "Ondine" not in logged
    assert "people erased in all" in lines[-1]


# --------------------------------------------------------------------------- command line (real commits)


def test_the_command_line_dry_run_deletes_nothing(capsys: pytest.CaptureFixture) -> None:
    now = utcnow()
    with session_scope() as session:
        org = f.organisation(session)
        old = person(session, org, created=now - timedelta(days=1000))
        session.commit()
        old_id, phone = old.id, old.phone

    cli.main(["purge", "--dry-run"])
    out = capsys.readouterr().out
    assert out.startswith("dry run: ") and "would be erased" in out and str(old_id) in out
    assert phone not in out
    with session_scope() as session:
        assert exists(session, old_id)

    cli.main(["purge"])
    assert "erased" in capsys.readouterr().out
    with session_scope() as session:
        assert not exists(session, old_id)
        record = session.scalars(
            select(ErasureRecord).where(ErasureRecord.organisation_id == org.id).order_by(ErasureRecord.id)
        ).one()
        assert record.reason == "retention"

    with pytest.raises(SystemExit):
        cli.main(["purge", "--months", "0"])


def test_the_schedulers_daily_job() -> None:
    with session_scope() as session:
        org = f.organisation(session)
        old_id = person(session, org, created=utcnow() - timedelta(days=1000)).id
        session.commit()
    retention.run_daily()
    with session_scope() as session:
        assert not exists(session, old_id)
        assert session.scalars(
            select(ErasureRecord.reason).where(ErasureRecord.organisation_id == org.id)
        ).all() == ["retention"]
