"""Point 1: every process of the Procfile (what `make run` starts) listens on loopback only.

Starts the Procfile with honcho, as `make run` does, on a fresh SQLite database, and reads
the kernel's table of listening sockets (/proc/net/tcp, tcp6) for the Procfile's ports.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.e2e.system import ROOT

pytestmark = pytest.mark.e2e

PORTS = {8000: "api", 8001: "gateway", 8002: "internal", 5005: "rasa", 5055: "actions", 8025: "mailsink"}
LOOPBACK = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1, ::1 as the kernel writes them


def listening() -> dict[int, set[str]]:
    """Local addresses listening on each port (hex, as in /proc/net/tcp)."""
    found: dict[int, set[str]] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, port = fields[1].split(":")
            if fields[3] == "0A":  # LISTEN
                found.setdefault(int(port, 16), set()).add(address)
    return found


def test_every_procfile_process_listens_on_loopback_only(database_url: str) -> None:
    if database_url.startswith("postgresql"):
        pytest.skip("the listeners do not depend on the database: checked in the SQLite run")
    busy = set(PORTS) & set(listening())
    assert not busy, f"ports {busy} are already taken: stop `make run` before the tests"
    env = {
        **os.environ,
        "SPIE_ENVIRONMENT": "development",
        "SPIE_DATABASE_URL": f"sqlite:///{tempfile.mkdtemp()}/procfile.db",
    }
    subprocess.run([sys.executable, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=env, check=True)
    honcho = ROOT / ".venv" / "bin" / "honcho"
    log = open(tempfile.mktemp(suffix=".log"), "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [str(honcho), "start", "-f", "Procfile"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        while not set(PORTS) <= set(listening()):
            assert process.poll() is None, Path(log.name).read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, f"not listening: {set(PORTS) - set(listening())}"
            time.sleep(1)
        sockets = listening()
        for port, name in PORTS.items():
            assert sockets[port] <= LOOPBACK, f"{name} listens on {sockets[port]} (port {port})"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()
