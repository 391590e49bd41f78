"""The project's settings, as ``prompt-diary project --json`` reads them (one source of truth:
no TOML is parsed here)."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ._bins import prompt_diary_bin

#: The cassette folder when there is no ``prompt-diary.toml``.
DEFAULT_CASSETTES = Path("tests") / "cassettes"


class ProjectError(RuntimeError):
    """``prompt-diary.toml`` could not be read (the message names its file, line and key)."""


@dataclass(frozen=True)
class Project:
    """What the plugin needs of the project file found from a folder upwards."""

    #: The project file, or ``None`` when there is none (the defaults hold).
    file: Optional[Path]
    #: The folder the cassettes of the project live in (absolute).
    cassettes: Path
    #: The project's configured record mode (``record_mode``), if any.
    record_mode: Optional[str]
    #: The project's Codex pin.
    codex: Optional[str]


def find_project(start: Path) -> Project:
    """Asks ``prompt-diary project --json --dir START`` (the file found from START upwards)."""
    command = [str(prompt_diary_bin()), "project", "--json", "--dir", str(start)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ProjectError(f"could not run {' '.join(command)}: {exc}") from exc
    if done.returncode != 0:
        raise ProjectError(done.stderr.strip() or f"{' '.join(command)} exited {done.returncode}")
    value = json.loads(done.stdout)
    file = Path(value["file"]) if value.get("file") else None
    cassettes = Path(value["cassettes"]) if file else start / DEFAULT_CASSETTES
    return Project(
        file=file,
        cassettes=cassettes,
        record_mode=value.get("record_mode"),
        codex=value.get("codex"),
    )
