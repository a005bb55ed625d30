"""The health checks of the production layout (bot/healthcheck.py): a URL answering 200, and the
scheduler's heartbeat file, fresh while the real scheduler runs and stale once it stopped."""

import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bot.healthcheck import main
from tests.bot.test_scheduler_processes import ARTIFACTS
from tests.conftest import ROOT, TEST_DATABASE_URL
from tests.e2e.system import free_port


def test_a_url_is_healthy_when_it_answers_200() -> None:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self.send_response(200 if self.path == "/health" else 503)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        assert main([f"{base}/health"]) == 0
        assert main([f"{base}/other"]) == 1
    finally:
        server.shutdown()
        server.server_close()
    assert main([f"http://127.0.0.1:{free_port()}/health"]) == 1


def test_the_schedulers_heartbeat_is_fresh_while_it_runs_and_stale_after(tmp_path: Path) -> None:
    heartbeat = tmp_path / "heartbeat"
    assert main([str(heartbeat)]) == 1  # not started yet
    env = {
        **os.environ,
        "SPIE_DATABASE_URL": TEST_DATABASE_URL,
        "SPIE_TWILIO_ACCOUNT_SID": "",
        "SPIE_HEARTBEAT_FILE": str(heartbeat),
        "SPIE_OUTBOX_HEARTBEAT_SECONDS": "0.5",
    }
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "bot.scheduler"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(ARTIFACTS / "scheduler-healthcheck.log", "ab"),  # noqa: SIM115 (the process holds it)
    )
    try:
        assert main([str(heartbeat), "--max-age", "2", "--wait", "60"]) == 0
        time.sleep(1.5)
        assert main([str(heartbeat), "--max-age", "2"]) == 0, "it must keep beating"
    finally:
        scheduler.terminate()
        scheduler.wait(timeout=15)
    time.sleep(2.5)
    assert main([str(heartbeat), "--max-age", "2"]) == 1
