"""The Twilio cap shared through Redis: processes side by side never exceed it, and reach it."""

import multiprocessing
import shutil
import socket
import subprocess
import threading
import time

import pytest

from bot.outbox import shared_rate_limit
from bot.outbox.shared_rate_limit import MARGIN, RateLimiterClosed, SharedRateLimiter

CAP = 50  # messages per second per sender number
SECONDS = 3.0
THREADS = 4  # per process, as the dispatcher's send pool


def max_in_window(times: list[float], width: float = 1.0) -> int:
    """The most instants in any half-open window [t, t + width)."""
    times = sorted(times)
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while times[lo] <= t - width:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def send_for(redis_url: str, prefix: str, seconds: float) -> list[tuple[float, float]]:
    """One sending process: THREADS threads take the cap as fast as it allows, for `seconds`.
    Returns (instant reserved on Redis's clock, local time when the thread went on)."""
    limiter = SharedRateLimiter(redis_url, CAP, key_prefix=prefix)
    taken: list[tuple[float, float]] = []
    lock = threading.Lock()
    stop_at = time.time() + seconds

    def sender() -> None:
        while time.time() < stop_at:
            slot = limiter.wait("38123")
            with lock:
                taken.append((slot, time.time()))

    threads = [threading.Thread(target=sender) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    limiter.close()
    return taken


def test_two_processes_share_one_cap_and_reach_it(redis_url: str, redis_prefix: str) -> None:
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        results = pool.starmap(send_for, [(redis_url, redis_prefix, SECONDS)] * 2)
    assert all(results), "each process must have sent"
    slots = [slot for taken in results for slot, _ in taken]
    went_on = [at for taken in results for _, at in taken]
    assert len(set(slots)) == len(slots), "two messages got the same instant"
    # The reserved instants: never more than the cap less its margin in any second.
    assert CAP * (1 - MARGIN) - 1 <= max_in_window(slots) <= CAP * (1 - MARGIN) + 1
    # When the threads actually went on: an instant is used only on time, so still under the cap.
    assert max_in_window(went_on) <= CAP
    # Together they reach the cap (less its margin): 3 s of sending, less the last reservations' wait.
    assert len(slots) >= CAP * (1 - MARGIN) * SECONDS * 0.9, len(slots)


def test_the_other_sender_number_has_its_own_bucket(redis_url: str, redis_prefix: str) -> None:
    limiter = SharedRateLimiter(redis_url, 2, key_prefix=redis_prefix)
    started = time.monotonic()
    limiter.wait("38123")
    limiter.wait("+33757000000")
    limiter.wait("38123")  # the second from this number waits half a second
    assert 0.45 <= time.monotonic() - started < 1.0
    limiter.close()


def test_a_sender_that_wakes_up_late_gives_its_instant_up_and_reserves_another(
    redis_url: str, redis_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Going late would send together with the next instants' senders: over the cap that second."""
    limiter = SharedRateLimiter(redis_url, 10, key_prefix=redis_prefix)
    interval = 1 / (10 * (1 - MARGIN))
    first = limiter.wait("38123")
    real_sleep = time.sleep
    oversleeps = [0.05]  # the first sleep ends 50 ms late, as on a loaded machine

    def sleep(seconds: float) -> None:
        real_sleep(seconds + (oversleeps.pop() if oversleeps else 0))

    monkeypatch.setattr(shared_rate_limit.time, "sleep", sleep)
    went = limiter.wait("38123")
    # The second instant was given up: this message has the third one.
    assert went == pytest.approx(first + 2 * interval, abs=0.02)
    limiter.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            shutil.which("redis-server") or "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs the redis-server binary")
def test_redis_down_holds_the_message_until_it_answers_again() -> None:
    """Fail closed: no Redis, no send; the message leaves once Redis is back, never dropped."""
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    server = start_redis(port)
    limiter = SharedRateLimiter(url, 10)
    limiter.wait("38123")
    server.terminate()
    server.wait()
    released = threading.Event()
    waiting = threading.Thread(target=lambda: (limiter.wait("38123"), released.set()))
    waiting.start()
    try:
        assert not released.wait(1.5), "a message left while Redis was down"
        server = start_redis(port)
        assert released.wait(5), "the message did not leave once Redis answered again"
    finally:
        server.terminate()
        server.wait()
        waiting.join(timeout=5)
    # Still down when the process stops: the waiting sender gives up instead of sending.
    stuck: list[BaseException] = []

    def wait_and_record() -> None:
        try:
            limiter.wait("38123")
        except RateLimiterClosed as exc:
            stuck.append(exc)

    thread = threading.Thread(target=wait_and_record)
    thread.start()
    time.sleep(0.5)
    limiter.close()
    thread.join(timeout=5)
    assert not thread.is_alive() and len(stuck) == 1
