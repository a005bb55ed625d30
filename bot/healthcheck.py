"""Health check of one process of the production layout (deploy/systemd/), for systemd and probes.

    python -m bot.healthcheck http://127.0.0.1:8001/health [--wait 60]
        the URL answers 200 (the API, the internal API, the gateway, Rasa, the action server);
    python -m bot.healthcheck /run/spie-scheduler-1/heartbeat [--max-age 10] [--wait 60]
        the file was touched less than --max-age seconds ago: the scheduler's heartbeat reached
        the database (SPIE_HEARTBEAT_FILE).

Exit 0 when healthy; otherwise 1, with the reason on standard error. --wait keeps checking for
that many seconds (a process that is starting).
"""

import argparse
import sys
import time
from pathlib import Path

import httpx


def problem(target: str, max_age: float) -> str | None:
    """Why `target` is not healthy, or None."""
    if target.startswith(("http://", "https://")):
        try:
            status = httpx.get(target, timeout=3).status_code
        except httpx.HTTPError as exc:
            return f"{target}: {type(exc).__name__}"
        return None if status == 200 else f"{target}: HTTP {status}"
    try:
        age = time.time() - Path(target).stat().st_mtime
    except OSError as exc:
        return f"{target}: {exc.strerror}"
    return None if age <= max_age else f"{target}: last beat {age:.0f} s ago (more than {max_age:g} s)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", help="a health URL, or a heartbeat file")
    parser.add_argument("--max-age", type=float, default=10.0, help="seconds a heartbeat stays fresh")
    parser.add_argument("--wait", type=float, default=0.0, help="seconds to keep trying")
    args = parser.parse_args(argv)
    deadline = time.monotonic() + args.wait
    while True:
        reason = problem(args.target, args.max_age)
        if reason is None:
            return 0
        if time.monotonic() >= deadline:
            print(f"unhealthy: {reason}", file=sys.stderr)
            return 1
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
