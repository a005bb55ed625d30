"""Held-out conversation evaluation (issue 12): what people say, judged on what the system did.

Run from the repository root (or `make eval-conversation`):

    .venv/bin/python eval/run_conversation.py [--db sqlite|postgresql] [--limit N] [--threads N] [--set dev]

It starts the real processes once with tests/e2e/system.py (Rasa, action server, API,
gateway, scheduler, fake Twilio), then for each item of eval/conversation_set.yml makes a
fresh person in the item's context through the REST API and the real conversation:

- offer: invited, the numbered offer of 4 slots received;
- none: invited, booked by answering "le 1", nothing pending (no reminder, no questionnaire);
- reminder: as none, then the reminder sent (POST /api/appointments/{id}/reminders) and received;
- questionnaire: an organisation with questionnaire_enabled; booked by "le 1", the first
  question of the questionnaire received.

It sends the item's text as a signed webhook, waits until the gateway has processed it and
every reply it queued has left, and judges the outcome from the database and the replies
(see classify() and docs/evaluation.md). It prints per-class, per-context accuracy and a
confusion table, and writes test-artifacts/eval-conversation-<db>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from api.calendar_words import WEEKDAYS  # noqa: E402
from eval.conversation_set import CLASSES, CONTEXTS, DEV_SET_PATH, SET_PATH, load_set  # noqa: E402
from tests.e2e.conftest import Agenda  # noqa: E402
from tests.e2e.system import System, wait_for  # noqa: E402

PG_SERVER_URL = "postgresql+psycopg://postgres@127.0.0.1:5432"
PG_EVAL_URL = os.environ.get("SPIE_EVAL_DATABASE_URL", f"{PG_SERVER_URL}/eval_conversation")

BARRIER_CLASSES = {
    "garde_enfants": "childcare",
    "mobilite": "mobility",
    "permis": "mobility",
    "logement": "housing",
    "sante": "health",
    "numerique": "digital",
}
# Offered slots (local time): slot 1 and 2 on day A, 3 and 4 on day B; then 4 more for "autre".
OFFER_TIMES = (("a", 10, 15), ("a", 14, 0), ("b", 9, 0), ("b", 16, 30))
LATER_TIMES = (("c", 9, 0), ("c", 14, 0), ("d", 9, 0), ("d", 14, 0))
ADDRESS = "8 rue Jean Bouin"


def fold(value: str) -> str:
    value = unicodedata.normalize("NFKD", value.casefold())
    return "".join(c for c in value if not unicodedata.combining(c))


# --- the organisations -------------------------------------------------------------------------


def working_days(start: datetime, count: int, gap: int = 1) -> list[datetime]:
    """`count` working days from `start`, each `gap` working days after the previous one."""
    days, day, skipped = [], start, gap
    while len(days) < count:
        if day.weekday() < 5:
            if skipped >= gap:
                days.append(day)
                skipped = 0
            skipped += 1
        day += timedelta(days=1)
    return days


class EvalAgenda(Agenda):
    """tests/e2e/conftest.py's Agenda with slots at chosen hours (10 h 15, 16 h 30...)."""

    def __init__(self, system: System, *, questionnaire: bool = False) -> None:
        super().__init__(system, slots=0, capacity=100, questionnaire=questionnaire)
        first = datetime.now(UTC).astimezone(self.tz) + timedelta(days=2)
        a, b, c, d = working_days(first.replace(hour=0, minute=0, second=0, microsecond=0), 4, gap=2)
        self.days = {"a": a, "b": b, "c": c, "d": d}
        for day_key, hour, minute in (*OFFER_TIMES, *LATER_TIMES):
            day = self.days[day_key]
            start = datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.tz)
            self.slots.append(
                system.api.post(
                    "/api/slots",
                    json={
                        "place_id": self.place["id"],
                        "motif_id": self.motif["id"],
                        "start": start.isoformat(),
                        "capacity": 100,
                    },
                )
                .raise_for_status()
                .json()
            )

    def placeholders(self) -> dict[str, str]:
        a, b = self.days["a"], self.days["b"]
        return {
            "wd_a": WEEKDAYS[a.weekday()],
            "wd_b": WEEKDAYS[b.weekday()],
            "dom_a": str(a.day),
            "dom_b": str(b.day),
        }


# --- one item ----------------------------------------------------------------------------------


@dataclass
class Result:
    index: int
    context: str
    text: str
    expected: str
    also: str | None
    observed: str = "error"
    effects: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0

    @property
    def right(self) -> bool:
        return self.observed == self.expected


class Evaluator:
    def __init__(self, system: System, database_url: str) -> None:
        self.system = system
        self.engine = create_engine(database_url, pool_size=8, max_overflow=4)
        self.plain = [EvalAgenda(system) for _ in range(3)]
        self.questionnaire = [EvalAgenda(system, questionnaire=True) for _ in range(2)]
        self._count = 0
        self._lock = threading.Lock()

    def _agenda(self, context: str) -> EvalAgenda:
        with self._lock:
            self._count += 1
            pool = self.questionnaire if context == "questionnaire" else self.plain
            return pool[self._count % len(pool)]

    def _rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            return [dict(r._mapping) for r in connection.execute(text(sql), params)]

    def snapshot(self, person_id: int) -> dict[str, Any]:
        return {
            "appointments": self._rows(
                "SELECT id, slot_id, status, confirmed_at FROM appointments WHERE beneficiary_id = :b",
                b=person_id,
            ),
            "carnet": self._rows(
                "SELECT id, kind, data FROM carnet_entries WHERE beneficiary_id = :b", b=person_id
            ),
            "handoffs": self._rows(
                "SELECT id, reason FROM handoff_requests WHERE beneficiary_id = :b", b=person_id
            ),
            "opted_out": bool(
                self._rows("SELECT opted_out FROM beneficiaries WHERE id = :b", b=person_id)[0]["opted_out"]
            ),
        }

    def send_and_wait(self, phone: str, body: str) -> None:
        """A signed webhook; then wait until the gateway processed it and its replies left."""
        sid = "SM" + os.urandom(16).hex()
        self.system.text(phone, body, sid=sid)

        def processed() -> dict[str, Any] | None:
            rows = self._rows("SELECT id, processed_at FROM inbound_messages WHERE message_sid = :s", s=sid)
            return rows[0] if rows and rows[0]["processed_at"] is not None else None

        inbound = wait_for(processed, timeout=60, interval=0.15, what=f"{sid} processed")

        def replies_left() -> bool:
            rows = self._rows("SELECT state FROM outbox_messages WHERE in_reply_to_id = :i", i=inbound["id"])
            return all(r["state"] in ("sent", "failed", "cancelled") for r in rows)

        wait_for(replies_left, timeout=30, interval=0.15, what=f"replies to {sid} sent")

    def wait_replies(self, phone: str, count: int) -> list[dict[str, Any]]:
        return self.system.wait_replies(phone, count, timeout=60)

    def prepare(self, context: str) -> tuple[EvalAgenda, dict[str, Any], dict[str, Any]]:
        agenda = self._agenda(context)
        person = agenda.person(first_name="Nadia")
        invitation = agenda.invite(person)
        self.wait_replies(person["phone"], 1)
        if context == "offer":
            return agenda, person, invitation
        self.send_and_wait(person["phone"], "le 1")
        expected = 3 if context == "questionnaire" else 2
        replies = self.wait_replies(person["phone"], expected)
        if ADDRESS not in replies[1]["Body"]:
            raise RuntimeError(f"set-up booking failed: {replies[1]['Body']!r}")
        if context == "reminder":
            [appointment] = self.snapshot(person["id"])["appointments"]
            self.system.api.post(f"/api/appointments/{appointment['id']}/reminders").raise_for_status()
            reminder = self.wait_replies(person["phone"], 3)[2]
            if not reminder["Body"].startswith("Rappel"):
                raise RuntimeError(f"set-up reminder missing: {reminder['Body']!r}")
        return agenda, person, invitation

    def run_item(self, index: int, item: dict[str, Any]) -> Result:
        result = Result(index, item["context"], item["text"], item["expected"], item.get("also"))
        started = time.monotonic()
        try:
            agenda, person, invitation = self.prepare(item["context"])
            body = item["text"].format(**agenda.placeholders())
            result.text = body
            before = self.snapshot(person["id"])
            sent_before = len(self.system.replies_to(person["phone"]))
            self.send_and_wait(person["phone"], body)
            time.sleep(0.2)  # the fake Twilio records a send before the outbox row is marked sent
            after = self.snapshot(person["id"])
            result.replies = [m["Body"] for m in self.system.replies_to(person["phone"])[sent_before:]]
            result.effects = effects(before, after, result.replies, invitation["offered_slot_ids"])
            result.observed = result.effects[0] if result.effects else "no_reply"
        except Exception as exc:  # one item's failure is reported, the run goes on
            result.error = f"{type(exc).__name__}: {exc}"[:500]
        result.seconds = time.monotonic() - started
        return result


# --- judging -----------------------------------------------------------------------------------

# In this order: the first effect is the observed outcome (the same order as the set's
# primary-class rule for two-request messages, docs/evaluation.md).
REPLY_LABELS = (
    ("move", ("Voici d'autres créneaux", "Je n'ai pas d'autre créneau libre")),
    ("none_fits", ("D'autres créneaux", "Je n'ai pas d'autre créneau à vous proposer")),
    ("where_when", ("Votre rendez-vous : le", "Le rendez-vous a lieu à")),
    ("(already booked)", ("Vous avez déjà un rendez-vous le",)),
    ("thanks", ("Avec plaisir",)),
    ("out_of_scope", ("Je ne peux pas répondre à cette question",)),
    ("(asked cancel or move)", ("Répondez ANNULER pour annuler",)),
    ("(kept)", ("est maintenu",)),
    ("(ambiguous)", ("Plusieurs créneaux correspondent",)),
    ("(no match)", ("Je n'ai pas trouvé ce créneau",)),
    ("(slots again)", ("Pour choisir votre rendez-vous", "Et pour votre rendez-vous")),
    ("(not understood)", ("je n'ai pas compris",)),
    ("(greeting)", ("Je vous aide à prendre rendez-vous",)),
    ("(no invitation)", ("Vous n'avez pas de rendez-vous à choisir",)),
    ("(questionnaire)", ("comment viendrez-vous", "garder un enfant", "dire autre chose au conseiller")),
    ("(questionnaire done)", ("c'est noté pour votre conseiller",)),
)


def effects(
    before: dict[str, Any], after: dict[str, Any], replies: list[str], offered: list[int]
) -> list[str]:
    """Every outcome the state and replies show, most decisive first. Strict: a booking counts
    only as an appointment row, a barrier only as a carnet barrier entry, a handoff only as a
    queue row; the reply-only classes need the exact wording of their answer."""
    found: list[str] = []
    if after["opted_out"] and not before["opted_out"]:
        found.append("stop")
    old = {a["id"]: a for a in before["appointments"]}
    for appointment in after["appointments"]:
        previous = old.get(appointment["id"])
        if previous is None:
            slot = appointment["slot_id"]
            found.append(f"slot_{offered.index(slot) + 1}" if slot in offered else "(other slot booked)")
        elif appointment["status"] == "excused" and previous["status"] != "excused":
            found.append("cancel")
        elif appointment["slot_id"] != previous["slot_id"]:
            found.append("move")
        elif appointment["confirmed_at"] and not previous["confirmed_at"]:
            found.append("confirm")
    known = {e["id"] for e in before["carnet"]}
    for entry in after["carnet"]:
        if entry["id"] in known:
            continue
        data = entry["data"]
        if isinstance(data, str):  # a JSON column read through text() on SQLite
            data = json.loads(data)
        data = data if isinstance(data, dict) else {}
        if entry["kind"] == "barrier":
            found.append(BARRIER_CLASSES.get(data.get("group", ""), f"(barrier {data.get('group')})"))
        elif entry["kind"] == "questionnaire_answer" and data.get("question") == "transport":
            found.append(f"(transport: {data.get('choice')})")
        elif entry["kind"] == "questionnaire_answer" and data.get("question") == "childcare":
            found.append(f"(childcare: {data.get('choice')})")
        elif entry["kind"] == "questionnaire_note":
            found.append("(questionnaire note)")
    known_handoffs = {h["id"] for h in before["handoffs"]}
    for handoff in after["handoffs"]:
        if handoff["id"] not in known_handoffs:
            reason = handoff["reason"]
            found.append(
                {"asked_human": "human", "out_of_scope": "out_of_scope"}.get(reason, f"(queue: {reason})")
            )
    joined = "\n".join(replies)
    folded = fold(joined)
    if "drome" in folded or re.search(r"\bassistant", folded) or "qui vous ecrit" in folded:
        found.append("who_are_you")
    for label, starts in REPLY_LABELS:
        # Case and accents matter: "Voici d'autres créneaux" (move) is not "D'autres créneaux".
        if any(s in reply for s in starts for reply in replies):
            found.append(label)
    if replies and not found:
        found.append("(other reply)")
    # Keep the first occurrence of each; order above is the priority.
    priority = ["stop", *CLASSES[:8], *CLASSES[8:14]]
    unique = list(dict.fromkeys(found))
    return sorted(
        unique, key=lambda e: priority.index(e) if e in priority else len(priority) + unique.index(e)
    )


# --- report ------------------------------------------------------------------------------------


def report(results: list[Result], seconds: float, backend: str) -> dict[str, Any]:
    by_class: dict[str, list[Result]] = defaultdict(list)
    by_context: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        by_class[r.expected].append(r)
        by_context[r.context].append(r)
    right = sum(r.right for r in results)
    overall = right / len(results) if results else 0.0
    print(f"\nConversation evaluation on {backend}: {len(results)} messages in {seconds:.0f} s")
    print(f"overall: {right}/{len(results)} = {overall:.1%}  (target >= 97%, no class below 90%)\n")
    print(f"{'class':<14}{'right':>7}{'n':>5}{'acc':>8}")
    per_class = {}
    for name in CLASSES:
        rows = by_class.get(name, [])
        ok = sum(r.right for r in rows)
        per_class[name] = {"right": ok, "n": len(rows), "accuracy": ok / len(rows) if rows else None}
        acc = f"{ok / len(rows):.0%}" if rows else "-"
        print(f"{name:<14}{ok:>7}{len(rows):>5}{acc:>8}")
    print(f"\n{'context':<14}{'right':>7}{'n':>5}{'acc':>8}")
    per_context = {}
    for name in CONTEXTS:
        rows = by_context.get(name, [])
        ok = sum(r.right for r in rows)
        per_context[name] = {"right": ok, "n": len(rows), "accuracy": ok / len(rows) if rows else None}
        acc = f"{ok / len(rows):.0%}" if rows else "-"
        print(f"{name:<14}{ok:>7}{len(rows):>5}{acc:>8}")
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    for r in results:
        confusion[r.expected][r.observed] += 1
    print("\nconfusion (expected -> observed: count), wrong outcomes only:")
    for name in CLASSES:
        wrong = {k: v for k, v in confusion[name].items() if k != name}
        if wrong:
            print(
                f"  {name:<13} "
                + ", ".join(f"{k}: {v}" for k, v in sorted(wrong.items(), key=lambda kv: -kv[1]))
            )
    seconds_hits = [r for r in results if r.also]
    also_right = sum(r.also in r.effects for r in seconds_hits)
    if seconds_hits:
        print(f"\nsecond request of two-request messages seen in the state: {also_right}/{len(seconds_hits)}")
    errors = [r for r in results if r.error]
    if errors:
        print(f"\n{len(errors)} items failed to run, e.g. {errors[0].error}")
    return {
        "backend": backend,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "seconds": round(seconds, 1),
        "messages": len(results),
        "overall": overall,
        "per_class": per_class,
        "per_context": per_context,
        "confusion": {k: dict(v) for k, v in confusion.items()},
        "second_requests": {"right": also_right, "n": len(seconds_hits)},
        "items": [
            {
                "index": r.index,
                "context": r.context,
                "text": r.text,
                "expected": r.expected,
                "also": r.also,
                "observed": r.observed,
                "effects": r.effects,
                "replies": r.replies,
                "error": r.error,
                "seconds": round(r.seconds, 2),
            }
            for r in results
        ],
    }


def git_commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
    return done.stdout.strip() + ("-dirty" if dirty.strip() else "")


def prepare_database(backend: str) -> str:
    if backend == "sqlite":
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='spie-eval-')) / 'eval.db'}"
    else:
        url = PG_EVAL_URL
        _reset_postgres(url)
    env = {**os.environ, "SPIE_DATABASE_URL": url, "SPIE_ENVIRONMENT": "test"}
    subprocess.run(
        [str(ROOT / ".venv" / "bin" / "alembic"), "upgrade", "head"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    return url


def _reset_postgres(url: str) -> None:
    import psycopg
    from psycopg import sql

    server, _, name = url.rpartition("/")
    if "eval" not in name:
        raise SystemExit(f"refusing to drop the schema of {name!r}: the evaluation database must be *eval*")
    libpq = server.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(f"{libpq}/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with psycopg.connect(f"{libpq}/{name}", autocommit=True) as connection:
        connection.execute("DROP SCHEMA IF EXISTS public CASCADE")
        connection.execute("CREATE SCHEMA public")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--limit", type=int, default=0, help="only every k-th item, to run about N items")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--set",
        choices=("held-out", "dev"),
        default="held-out",
        help="the held-out set (the figures) or the development set (eval/dev_set.yml, for tuning)",
    )
    args = parser.parse_args()
    items = load_set(DEV_SET_PATH if args.set == "dev" else SET_PATH)
    indexed = list(enumerate(items))
    if args.limit and args.limit < len(items):
        step = len(items) / args.limit
        indexed = [indexed[int(i * step)] for i in range(args.limit)]
    started = time.monotonic()
    database_url = prepare_database(args.db)
    os.environ["SPIE_DATABASE_URL"] = database_url
    system = System(database_url, log_dir=ROOT / "test-artifacts" / f"eval-{args.db}")
    print(f"starting the system ({len(indexed)} messages to judge)...", flush=True)
    system.start()
    try:
        evaluator = Evaluator(system, database_url)
        results: list[Result] = []
        with ThreadPoolExecutor(max_workers=args.threads) as pool:
            for done, result in enumerate(pool.map(lambda pair: evaluator.run_item(*pair), indexed), 1):
                results.append(result)
                if done % 25 == 0:
                    right = sum(r.right for r in results)
                    print(f"  {done}/{len(indexed)} judged, {right} right", flush=True)
    finally:
        system.stop()
    seconds = time.monotonic() - started
    data = report(results, seconds, args.db)
    suffix = "-dev" if args.set == "dev" else ""
    out = ROOT / "test-artifacts" / f"eval-conversation-{args.db}{suffix}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    print(f"\nreport: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
