"""The stand-in's failure reports (``PROMPT_DIARY_REPORT_DIR``), read back for pytest."""

from __future__ import annotations

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
