"""Finding the executables this wheel installed, and asking the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Dict, List, Optional

#: A folder holding the executables, used instead of the installed ones (e.g. ``target/debug``
#: after ``cargo build`` while working on prompt-diary). The npm helper reads the same variable.
BIN_DIR_ENV = "PROMPT_DIARY_BIN_DIR"
_EXE = ".exe" if sys.platform == "win32" else ""


class BinaryMissing(RuntimeError):
    """One of the wheel's executables cannot be found."""


class CommandError(RuntimeError):
    """The command line refused (a bad project file, a record mode refused under CI, ...)."""


def _folders() -> List[Path]:
    override = os.environ.get(BIN_DIR_ENV)
    if override:
        return [Path(override)]
    folders = [Path(sysconfig.get_path("scripts"))]
    try:  # pip's user scheme, then the venv's own bin folder (the interpreter may be a link)
        folders.append(Path(sysconfig.get_path("scripts", scheme=f"{os.name}_user")))
    except KeyError:
        pass
    return folders + [Path(sys.prefix) / ("Scripts" if os.name == "nt" else "bin")]


def _find(*names: str) -> Path:
    tried = [folder / (name + _EXE) for folder in _folders() for name in names]
    for path in tried:
        if path.is_file() and os.access(path, os.X_OK):
            return path.resolve()
    raise BinaryMissing(
        f"{names[0]} is not installed beside the prompt_diary_cassettes package (looked at "
        f"{', '.join(map(str, tried))}); reinstall the wheel (`pip install "
        f"prompt-diary-cassettes`), or set {BIN_DIR_ENV} to a folder holding prompt-diary-codex "
        "and prompt-diary (e.g. target/debug after `cargo build`)"
    )


def stand_in_bin() -> Path:
    """The stand-in, ``prompt-diary-codex``: launch it where a client would launch ``codex``."""
    return _find("prompt-diary-codex")


def prompt_diary_bin() -> Path:
    """The command line: the wheel's ``prompt-diary-cassettes`` (``prompt-diary`` in a
    ``PROMPT_DIARY_BIN_DIR`` of a cargo build)."""
    return _find("prompt-diary-cassettes", "prompt-diary")


def ask(*args: str, env: Optional[Dict[str, str]] = None) -> dict:
    """Runs the command line with ``args`` (a ``--json`` command) and returns what it printed;
    its stderr passes through, its error becomes :class:`CommandError` with its message."""
    command = [str(prompt_diary_bin()), *args]
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=env, timeout=900, check=False)
    if done.returncode != 0:
        raise CommandError(done.stderr.strip() or f"{' '.join(command)} exited {done.returncode}")
    sys.stderr.write(done.stderr)
    return json.loads(done.stdout)
