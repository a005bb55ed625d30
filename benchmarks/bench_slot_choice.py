"""Time resolve_slot_choice over every phrasing of tests/api/agenda/test_slot_choice.py.

Run: python benchmarks/bench_slot_choice.py [rounds]
The first round is reported apart: it pays dateparser's first-call set-up and
fills the typo and date caches.
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.agenda.slot_choice import match, resolve_slot_choice, vocabulary  # noqa: E402


def _load_cases() -> list[tuple]:
    path = ROOT / "tests" / "api" / "agenda" / "test_slot_choice.py"
    spec = importlib.util.spec_from_file_location("bench_slot_cases", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    cases = [(text, module.OFFERED, module.NOW, module.PARIS) for text, _ in module.ALL_CASES]
    cases += [(text, module.SAME_DAY, now, module.PARIS) for text, now, _ in module.SAME_DAY_CASES]
    return cases


def _round(cases: list[tuple], *, clear_caches: bool = False) -> list[float]:
    durations = []
    for text, offered, now, tz in cases:
        if clear_caches:  # every phrasing seen for the first time
            vocabulary._fuzzy.cache_clear()
            match._parse_date.cache_clear()
        start = time.perf_counter()
        resolve_slot_choice(text, offered, now=now, tz=tz)
        durations.append(time.perf_counter() - start)
    return durations


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    cases = _load_cases()
    first = _round(cases)
    print(f"{len(cases)} phrasings, {rounds} rounds each")
    print(f"first round: {sum(first) * 1000:.1f} ms total, max {max(first) * 1000:.2f} ms")
    for label, clear in (("uncached", True), ("cached", False)):
        durations: list[float] = []
        for _ in range(rounds):
            durations += _round(cases, clear_caches=clear)
        p95 = statistics.quantiles(durations, n=20)[-1] * 1000
        print(
            f"{label}: {len(durations) / sum(durations):,.0f} phrasings/s, "
            f"p50 {statistics.median(durations) * 1000:.3f} ms, p95 {p95:.3f} ms, "
            f"max {max(durations) * 1000:.3f} ms"
        )


if __name__ == "__main__":
    main()
