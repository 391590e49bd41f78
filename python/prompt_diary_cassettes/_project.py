"""The project's settings and a test's cassette, as ``prompt-diary project --json`` reads them
(one source of truth: no TOML is parsed and no cassette path is decided here)."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

from ._bins import prompt_diary_bin


class ProjectError(RuntimeError):
    """``prompt-diary.toml`` could not be read (the message names its file, line and key)."""


@dataclass(frozen=True)
class Project:
    """What the plugin needs of the project file found from a test file's folder upwards."""

    #: The project file, or ``None`` when there is none (the defaults hold).
    file: Optional[Path]
    #: The project's configured record mode (``record_mode``), if any.
    record_mode: Optional[str]
    #: The project's Codex pin.
    codex: Optional[str]
    #: The test's cassette, when one was asked for.
    cassette: Optional[Path] = None


def find_project(
    start: Path, test_file: Optional[Path] = None, names: Sequence[str] = ()
) -> Project:
    """Asks ``prompt-diary project --json --dir START`` (the file found from START upwards) and,
    given a test file and the parts of the test's name, that test's cassette: beside the test
    file (``cassettes/<module>/<test>.jsonl``) without a project file, else under its
    ``cassettes`` folder."""
    command = [str(prompt_diary_bin()), "project", "--json", "--dir", str(start)]
    if names:
        command += ["--runner", "pytest"]
        command += ["--test-file", str(test_file)] if test_file is not None else []
        for name in names:
            command += ["--test", name]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ProjectError(f"could not run {' '.join(command)}: {exc}") from exc
    if done.returncode != 0:
        raise ProjectError(done.stderr.strip() or f"{' '.join(command)} exited {done.returncode}")
    value = json.loads(done.stdout)
    return Project(
        file=Path(value["file"]) if value.get("file") else None,
        record_mode=value.get("record_mode"),
        codex=value.get("codex"),
        cassette=Path(value["cassette"]) if value.get("cassette") else None,
    )
