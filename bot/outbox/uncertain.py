"""Sends whose outcome we do not know are looked up at Twilio, never blindly sent again.

Two ways to get here: the answer to a send was lost (read timeout, connection reset), or the
dispatcher holding a claim died (its heartbeat stopped). Either way the message may have left.
Twilio has no idempotency key, so the only safe next step is to ask Twilio's Messages list:
found means sent (we keep its MessageSid); not found means it never left, and it goes back
to the queue to be sent; a lookup that keeps failing hands the message to a professional.
This module asks Twilio; the rows are taken and settled by api/messaging/uncertain_sends.py.
"""

from datetime import timedelta

from api.config import Settings
from api.messaging import uncertain_sends
from bot.outbox.senders import MessageSender, SendError

# Our clock and Twilio's differ a little: a message created just before our claim still counts.
CLOCK_SLACK = timedelta(seconds=30)


def orphan_dead_claims(settings: Settings) -> int:
    """Claims of dispatchers that stopped beating become uncertain, to be looked up now."""
    return uncertain_sends.orphan_dead_claims(settings=settings)


def resolve(sender: MessageSender, settings: Settings, *, owner: str) -> int:
    """Look up every uncertain send that is due; returns how many were taken."""
    taken, token = uncertain_sends.take(settings=settings, owner=owner)
    for message in taken:
        since = message.claimed_at - CLOCK_SLACK
        try:
            found = sender.find_sent(
                to_phone=message.to_phone,
                channel=message.channel,
                body=None if message.content_sid else message.body,
                since=since,
            )
        except SendError as exc:
            uncertain_sends.lookup_failed(settings=settings, message=message, token=token, error=str(exc))
            continue
        uncertain_sends.settle(settings=settings, message=message, token=token, found=found)
    return len(taken)
