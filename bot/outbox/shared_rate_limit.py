"""The Twilio cap shared by every sending process: one bucket per sender number, in Redis.

Each message reserves the next free instant of its sender number, and no burst (a generic
cell rate algorithm), in one Lua script run on Redis's clock: the gateways and schedulers
together never exceed the cap in any second, and together reach it, whatever their number.
Redis unreachable: the sender waits and retries (fail closed), so nothing leaves uncounted and
nothing is dropped.

A reserved instant only holds if the sender goes at that instant. A thread that wakes up late
(a loaded machine) would send together with the next instants' senders, and Twilio would see
more than the cap in that second. So a sender that wakes more than LATE_AFTER_SECONDS after its
instant gives it up and reserves another; and the instants are spaced for the cap less
MARGIN, which leaves room for the time between leaving here and reaching Twilio.
"""

import logging
import math
import threading
import time

import redis

log = logging.getLogger(__name__)

# KEYS[1]: the sender number's bucket; ARGV[1]: microseconds between two messages; ARGV[2]:
# the key's lifetime (ms). Returns the reserved instant and Redis's now, in microseconds, as
# strings ('%.0f': Lua's own number format would round them).
RESERVE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local next_free = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, next_free)
redis.call('SET', KEYS[1], string.format('%.0f', slot + tonumber(ARGV[1])), 'PX', ARGV[2])
return {string.format('%.0f', slot), string.format('%.0f', now)}
"""
KEY_LIFETIME_MS = 60_000
MARGIN = 0.03  # 300/s is sent as 291/s
LATE_AFTER_SECONDS = 0.005
RETRY_FIRST_SECONDS = 0.1
RETRY_MAX_SECONDS = 2.0


class RateLimiterClosed(Exception):
    """The process is stopping while Redis does not answer: the message was not sent."""


class SharedRateLimiter:
    def __init__(self, redis_url: str, per_second: float, *, key_prefix: str = "spie:") -> None:
        # Rounded up, so never one more than the cap less its margin in a second.
        self._interval_us = math.ceil(1_000_000 / (per_second * (1 - MARGIN))) if per_second > 0 else 0
        self._prefix = f"{key_prefix}twilio-cap:"
        self._client = redis.Redis.from_url(redis_url, socket_timeout=2.0, socket_connect_timeout=2.0)
        self._reserve = self._client.register_script(RESERVE)
        self._closed = threading.Event()
        self._outage_lock = threading.Lock()
        self._in_outage = False

    def wait(self, key: str) -> float | None:
        """Block until one more message may leave from `key` (across every process); returns
        the instant reserved for it, in seconds on Redis's clock."""
        if not self._interval_us:
            return None
        while True:
            slot, now = self._reserve_slot(key)
            delay = (slot - now) / 1_000_000
            if delay <= 0:
                return slot / 1_000_000
            asleep_at = time.monotonic()
            time.sleep(delay)
            if time.monotonic() - asleep_at - delay <= LATE_AFTER_SECONDS:
                return slot / 1_000_000
            # Woke up too late: this instant is given up, the loop reserves another.

    def _reserve_slot(self, key: str) -> tuple[int, int]:
        retry = RETRY_FIRST_SECONDS
        while True:
            if self._closed.is_set():
                raise RateLimiterClosed(key)
            try:
                slot, now = self._reserve(
                    keys=[self._prefix + key], args=[self._interval_us, KEY_LIFETIME_MS]
                )
            except redis.RedisError as exc:
                self._note_outage(exc)
                self._closed.wait(retry)
                retry = min(RETRY_MAX_SECONDS, retry * 2)
                continue
            self._note_recovery()
            return int(slot), int(now)

    def _note_outage(self, exc: Exception) -> None:
        with self._outage_lock:
            if not self._in_outage:
                self._in_outage = True
                log.error(
                    "Redis unreachable for the shared Twilio cap (%s): sending waits", type(exc).__name__
                )

    def _note_recovery(self) -> None:
        if self._in_outage:
            with self._outage_lock:
                if self._in_outage:
                    self._in_outage = False
                    log.warning("Redis answers again: sending resumes under the shared cap")

    def close(self) -> None:
        """Senders waiting for Redis give up (their messages go back to the outbox)."""
        self._closed.set()
        self._client.close()
