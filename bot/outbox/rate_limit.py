"""A token bucket per sender number: Twilio queues (then drops) what exceeds its throughput.

Without SPIE_REDIS_URL each process keeps its own bucket (`make run`, tests); with it, every
process shares one per sender number (bot/outbox/shared_rate_limit.py). Production requires it.
"""

import threading
import time
from typing import Protocol

from api.config import Settings
from bot.outbox.shared_rate_limit import SharedRateLimiter


class Limiter(Protocol):
    def wait(self, key: str) -> float | None: ...

    def close(self) -> None: ...


class RateLimiter:
    """This process's own bucket: one message every 1/per_second seconds per key."""

    def __init__(self, per_second: float) -> None:
        self._interval = 1.0 / per_second if per_second > 0 else 0.0
        self._next_free: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, key: str) -> None:
        """Block until one more message may leave from `key`."""
        if not self._interval:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next_free.get(key, now))
            self._next_free[key] = slot + self._interval
        delay = slot - time.monotonic()
        if delay > 0:
            time.sleep(delay)

    def close(self) -> None:
        pass


def make_rate_limiter(settings: Settings) -> Limiter:
    if settings.redis_url:
        return SharedRateLimiter(
            settings.redis_url, settings.max_messages_per_second, key_prefix=settings.redis_key_prefix
        )
    return RateLimiter(settings.max_messages_per_second)
