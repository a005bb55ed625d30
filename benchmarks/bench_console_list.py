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

from sqlalchemy import text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from api.agenda.models import Slot  # noqa: E402
from api.appointments.followup import followup_status, followup_statuses  # noqa: E402
from api.appointments.models import Appointment  # noqa: E402
from api.beneficiaries.models import Beneficiary  # noqa: E402
from api.console.views import list_beneficiaries  # noqa: E402
from api.db import get_engine  # noqa: E402
from api.invitations.models import Invitation  # noqa: E402
from benchmarks.world import (  # noqa: E402
    ensure_postgres_database,
    insert_returning_ids,
    organisation_place_motif,
    postgres_url,
    reset_schema,
)

DB_NAME = "bench_console"
DATABASE_URL = postgres_url(DB_NAME)
# Before the first get_engine(): the settings (and the engine) are cached per process.
os.environ["SPIE_DATABASE_URL"] = DATABASE_URL
TARGET_SECONDS = 1.0


def rebuild() -> None:
    ensure_postgres_database(DATABASE_URL)
    reset_schema(get_engine())


def populate(count: int, now: datetime) -> int:
    with get_engine().begin() as connection:
        org, place, motif = organisation_place_motif(connection, "Bench")
        people = insert_returning_ids(
            connection,
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
        insert_returning_ids(
            connection,
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
        slots = insert_returning_ids(
            connection,
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
        insert_returning_ids(
            connection,
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
