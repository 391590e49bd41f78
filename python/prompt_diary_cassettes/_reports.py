"""The stand-in's failure reports (``PROMPT_DIARY_REPORT_DIR``), read back for pytest."""

from __future__ import annotations

import os
from pathlib import Path

#: The stand-in's variable naming the folder it writes failure reports to.
REPORT_DIR_ENV = "PROMPT_DIARY_REPORT_DIR"


def read_reports(folder: Path, seen: set[str]) -> list[str]:
    """The text reports in ``folder`` not in ``seen`` (added to it), oldest first. Reports are
    written under a hidden name and renamed, so a listed file is whole."""
    if not folder.is_dir():
        return []
    fresh = [
        p
        for p in folder.iterdir()
        if p.name.startswith("report-") and p.suffix == ".txt" and p.name not in seen
    ]
    fresh.sort(key=lambda p: (p.stat().st_mtime_ns, p.name))
    texts = []
    for path in fresh:
        seen.add(path.name)
        texts.append(path.read_text(encoding="utf-8", errors="replace").rstrip())
    return texts


def processes_of(report_dir: Path) -> list[int]:
    """The processes still running with this test's ``PROMPT_DIARY_REPORT_DIR`` in their
    environment: the stand-ins the test started and the real Codex each one records through.
    Linux only (``/proc``); elsewhere an empty list."""
    marker = f"{REPORT_DIR_ENV}={report_dir}\0".encode()
    found = []
    proc = Path("/proc")
    if not proc.is_dir():
        return found
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if marker in environ and int(entry.name) != os.getpid():
            found.append(int(entry.name))
    return found


def wait_for_processes(report_dir: Path, timeout: float) -> list[int]:
    """Waits up to ``timeout`` seconds for :func:`processes_of` to be empty; returns those left.
    A stand-in still writing its cassette, or a real Codex still stopping, is waited for, so the
    next test does not start while the last one's Codex holds its home."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        left = processes_of(report_dir)
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.05)
