"""Writes each bench test's whole time (setup + call + teardown: the plugin's work included) to
$PROMPT_DIARY_BENCH_OUT, one line a test."""

from __future__ import annotations

import os
from pathlib import Path

_phases: dict[str, float] = {}


def pytest_runtest_logreport(report) -> None:
    _phases[report.nodeid] = _phases.get(report.nodeid, 0.0) + report.duration
    if report.when == "teardown":
        with Path(os.environ["PROMPT_DIARY_BENCH_OUT"]).open("a") as out:
            out.write(f"{_phases.pop(report.nodeid)}\n")
