"""The scheduler process: sweeps due scheduled messages into the outbox, and sends the outbox.

Run: python -m bot.scheduler. Several may run side by side on PostgreSQL.
"""

import logging
import signal

from apscheduler.schedulers.blocking import BlockingScheduler

from api.appointments.agenda_changes import generate_all
from api.beneficiaries.csv_import import ImportWatch, resume_imports
from api.config import get_settings
from api.db import session_scope, utcnow
from api.due_messages.sweep import sweep
from api.orientations import lifecycle as orientation_lifecycle
from api.orientations import mail as orientation_mail
from api.privacy import log_masking, retention
from bot.outbox.dispatcher import OutboxDispatcher
from bot.outbox.senders import make_sender

log = logging.getLogger("bot.scheduler")


def sweep_once() -> None:
    with session_scope() as session:
        result = sweep(session, now=utcnow(), batch_size=get_settings().sweep_batch_size)
    if result.queued or result.skipped or result.failed:
        log.info(
            "sweep: %d queued, %d skipped, %d postponed, %d failed",
            result.queued,
            result.skipped,
            result.postponed,
            result.failed,
        )


def generate_slots_once() -> None:
    """Daily: the plages d'ouverture get their slots up to the horizon (idempotent)."""
    with session_scope() as session:
        created = generate_all(session, utcnow())
        session.commit()
    log.info("slot generation: %d slots created", created)


def orientations_once() -> None:
    """Orientation requests: reminders at day 10, expiry at day 30 (each once), then the mails owed."""
    with session_scope() as session:
        steps = orientation_lifecycle.run(session, now=utcnow())
        session.commit()
        mails = orientation_mail.send_due(session, now=utcnow())
    if steps.reminded or steps.expired or mails.sent or mails.retried or mails.failed:
        log.info(
            "orientations: %d reminded, %d expired; mails %d sent, %d to retry, %d failed",
            steps.reminded,
            steps.expired,
            mails.sent,
            mails.retried,
            mails.failed,
        )


_import_watch = ImportWatch()


def resume_imports_once() -> None:
    """CSV imports whose API process stopped mid-file are finished here; stale drafts deleted."""
    with session_scope() as session:
        resumed = resume_imports(session, now=utcnow(), watch=_import_watch)
    if resumed:
        log.info("imports resumed: %s", resumed)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    log_masking.install()  # no phone number in any log line
    # The Twilio client logs ~10 INFO lines per request (URL, headers); apscheduler 2 per job run.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
    settings = get_settings()
    dispatcher = OutboxDispatcher(make_sender(settings), settings)
    dispatcher.start()
    scheduler = BlockingScheduler(timezone="UTC")
    common = {"max_instances": 1, "coalesce": True, "next_run_time": utcnow()}
    scheduler.add_job(
        sweep_once, "interval", seconds=settings.scheduler_interval_seconds, id="sweep", **common
    )
    scheduler.add_job(
        dispatcher.dispatch_sync, "interval", seconds=settings.outbox_poll_seconds, id="outbox", **common
    )
    scheduler.add_job(
        dispatcher.resolve_uncertain,
        "interval",
        seconds=settings.outbox_heartbeat_seconds,
        id="uncertain",
        **common,
    )
    scheduler.add_job(resume_imports_once, "interval", minutes=1, id="imports", **common)
    scheduler.add_job(orientations_once, "interval", minutes=1, id="orientations", **common)
    scheduler.add_job(generate_slots_once, "interval", hours=24, id="slot-generation", **common)
    # RGPD: people inactive for SPIE_RETENTION_MONTHS are erased, every night at 02:30 UTC.
    scheduler.add_job(
        retention.run_daily, "cron", hour=2, minute=30, id="retention", coalesce=True, misfire_grace_time=3600
    )
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    log.info("scheduler started")
    try:
        scheduler.start()
    finally:
        dispatcher.close()


if __name__ == "__main__":
    main()
