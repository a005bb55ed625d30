"""Reminder scheduler benchmark: N due reminders through `python -m bot.scheduler` to a fake Twilio.

Run from the repository root:

    .venv/bin/python benchmarks/bench_reminders.py [--count 10000] [--rate-cap 300]

PostgreSQL only, in its own database `bench_reminders` (created if missing; its public schema
is dropped and rebuilt by the Alembic migrations at the start; the tables are emptied before
each case). The test suite's database `test` is never touched.

Each case builds, in bulk but with the rows the real code would create: one organisation whose
sending window is always open, a place and a motif, `count` beneficiaries with distinct French
mobile numbers, one booked slot and appointment each (status unknown, starting in 2 to 3 days,
with the carnet entry booking writes), and one pending ScheduledMessage of kind "reminder" each,
due in the past, whose due_key is api.scheduling.service.appointment_key(appointment).

Then it starts the fake Twilio (tests/fakes/twilio_fake.py) in a thread, starts N scheduler
processes, and measures from the first process start until the fake holds `count` messages
(or --timeout). The processes are stopped two seconds later (to catch late duplicates).

Cases: 1, 2 and 4 scheduler processes (--processes) sharing the one cap per sender number
through Redis (SPIE_REDIS_URL, bot/outbox/shared_rate_limit.py; each process is configured with
the whole cap, nothing split by hand); then the low-cap runs (--low-count messages at --low-cap,
the same process counts). --unshared adds, for reference, each process count without Redis at
the cap each (what the cap per process did: Twilio's limit exceeded) and at cap/N each (the
split by hand). For each: total seconds, reminders handed to Twilio per second, duplicates,
lost, the largest number of messages the fake received in any 1-second window per sender
number against the cap, the scheduler processes' peak RSS and CPU, and when the sweep (outbox
rows created) and the dispatch (rows sent) ran.
Target (issue 14): `count` reminders handed to Twilio in under 36 s at 300/s (the cap alone
needs 33.3 s) (PASS/MISS); nothing fails on it. Redis: BENCH_REDIS_URL (default db 0 of
127.0.0.1:6379), under a key prefix of each case's own.
Scheduler logs land in test-artifacts/bench-reminders/.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.world import (  # noqa: E402
    ensure_postgres_database,
    insert_returning_ids,
    postgres_url,
    reset_schema,
)

DB_NAME = "bench_reminders"
DATABASE_URL = postgres_url(DB_NAME)
# Before anything imports api.config: the settings (and the engine) are cached per process.
os.environ["SPIE_DATABASE_URL"] = DATABASE_URL

from sqlalchemy import func, insert, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

import api.models  # noqa: E402, F401  (registers every table)
from api.agenda import service as agenda_service  # noqa: E402
from api.agenda.models import Slot  # noqa: E402
from api.appointments.models import Appointment  # noqa: E402
from api.beneficiaries.models import Beneficiary  # noqa: E402
from api.beneficiaries.phones import normalise_mobile  # noqa: E402
from api.carnet.models import CarnetEntry  # noqa: E402
from api.db import Base, get_engine  # noqa: E402
from api.errors import Invalid  # noqa: E402
from api.messaging.models import OutboxMessage  # noqa: E402
from api.organisations import service as organisation_service  # noqa: E402
from api.scheduling.models import ScheduledMessage  # noqa: E402
from api.scheduling.service import appointment_key  # noqa: E402
from tests.fakes.twilio_fake import FakeTwilioServer, FakeTwilioState  # noqa: E402

TARGET_SECONDS = 36.0
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
SETTLE_SECONDS = 2.0  # after the last expected message, to see duplicates arriving late
LOG_DIR = ROOT / "test-artifacts" / "bench-reminders"


# --------------------------------------------------------------------------- database


def empty_tables() -> None:
    names = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with get_engine().begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def analyze() -> None:
    with get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))


def distinct_mobiles(count: int, rng: random.Random) -> list[str]:
    """Distinct +336xxxxxxxx numbers the API accepts (some 06 ranges are not allocated)."""
    phones: dict[str, None] = {}
    while len(phones) < count:
        candidate = f"+336{rng.randrange(100_000_000):08d}"
        try:
            if normalise_mobile(candidate) == candidate:
                phones[candidate] = None
        except Invalid:
            continue
    return list(phones)


def populate(count: int, *, now: datetime, seed: int = 7) -> None:
    """What booking `count` appointments through the services leaves in the database."""
    rng = random.Random(seed)
    engine = get_engine()
    with Session(engine) as session:
        organisation = organisation_service.create_organisation(
            session,
            name="Département de la Drôme",
            departement_code="26",
            sending_start_hour=0,
            sending_end_hour=24,
            sending_weekdays="0123456",
            skip_public_holidays=False,
        )
        place = agenda_service.create_place(
            session,
            organisation_id=organisation.id,
            name="Maison de l'insertion",
            address="8 rue Jean Bouin, 26000 Valence",
        )
        motif = agenda_service.create_motif(
            session, organisation_id=organisation.id, name="Orientation RSA", duration_minutes=45
        )
        session.commit()
        org_id, place_id, motif_id = organisation.id, place.id, motif.id

    phones = distinct_mobiles(count, rng)
    booked_at = now - timedelta(days=5)
    # Slot starts spread over 2 to 3 days from now, on 5-minute marks, several slots per start.
    first = (now + timedelta(days=2)).replace(second=0, microsecond=0)
    first += timedelta(minutes=(-first.minute) % 5)
    starts = [first + timedelta(minutes=5 * ((i * 288) // count)) for i in range(count)]

    with engine.begin() as connection:
        beneficiary_ids = insert_returning_ids(
            connection,
            Beneficiary,
            [
                {
                    "organisation_id": org_id,
                    "phone": phone,
                    "first_name": "Marie",
                    "last_name": f"Martin{i}",
                    "preferred_channel": "sms",
                    "created_at": booked_at - timedelta(days=10),
                }
                for i, phone in enumerate(phones)
            ],
        )
        slot_ids = insert_returning_ids(
            connection,
            Slot,
            [
                {
                    "organisation_id": org_id,
                    "place_id": place_id,
                    "motif_id": motif_id,
                    "start": start,
                    "end": start + timedelta(minutes=45),
                    "capacity": 1,
                    "booked_count": 1,
                }
                for start in starts
            ],
        )
        appointment_ids = insert_returning_ids(
            connection,
            Appointment,
            [
                {
                    "organisation_id": org_id,
                    "beneficiary_id": beneficiary_id,
                    "slot_id": slot_id,
                    "status": "unknown",
                    "created_at": booked_at,
                }
                for beneficiary_id, slot_id in zip(beneficiary_ids, slot_ids, strict=True)
            ],
        )
        # appointments.service.book writes this entry for every booking.
        connection.execute(
            insert(CarnetEntry.__table__),
            [
                {
                    "beneficiary_id": beneficiary_id,
                    "kind": "appointment_booked",
                    "author": "beneficiary",
                    "body": "",
                    "data": {"appointment_id": appointment_id, "slot_id": slot_id},
                    "created_at": booked_at,
                }
                for beneficiary_id, appointment_id, slot_id in zip(
                    beneficiary_ids, appointment_ids, slot_ids, strict=True
                )
            ],
        )

    # due_key exactly as the real code computes it, from the appointments as the ORM loads them.
    with Session(engine) as session:
        appointments = list(session.scalars(select(Appointment).order_by(Appointment.id)))
        rows = [
            {
                "organisation_id": org_id,
                "beneficiary_id": appointment.beneficiary_id,
                "kind": "reminder",
                "appointment_id": appointment.id,
                "due_key": appointment_key(appointment),
                # Due within the last hour, oldest first.
                "due_at": now - timedelta(hours=1) + timedelta(seconds=3000 * i / count),
                "state": "pending",
                "created_at": booked_at,
            }
            for i, appointment in enumerate(appointments)
        ]
    with engine.begin() as connection:
        connection.execute(insert(ScheduledMessage.__table__), rows)
    analyze()


# --------------------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def proc_status(pid: int) -> dict[str, float]:
    """Peak RSS (MiB) and CPU seconds of a live process, from /proc."""
    out: dict[str, float] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                out["peak_rss_mib"] = int(line.split()[1]) / 1024
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        out["cpu_s"] = (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    except (OSError, IndexError, ValueError):
        pass
    return out


def postgres_backend_cpu() -> float | None:
    """CPU seconds of the PostgreSQL backends serving the benchmark database (same host only)."""
    try:
        with get_engine().connect() as connection:
            pids = connection.scalars(
                text("SELECT pid FROM pg_stat_activity WHERE datname = :db AND pid <> pg_backend_pid()"),
                {"db": DB_NAME},
            ).all()
    except Exception:
        return None
    total, seen = 0.0, False
    for pid in pids:
        status = proc_status(pid)
        if "cpu_s" in status:
            total += status["cpu_s"]
            seen = True
    return total if seen else None


@dataclass
class Case:
    label: str
    processes: int
    per_process_cap: float  # SPIE_MAX_MESSAGES_PER_SECOND of each process
    twilio_cap: float  # the limit Twilio applies per sender number
    count: int
    target: bool  # shown against the 36 s target
    shared: bool = True  # one cap for all the processes, through Redis


@dataclass
class Outcome:
    case: Case
    complete: bool
    seconds: float
    received: int
    duplicate_phones: int
    duplicate_outbox: int
    not_queued: int
    not_sent: int
    never_reached: int
    max_window: dict[str, int]
    max_window_10s: dict[str, int]
    rss_mib: list[float]
    cpu_s: list[float]
    pg_cpu_s: float | None
    bench_cpu_s: float
    timeline: dict[str, float] = field(default_factory=dict)
    states: dict[str, Counter] = field(default_factory=dict)

    @property
    def lost(self) -> int:
        return self.not_queued + self.not_sent + self.never_reached

    @property
    def duplicates(self) -> int:
        return self.duplicate_phones + self.duplicate_outbox


def scheduler_env(fake: FakeTwilioServer, state: FakeTwilioState, cap: float, extra: dict[str, str]) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SPIE_")}
    env.update(
        {
            "SPIE_DATABASE_URL": DATABASE_URL,
            "SPIE_ENVIRONMENT": "development",
            "SPIE_TWILIO_ACCOUNT_SID": state.account_sid,
            "SPIE_TWILIO_AUTH_TOKEN": state.auth_token,
            "SPIE_TWILIO_API_BASE_URL": fake.base_url,
            "SPIE_SCHEDULER_INTERVAL_SECONDS": "1",
            "SPIE_OUTBOX_POLL_SECONDS": "0.2",
            "SPIE_MAX_MESSAGES_PER_SECOND": f"{cap:g}",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


def max_in_window(times: list[float], width: float = 1.0) -> int:
    """The most events in any half-open window [t, t + width)."""
    times = sorted(times)
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while times[lo] <= t - width:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def _rel(value: datetime | None, t0: float) -> float | None:
    return None if value is None else value.timestamp() - t0


def run_case(
    case: Case,
    fake: FakeTwilioServer,
    state: FakeTwilioState,
    *,
    timeout: float,
    extra_env: dict[str, str],
    twilio_latency: float = 0.0,
) -> Outcome:
    empty_tables()
    setup_started = time.perf_counter()
    populate(case.count, now=datetime.now(UTC))
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    how = "shared through Redis" if case.shared else "each"
    print(
        f"\n== {case.label}: {case.count} reminders, {case.processes} process(es), "
        f"{case.per_process_cap:g} msg/s {how} (data built in {time.perf_counter() - setup_started:.1f} s; "
        f"load average {load} before the start)",
        flush=True,
    )
    with state.lock:
        state.messages.clear()
        state.attempts = 0
        state.delays.clear()
        # Real Twilio answers in 100-300 ms from Europe; the fake, in about a millisecond.
        if twilio_latency > 0:
            state.delays.extend([twilio_latency] * (2 * case.count))
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    env = scheduler_env(fake, state, case.per_process_cap, extra_env)
    if case.shared:
        env["SPIE_REDIS_URL"] = REDIS_URL
        env["SPIE_REDIS_KEY_PREFIX"] = f"bench-reminders-{secrets.token_hex(6)}:"
    slug = case.label.lower().replace(" ", "-").replace("/", "-")
    logs = [open(LOG_DIR / f"{slug}-{i + 1}.log", "wb") for i in range(case.processes)]  # noqa: SIM115
    bench_cpu_before = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
    t0 = time.time()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bot.scheduler"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        for log in logs
    ]
    deadline = t0 + timeout
    complete = False
    try:
        while time.time() < deadline:
            with state.lock:
                received = len(state.messages)
            if received >= case.count:
                complete = True
                break
            if all(proc.poll() is not None for proc in procs):
                print("   all scheduler processes exited early; see", LOG_DIR)
                break
            time.sleep(0.05)
        if complete:
            time.sleep(SETTLE_SECONDS)
        process_stats = [proc_status(proc.pid) for proc in procs]
        pg_cpu = postgres_backend_cpu()
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for log in logs:
            log.close()
    bench_cpu = sum(resource.getrusage(resource.RUSAGE_SELF)[:2]) - bench_cpu_before

    with state.lock:
        messages = list(state.messages)
    to_counts = Counter(m["To"] for m in messages)
    times_by_sender: dict[str, list[float]] = defaultdict(list)
    for message in messages:
        times_by_sender[message.get("From", "?")].append(message["received_at"])
    ordered = sorted(m["received_at"] for m in messages)
    seconds = (ordered[case.count - 1] - t0) if complete else timeout

    with Session(get_engine()) as session:
        phones = set(session.scalars(select(Beneficiary.phone)))
        scheduled_states = Counter(
            dict(
                session.execute(
                    select(ScheduledMessage.state, func.count()).group_by(ScheduledMessage.state)
                ).all()
            )
        )
        outbox_states = Counter(
            dict(
                session.execute(
                    select(OutboxMessage.state, func.count())
                    .where(OutboxMessage.kind == "reminder")
                    .group_by(OutboxMessage.state)
                ).all()
            )
        )
        per_beneficiary = (
            select(func.count().label("n"))
            .select_from(OutboxMessage)
            .where(OutboxMessage.kind == "reminder")
            .group_by(OutboxMessage.beneficiary_id)
            .subquery()
        )
        duplicate_outbox = session.scalar(
            select(func.coalesce(func.sum(per_beneficiary.c.n - 1), 0)).where(per_beneficiary.c.n > 1)
        )
        spans = session.execute(
            select(
                func.min(OutboxMessage.created_at),
                func.max(OutboxMessage.created_at),
                func.min(OutboxMessage.claimed_at),
                func.max(OutboxMessage.claimed_at),
                func.min(OutboxMessage.sent_at),
                func.max(OutboxMessage.sent_at),
            ).where(OutboxMessage.kind == "reminder")
        ).one()
        # Queued rows whose outbox row is the one they point at (exactly one each).
        linked = session.scalar(
            select(func.count(func.distinct(ScheduledMessage.outbox_message_id))).where(
                ScheduledMessage.state == "queued"
            )
        )

    timeline = {
        name: value
        for name, value in zip(
            ("sweep_first", "sweep_last", "claim_first", "claim_last", "sent_first", "sent_last"),
            (_rel(value, t0) for value in spans),
            strict=True,
        )
        if value is not None
    }
    if ordered:
        timeline["twilio_first"] = ordered[0] - t0
        timeline["twilio_last"] = ordered[-1] - t0
    return Outcome(
        case=case,
        complete=complete,
        seconds=seconds,
        received=len(messages),
        duplicate_phones=sum(n - 1 for n in to_counts.values() if n > 1),
        duplicate_outbox=int(duplicate_outbox or 0) + max(0, scheduled_states["queued"] - linked),
        not_queued=case.count - scheduled_states["queued"],
        not_sent=sum(n for s, n in outbox_states.items() if s != "sent")
        + max(0, scheduled_states["queued"] - sum(outbox_states.values())),
        never_reached=len(phones - set(to_counts)),
        max_window={sender: max_in_window(times) for sender, times in times_by_sender.items()},
        max_window_10s={sender: max_in_window(times, 10.0) for sender, times in times_by_sender.items()},
        rss_mib=[s.get("peak_rss_mib", float("nan")) for s in process_stats],
        cpu_s=[s.get("cpu_s", float("nan")) for s in process_stats],
        pg_cpu_s=pg_cpu,
        bench_cpu_s=bench_cpu,
        timeline=timeline,
        states={"scheduled": scheduled_states, "outbox": outbox_states},
    )


# --------------------------------------------------------------------------- report


def cap_tolerance(cap: float) -> float:
    """Window edges and HTTP jitter: a paced sender may show a message or two, or 2 %, above."""
    return max(2.0, 0.02 * cap)


def report(outcome: Outcome) -> None:
    case = outcome.case
    rate = outcome.received and min(outcome.received, case.count) / outcome.seconds
    verdict = ""
    if case.target:
        verdict = "  PASS" if outcome.complete and outcome.seconds < TARGET_SECONDS else "  MISS"
        verdict += f" (target {case.count} in < {TARGET_SECONDS:.0f} s)"
    status = "all received" if outcome.complete else f"TIMEOUT, {outcome.received}/{case.count} received"
    print(f"   total: {outcome.seconds:.1f} s ({status}){verdict}")
    print(f"   reminders handed to Twilio: {rate:,.1f} /s")
    print(
        f"   duplicates: {outcome.duplicates} (same phone twice at the fake: {outcome.duplicate_phones}, "
        f"extra outbox rows per scheduled row: {outcome.duplicate_outbox})  "
        f"{'OK' if outcome.duplicates == 0 else 'FAIL'}"
    )
    print(
        f"   lost: {outcome.lost} (scheduled not queued: {outcome.not_queued}, outbox not sent: "
        f"{outcome.not_sent}, phones never reached: {outcome.never_reached})  "
        f"{'OK' if outcome.lost == 0 else 'FAIL'}"
    )
    effective = case.per_process_cap * (1 if case.shared else case.processes)
    for sender, peak in sorted(outcome.max_window.items()):
        within = peak <= case.twilio_cap + cap_tolerance(case.twilio_cap)
        if case.shared:
            note = f"one cap of {case.per_process_cap:g}/s for {case.processes} process(es)"
        elif case.processes > 1:
            note = f"effective cap {case.processes} x {case.per_process_cap:g} = {effective:g}/s"
        else:
            note = f"cap {case.per_process_cap:g}/s"
        sustained = outcome.max_window_10s[sender] / 10
        print(
            f"   max messages in any 1 s window from {sender}: {peak} ({note}; Twilio cap "
            f"{case.twilio_cap:g}/s: {'respected' if within else 'EXCEEDED'}); "
            f"best 10 s average {sustained:.1f}/s"
        )
    tl = outcome.timeline
    if tl:
        parts = []
        if "sweep_first" in tl:
            parts.append(f"sweep (outbox rows created) {tl['sweep_first']:.1f}-{tl['sweep_last']:.1f} s")
        if "sent_first" in tl:
            parts.append(f"sent {tl['sent_first']:.1f}-{tl['sent_last']:.1f} s")
        if "twilio_first" in tl:
            parts.append(f"at the fake {tl['twilio_first']:.1f}-{tl['twilio_last']:.1f} s")
        print("   timeline from process start: " + ", ".join(parts))
        if "sweep_first" in tl and tl["sweep_last"] > tl["sweep_first"]:
            sweep_rate = case.count / (tl["sweep_last"] - tl["sweep_first"])
            print(f"   sweep rate: {sweep_rate:,.0f} rows/s", end="")
            if "twilio_first" in tl and tl["twilio_last"] > tl["twilio_first"]:
                send_rate = outcome.received / (tl["twilio_last"] - tl["twilio_first"])
                print(f"; dispatch rate (first to last at the fake): {send_rate:,.0f} msg/s", end="")
            print()
    rss = ", ".join(f"{value:.0f}" for value in outcome.rss_mib)
    cpu = ", ".join(f"{value:.1f}" for value in outcome.cpu_s)
    pg = f"{outcome.pg_cpu_s:.1f} s" if outcome.pg_cpu_s is not None else "n/a"
    print(
        f"   scheduler peak RSS: {rss} MiB; CPU: scheduler {cpu} s, PostgreSQL backends {pg}, "
        f"this process (fake Twilio) {outcome.bench_cpu_s:.1f} s"
    )
    if outcome.lost or outcome.duplicates:
        print(
            f"   states: scheduled {dict(outcome.states['scheduled'])}, "
            f"outbox {dict(outcome.states['outbox'])}"
        )


def summary(outcomes: list[Outcome]) -> None:
    print("\nSummary")
    header = (
        f"{'case':<38} {'n':>6} {'proc':>4} {'cap set':>8} {'secs':>7} {'msg/s':>7} "
        f"{'dup':>4} {'lost':>5} {'max1s':>6} {'cap':>5} {'RSS MiB':>9} target"
    )
    print(header)
    print("-" * len(header))
    for o in outcomes:
        c = o.case
        rate = min(o.received, c.count) / o.seconds if o.seconds else 0.0
        peak = max(o.max_window.values(), default=0)
        verdict = ""
        if c.target:
            verdict = "PASS" if o.complete and o.seconds < TARGET_SECONDS else "MISS"
        within = peak <= c.twilio_cap + cap_tolerance(c.twilio_cap)
        rss = "/".join(f"{v:.0f}" for v in o.rss_mib)
        print(
            f"{c.label:<38} {c.count:>6} {c.processes:>4} {c.per_process_cap:>8g} {o.seconds:>7.1f} "
            f"{rate:>7.1f} {o.duplicates:>4} {o.lost:>5} {peak:>6} {c.twilio_cap:>5g}"
            f"{'' if within else '!'} {rss:>9} {verdict}"
        )
    print("('!' after cap: Twilio's per-number cap exceeded in some 1 s window)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="reminders per case (default 10000)")
    parser.add_argument("--rate-cap", type=float, default=300.0, help="Twilio's cap, msg/s per sender number")
    parser.add_argument("--low-count", type=int, default=1_000, help="reminders in the low-cap runs")
    parser.add_argument("--low-cap", type=float, default=50.0, help="cap of the low-cap runs (0: skip them)")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds per case")
    parser.add_argument(
        "--processes", default="1,2,4", help="scheduler process counts, comma-separated (default 1,2,4)"
    )
    parser.add_argument(
        "--unshared",
        action="store_true",
        help="also run each process count without Redis (cap each, then cap/N each), for reference",
    )
    parser.add_argument(
        "--only", choices=("main", "low"), default=None, help="run only the main or the low-cap cases"
    )
    parser.add_argument(
        "--twilio-latency",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="the fake answers each request after this delay (real Twilio: 0.1-0.3 s)",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="SPIE_X=value",
        help="extra setting for the scheduler processes, e.g. SPIE_OUTBOX_SEND_CONCURRENCY=16",
    )
    args = parser.parse_args()
    extra_env = dict(item.split("=", 1) for item in args.env)

    cap, low = args.rate_cap, args.low_cap
    cases: list[Case] = []
    counts = [int(value) for value in args.processes.split(",")]

    def shared(n: int) -> str:
        return f"{n} process{'es' if n > 1 else ''}, one shared cap"

    if args.only != "low":
        for n in counts:
            cases.append(Case(shared(n), n, cap, cap, args.count, True))
        if args.unshared:
            for n in counts:
                if n > 1:
                    cases.append(
                        Case(f"{n} processes, cap each (no Redis)", n, cap, cap, args.count, True, False)
                    )
                    cases.append(
                        Case(
                            f"{n} processes, cap/{n} each (no Redis)",
                            n,
                            cap / n,
                            cap,
                            args.count,
                            True,
                            False,
                        )
                    )
    if args.only != "main" and low > 0:
        for n in counts:
            cases.append(Case(f"low cap, {shared(n)}", n, low, low, args.low_count, False))

    print(
        f"PostgreSQL database {DB_NAME}; {os.cpu_count()} CPU(s); Python {sys.version.split()[0]}; "
        f"scheduler interval 1 s, outbox poll 0.2 s; Redis {REDIS_URL}"
        + (f"; fake Twilio answers after {args.twilio_latency:g} s" if args.twilio_latency else "")
        + (f"; extra settings {extra_env}" if extra_env else "")
    )
    ensure_postgres_database(DATABASE_URL)
    reset_schema(get_engine())
    state = FakeTwilioState(
        account_sid="AC" + secrets.token_hex(16),
        auth_token=secrets.token_hex(16),
        send_status_callbacks=False,
    )
    fake = FakeTwilioServer(state, free_port())
    fake.start()
    outcomes: list[Outcome] = []
    try:
        for case in cases:
            outcome = run_case(
                case,
                fake,
                state,
                timeout=args.timeout,
                extra_env=extra_env,
                twilio_latency=args.twilio_latency,
            )
            report(outcome)
            outcomes.append(outcome)
    finally:
        fake.stop()
    summary(outcomes)


if __name__ == "__main__":
    main()
