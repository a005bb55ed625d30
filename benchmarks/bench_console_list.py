"""The console's list of beneficiaries for a large organisation: follow-up statuses in bulk.

Run from the repository root:

    .venv/bin/python benchmarks/bench_console_list.py [--count 10000]

PostgreSQL only, in its own database `bench_console` (created if missing; its public schema is
rebuilt by the migrations). It inserts one organisation with `count` people: half of them
invited, a quarter with an appointment (half past and marked seen). Then it times, best of 3:
- the statuses of 1,000 people one person at a time (what the list did before: 2 queries a
  person), and that time scaled to everyone;
- the statuses of everyone in bulk (api/appointments/followup.py followup_statuses);
- the list page's data (api/console/views.py list_beneficiaries), unfiltered and filtered on
  a status (a filter on status needs everyone's status).
Target: the filtered list under 1 s for 10,000 people (PASS/MISS).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")
DB_NAME = "bench_console"
os.environ["SPIE_DATABASE_URL"] = (
    PG_SERVER.replace("postgresql://", "postgresql+psycopg://", 1) + f"/{DB_NAME}"
)

import psycopg  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

import api.models  # noqa: E402, F401  (registers every table)
from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402
from api.agenda.models import Motif, Place, Slot  # noqa: E402
from api.appointments.followup import followup_status, followup_statuses  # noqa: E402
from api.appointments.models import Appointment  # noqa: E402
from api.beneficiaries.models import Beneficiary  # noqa: E402
from api.console.views import list_beneficiaries  # noqa: E402
from api.db import get_engine  # noqa: E402
from api.invitations.models import Invitation  # noqa: E402
from api.organisations.models import Organisation  # noqa: E402

TARGET_SECONDS = 1.0


def rebuild() -> None:
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone():
            connection.execute(f'CREATE DATABASE "{DB_NAME}"')
    with get_engine().begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    command.upgrade(config, "head")


def populate(count: int, now: datetime) -> int:
    with get_engine().begin() as connection:

        def ids(model, rows):
            statement = insert(model.__table__).returning(model.__table__.c.id, sort_by_parameter_order=True)
            return list(connection.execute(statement, rows).scalars())

        (org,) = ids(Organisation, [{"name": "Bench", "departement_code": "26", "time_zone": "Europe/Paris"}])
        (place,) = ids(Place, [{"organisation_id": org, "name": "Lieu", "address": "1 rue X"}])
        (motif,) = ids(Motif, [{"organisation_id": org, "name": "RSA", "duration_minutes": 30}])
        people = ids(
            Beneficiary,
            [
                {
                    "organisation_id": org,
                    "phone": f"+3361{index:07d}",
                    "first_name": f"P{index}",
                    "last_name": f"N{index % 997}",
                    "preferred_channel": "sms",
                    "opted_out": False,
                    "created_at": now - timedelta(days=60),
                }
                for index in range(count)
            ],
        )
        invited = people[: count // 2]
        ids(
            Invitation,
            [
                {
                    "organisation_id": org,
                    "beneficiary_id": person,
                    "motif_id": motif,
                    "place_id": place,
                    "status": "booked" if index % 2 == 0 else "pending",
                    "kind": "invitation",
                    "offered_slot_ids": [],
                    "seen_slot_ids": [],
                    "created_at": now - timedelta(days=20),
                    "expires_at": now - timedelta(days=10) if index % 4 == 1 else now + timedelta(days=5),
                }
                for index, person in enumerate(invited)
            ],
        )
        booked = invited[::2]
        starts = [
            now + timedelta(days=(-5 if index % 2 else 5), minutes=index) for index in range(len(booked))
        ]
        slots = ids(
            Slot,
            [
                {
                    "organisation_id": org,
                    "place_id": place,
                    "motif_id": motif,
                    "start": start,
                    "end": start + timedelta(minutes=30),
                    "capacity": 1,
                    "booked_count": 1,
                }
                for start in starts
            ],
        )
        ids(
            Appointment,
            [
                {
                    "organisation_id": org,
                    "beneficiary_id": person,
                    "slot_id": slot,
                    "status": "seen" if index % 2 else "unknown",
                    "created_at": now - timedelta(days=15),
                }
                for index, (person, slot) in enumerate(zip(booked, slots, strict=True))
            ],
        )
        connection.execute(text("ANALYZE"))
        return org


def best_of(runs: int, work) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    now = datetime.now(UTC)
    rebuild()
    org = populate(args.count, now)
    with Session(get_engine()) as session:
        ids = [row for (row,) in session.execute(text("SELECT id FROM beneficiaries ORDER BY id"))]
        sample = ids[:: max(1, len(ids) // 1000)]
        one_by_one, single = best_of(
            1, lambda: {i: followup_status(session, beneficiary_id=i, now=now) for i in sample}
        )
        bulk_time, bulk = best_of(3, lambda: followup_statuses(session, beneficiary_ids=ids, now=now))
        assert single == {i: bulk[i] for i in sample}, "bulk and one-by-one statuses differ"
        listing_time, listing = best_of(
            3, lambda: list_beneficiaries(session, organisation_ids=[org], now=now)
        )
        filtered_time, filtered = best_of(
            3, lambda: list_beneficiaries(session, organisation_ids=[org], status="rdv_seen", now=now)
        )
    print(f"people: {args.count} (PostgreSQL, database {DB_NAME})")
    scaled = one_by_one * len(ids) / len(sample)
    print(f"statuses one person at a time: {one_by_one:.2f} s for {len(sample)}, {scaled:.1f} s for all")
    print(f"statuses in bulk:              {bulk_time:.2f} s")
    print(f"list page, unfiltered:         {listing_time:.2f} s ({listing.total} people, page 1)")
    print(f"list page, status filter:      {filtered_time:.2f} s ({filtered.total} people match)")
    verdict = "PASS" if filtered_time < TARGET_SECONDS else "MISS"
    print(f"target: filtered list under {TARGET_SECONDS:.0f} s: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
