"""Figures of a large organisation (api/figures/service.py compute) on SQLite and PostgreSQL.

Run from the repository root:

    .venv/bin/python benchmarks/bench_figures.py [--db sqlite|postgresql|both] [--people 20000]
        [--messages 40000]

SQLite: a fresh file in a temporary directory. PostgreSQL: its own database `bench_figures`
(created if missing; its public schema is dropped and rebuilt by the Alembic migrations). The
test suite's database is never touched.

It inserts in bulk, with a fixed random seed, over the year before now: one organisation of
`people` people (and a second one a tenth of its size, whose rows must not be counted), each
invited once (plus a move offer for one in ten), 60 % of invitations booked after 1 hour to
10 days, attendance marked on past appointments (seen, noshow, excused, revoked, some left
unknown), half of them confirmed; `messages` outbound messages (9 in 10 SMS of 1 to 3
segments, the rest WhatsApp; 1 in 20 failed) with their carnet entries, one inbound message a
person, and a barrier for one person in four. Then it times compute() for the last 30 days
(daily series) and the last 366 days (weekly series): the first call, then the best of 5.
Target: a year of figures in under 1 s on each database (PASS/MISS); nothing fails on it.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DB_NAME = "bench_figures"
TARGET_SECONDS = 1.0
PARIS = ZoneInfo("Europe/Paris")
GROUPS = ("garde_enfants", "mobilite", "permis", "logement", "sante", "numerique")

from sqlalchemy import func, insert, select, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from api.agenda.models import Slot  # noqa: E402
from api.appointments.models import Appointment  # noqa: E402
from api.beneficiaries.models import Beneficiary  # noqa: E402
from api.carnet.models import CarnetEntry  # noqa: E402
from api.db import make_engine  # noqa: E402
from api.figures import service as figures_service  # noqa: E402
from api.invitations.models import Invitation  # noqa: E402
from api.messaging.models import InboundMessage, OutboxMessage  # noqa: E402
from benchmarks.world import (  # noqa: E402
    ensure_postgres_database,
    insert_returning_ids,
    organisation_place_motif,
    postgres_url,
    reset_schema,
)


def postgres_engine() -> Engine:
    url = postgres_url(DB_NAME)
    ensure_postgres_database(url)
    return make_engine(url)


def populate(engine: Engine, *, people: int, messages: int, now: datetime, prefix: str, seed: int) -> int:
    """One organisation and a year of its activity; returns its id."""
    rng = random.Random(seed)
    year_ago = now - timedelta(days=365)

    def moment(start: datetime = year_ago, end: datetime = now) -> datetime:
        return start + (end - start) * rng.random()

    with engine.begin() as connection:
        org, place, motif = organisation_place_motif(connection, f"Bench {prefix}")
        persons = insert_returning_ids(
            connection,
            Beneficiary,
            [
                {
                    "organisation_id": org,
                    "phone": f"+33{prefix}{index:08d}",
                    "first_name": f"P{index}",
                    "preferred_channel": "sms",
                    "opted_out": False,
                    "created_at": year_ago - timedelta(days=30),
                }
                for index in range(people)
            ],
        )

        def invitation(person: int, kind: str, at: datetime) -> dict:
            return {
                "organisation_id": org,
                "beneficiary_id": person,
                "motif_id": motif,
                "place_id": place,
                "status": "pending",
                "kind": kind,
                "offered_slot_ids": [],
                "seen_slot_ids": [],
                "created_at": at,
                "expires_at": at + timedelta(days=10),
            }

        invited_at = {person: moment() for person in persons}
        invitation_ids = insert_returning_ids(
            connection, Invitation, [invitation(p, "invitation", at) for p, at in invited_at.items()]
        )
        insert_returning_ids(connection, Invitation, [invitation(p, "move", moment()) for p in persons[::10]])

        booked = [(p, i) for p, i in zip(persons, invitation_ids, strict=True) if rng.random() < 0.6]
        booked_at = [invited_at[p] + timedelta(hours=rng.uniform(1, 240)) for p, _i in booked]
        starts = [at + timedelta(days=rng.uniform(2, 20)) for at in booked_at]
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

        def status(start: datetime) -> str:
            if start > now:
                return "unknown"
            return rng.choices(["seen", "noshow", "excused", "revoked", "unknown"], [70, 15, 5, 2, 8])[0]

        insert_returning_ids(
            connection,
            Appointment,
            [
                {
                    "organisation_id": org,
                    "beneficiary_id": person,
                    "slot_id": slot,
                    "invitation_id": invitation_id,
                    "status": status(start),
                    "created_at": at,
                    "confirmed_at": at + timedelta(hours=1) if rng.random() < 0.5 else None,
                }
                for (person, invitation_id), slot, start, at in zip(
                    booked, slots, starts, booked_at, strict=True
                )
            ],
        )

        outbound = []
        for index in range(messages):
            person = persons[index % people]
            at = moment()
            whatsapp = rng.random() < 0.1
            outbound.append(
                {
                    "beneficiary_id": person,
                    "channel": "whatsapp" if whatsapp else "sms",
                    "to_phone": f"+33{prefix}{index % people:08d}",
                    "body": "x" * 150,
                    "kind": "reply",
                    "state": "failed" if rng.random() < 0.05 else "sent",
                    "attempts": 1,
                    "next_attempt_at": at,
                    "segments": 1 if whatsapp else rng.choice((1, 2, 2, 3)),
                    "created_at": at,
                    "sent_at": at,
                }
            )
        outbox_ids = insert_returning_ids(connection, OutboxMessage, outbound)
        inbound_at = [moment() for _ in persons]
        inbound_ids = insert_returning_ids(
            connection,
            InboundMessage,
            [
                {
                    "message_sid": f"SM{prefix}{index:08d}",
                    "channel": "sms",
                    "from_phone": f"+33{prefix}{index:08d}",
                    "to_address": "38000",
                    "body": "oui",
                    "num_media": 0,
                    "beneficiary_id": person,
                    "state": "done",
                    "received_at": at,
                }
                for index, (person, at) in enumerate(zip(persons, inbound_at, strict=True))
            ],
        )
        carnet = [
            {
                "beneficiary_id": row["beneficiary_id"],
                "kind": "outbound_message",
                "author": "assistant",
                "channel": row["channel"],
                "body": row["body"],
                "outbox_message_id": message_id,
                "data": {"message_kind": "reply"},
                "created_at": row["created_at"],
            }
            for row, message_id in zip(outbound, outbox_ids, strict=True)
        ]
        carnet += [
            {
                "beneficiary_id": person,
                "kind": "inbound_message",
                "author": "beneficiary",
                "channel": "sms",
                "body": "oui",
                "inbound_message_id": message_id,
                "data": {},
                "created_at": at,
            }
            for person, message_id, at in zip(persons, inbound_ids, inbound_at, strict=True)
        ]
        carnet += [
            {
                "beneficiary_id": person,
                "kind": "barrier",
                "author": "beneficiary",
                "channel": "sms",
                "body": "un frein",
                "data": {"group": rng.choice(GROUPS), "themes": [], "source": "conversation"},
                "created_at": moment(),
            }
            for person in persons[::4]
        ]
        every = {"outbox_message_id": None, "inbound_message_id": None}  # one shape for executemany
        carnet = [every | row for row in carnet]
        for chunk in range(0, len(carnet), 20_000):
            connection.execute(insert(CarnetEntry.__table__), carnet[chunk : chunk + 20_000])
        connection.execute(text("ANALYZE"))  # fresh statistics, as a live database has
        return org


def time_compute(engine: Engine, organisation_id: int, start: date, end: date) -> tuple[float, float, object]:
    with Session(engine) as session:
        began = time.perf_counter()
        figures = figures_service.compute(
            session, organisation_id=organisation_id, start=start, end=end, tz=PARIS
        )
        first = time.perf_counter() - began
        best = float("inf")
        for _ in range(5):
            began = time.perf_counter()
            again = figures_service.compute(
                session, organisation_id=organisation_id, start=start, end=end, tz=PARIS
            )
            best = min(best, time.perf_counter() - began)
        assert again == figures
    return first, best, figures


def run(db: str, *, people: int, messages: int) -> bool:
    now = datetime.now(UTC)
    if db == "sqlite":
        folder = tempfile.mkdtemp(prefix="bench-figures-")
        engine = make_engine(f"sqlite:///{folder}/figures.db")
        where = f"SQLite, {folder}/figures.db"
    else:
        engine = postgres_engine()
        where = f"PostgreSQL, database {DB_NAME}"
    reset_schema(engine)
    began = time.perf_counter()
    org = populate(engine, people=people, messages=messages, now=now, prefix="6", seed=1)
    populate(
        engine, people=max(1, people // 10), messages=max(1, messages // 10), now=now, prefix="7", seed=2
    )
    built = time.perf_counter() - began
    with Session(engine) as session:
        rows = {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (Beneficiary, Invitation, Appointment, OutboxMessage, InboundMessage, CarnetEntry)
        }
    today = now.astimezone(PARIS).date()
    print(f"== {where}: built in {built:.1f} s")
    print("   rows: " + ", ".join(f"{table} {count:,}" for table, count in rows.items()))
    passed = True
    for label, days in (("last 30 days", 30), ("last 366 days", 366)):
        first, best, f = time_compute(engine, org, today - timedelta(days=days - 1), today)
        print(
            f"   {label:<14} first {first * 1000:7.1f} ms, best of 5 {best * 1000:7.1f} ms "
            f"({len(f.series)} {f.granularity} buckets; {f.invitations_sent:,} invitations, "
            f"booking rate {f.booking_rate or 0:.1%}, median delay {f.median_delay_hours or 0:.1f} h, "
            f"{f.appointments:,} appointments, {f.sms_segments:,} SMS segments)"
        )
        if days == 366:
            passed = best < TARGET_SECONDS
    print(f"   target: a year of figures under {TARGET_SECONDS:.0f} s: {'PASS' if passed else 'MISS'}")
    engine.dispose()
    return passed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--messages", type=int, default=40_000)
    args = parser.parse_args()
    for db in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        run(db, people=args.people, messages=args.messages)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
