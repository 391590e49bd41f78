"""The stand-in's failure reports (``PROMPT_DIARY_REPORT_DIR``), and the processes of a test."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import List, Set

#: The stand-in's variable naming the folder it writes failure reports to.
REPORT_DIR_ENV = "PROMPT_DIARY_REPORT_DIR"


def read_reports(folder: Path, seen: Set[str]) -> List[str]:
    """The reports in ``folder`` not in ``seen`` (added to it), oldest first (each is written
    under a hidden name and renamed, so a listed file is whole)."""
    fresh = sorted((p for p in folder.glob("report-*.txt") if p.name not in seen),
                   key=lambda p: (p.stat().st_mtime_ns, p.name))
    seen.update(p.name for p in fresh)
    return [p.read_text(encoding="utf-8", errors="replace").rstrip() for p in fresh]


def processes_of(report_dir: Path) -> List[int]:
    """The processes with this test's ``PROMPT_DIARY_REPORT_DIR`` in their environment: the
    stand-ins it started and the real Codex each records through (Linux's ``/proc`` only)."""
    marker, found = f"{REPORT_DIR_ENV}={report_dir}\0".encode(), []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if marker in (entry / "environ").read_bytes() and int(entry.name) != os.getpid():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def wait_for_processes(report_dir: Path, timeout: float) -> List[int]:
    """Waits up to ``timeout`` seconds for :func:`processes_of` to be empty (a stand-in still
    writing its cassette, a real Codex still stopping); returns those left."""
    deadline = time.monotonic() + timeout
    while processes_of(report_dir) and time.monotonic() < deadline:
        time.sleep(0.05)
    return processes_of(report_dir)
