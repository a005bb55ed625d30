"""Sending the mails of orientation requests with the standard library's SMTP client.

A mail is a row written with the request (api/orientations/models.py): the request exists and is
answerable whatever the mail server does. The scheduler sends due rows one by one, each in its own
transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two schedulers never take the same row).
A failure (server down, refused) is retried with a growing delay; after `mail_max_attempts` the
mail is `failed` and the person's carnet says so, for the professional who sent the request.
A crash between the server's acceptance and the commit may send a mail twice (at least once).
"""

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.config import Settings, get_settings
from api.orientations import service
from api.orientations.models import OrientationMail

log = logging.getLogger("api.orientations.mail")
MAX_DELAY = timedelta(hours=6)


@dataclass(frozen=True)
class MailRun:
    sent: int
    retried: int
    failed: int


def deliver(mail: OrientationMail, settings: Settings) -> None:
    """Hand one mail to the SMTP server (raises on any failure)."""
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(idstring=f"orientation-{mail.orientation_id}-{mail.id}")
    message.set_content(mail.body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        smtp.send_message(message)


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4... minutes after each failure, at most MAX_DELAY."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_DELAY)


def send_due(session: Session, *, now: datetime, limit: int = 50) -> MailRun:
    """Send the mails that are due, committing after each (its outcome is kept at once)."""
    settings = get_settings()
    sent = retried = failed = 0
    for _ in range(limit):
        mail = session.scalar(
            select(OrientationMail)
            .where(OrientationMail.state == "pending", OrientationMail.next_attempt_at <= now)
            .order_by(OrientationMail.next_attempt_at, OrientationMail.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if mail is None:
            break
        try:
            deliver(mail, settings)
        except (OSError, smtplib.SMTPException) as exc:
            mail.attempts += 1
            mail.last_error = f"{type(exc).__name__}: {exc}"[:300]
            if mail.attempts >= settings.mail_max_attempts:
                mail.state = "failed"
                failed += 1
                request = service.get_request(session, orientation_id=mail.orientation_id)
                service.record_step(
                    session, request, "orientation_mail_failed", author="system", body=mail.to_address
                )
                log.warning("orientation mail %s failed for good: %s", mail.id, mail.last_error)
            else:
                mail.next_attempt_at = now + retry_delay(mail.attempts)
                retried += 1
                log.info("orientation mail %s not sent (%s), retry at %s", mail.id, exc, mail.next_attempt_at)
        else:
            mail.state = "sent"
            mail.sent_at = now
            mail.attempts += 1
            sent += 1
        session.commit()
    return MailRun(sent=sent, retried=retried, failed=failed)
