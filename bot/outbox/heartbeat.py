"""A dispatcher's heartbeat in the database: proof that the claims it holds are still in hand."""

import logging
import threading
from pathlib import Path

from api.messaging.processes import beat

log = logging.getLogger(__name__)


class Heartbeat:
    """Beats every `interval` seconds in a thread until stopped; touches `file` after each beat
    that reached the database (the scheduler's health check, bot/healthcheck.py)."""

    def __init__(self, owner: str, interval: float, file: str = "") -> None:
        self._owner = owner
        self._interval = interval
        self._file = Path(file) if file else None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._beat()
        self._thread = threading.Thread(target=self._run, name="outbox-heartbeat", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self._interval + 5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._beat()
            except Exception:  # a database hiccup must not stop the beat for good
                log.exception("outbox heartbeat failed")

    def _beat(self) -> None:
        beat(self._owner)
        if self._file is not None:
            self._file.touch()
