"""The real Codex a recording runs through (the stand-in proxies it)."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ._bins import prompt_diary_bin, stand_in_bin
from ._project import Project

CODEX_BIN_ENV = "PROMPT_DIARY_CODEX_BIN"


class NoRealCodex(RuntimeError):
    """Recording was asked for, and no real Codex was found."""


@dataclass(frozen=True)
class RealCodex:
    """A real Codex binary, and where it was found (said in pytest's output)."""

    path: Path
    source: str


def _is_stand_in(path: Path) -> bool:
    try:
        return path.resolve() == stand_in_bin()
    except OSError:
        return False


def find_real_codex(project: Project, session_path: str) -> RealCodex:
    """``PROMPT_DIARY_CODEX_BIN``, else the project's pinned Codex (``prompt-diary
    install-codex``, installed if missing) when there is a project file, else ``codex`` on the
    ``PATH`` the session started with. Never the stand-in itself."""
    explicit = os.environ.get(CODEX_BIN_ENV)
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise NoRealCodex(f"{CODEX_BIN_ENV}={explicit} is not a file")
        return RealCodex(path, CODEX_BIN_ENV)
    if project.file is not None:
        root = project.file.parent
        command = [str(prompt_diary_bin()), "install-codex", "--dir", str(root)]
        if project.codex:
            command += ["--version", project.codex]
        done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
        lines = done.stdout.strip().splitlines()
        if done.returncode != 0 or not lines:
            raise NoRealCodex(
                f"`{' '.join(command)}` failed ({done.returncode}): {done.stderr.strip()}; set "
                f"{CODEX_BIN_ENV} to a real Codex to record with"
            )
        return RealCodex(Path(lines[-1]), f"prompt-diary install-codex ({project.file})")
    found: Optional[str] = shutil.which("codex", path=session_path)
    if found and not _is_stand_in(Path(found)):
        return RealCodex(Path(found), "codex on PATH")
    raise NoRealCodex(
        "recording needs a real Codex: set PROMPT_DIARY_CODEX_BIN, or add a prompt-diary.toml "
        "(its pinned Codex is installed with `prompt-diary install-codex`), or put codex on PATH"
    )
