"""A dispatcher's heartbeat in the database: proof that the claims it holds are still in hand."""

import logging
import threading

from api.messaging.processes import beat

log = logging.getLogger(__name__)


class Heartbeat:
    """Beats every `interval` seconds in a thread until stopped."""

    def __init__(self, owner: str, interval: float) -> None:
        self._owner = owner
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        if self._thread is not None:
            return
        beat(self._owner)
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
                beat(self._owner)
            except Exception:  # a database hiccup must not stop the beat for good
                log.exception("outbox heartbeat failed")
