"""Finding the executables this wheel installed beside the Python package."""

from __future__ import annotations

import os
import sys
import sysconfig
from pathlib import Path

STAND_IN = "prompt-diary-codex"
COMMAND = "prompt-diary-cassettes"
#: A folder holding both executables, used instead of the installed ones (e.g. ``target/release``
#: after ``cargo build --release --features python-wheel``, while working on prompt-diary).
BIN_DIR_ENV = "PROMPT_DIARY_BIN_DIR"


class BinaryMissing(RuntimeError):
    """One of the wheel's executables cannot be found."""


def _candidates(name: str) -> list[Path]:
    exe = name + (".exe" if sys.platform == "win32" else "")
    folders: list[Path] = []
    override = os.environ.get(BIN_DIR_ENV)
    if override:
        return [Path(override) / exe]
    # Where pip put the wheel's scripts: this interpreter's scheme, then the user scheme.
    folders.append(Path(sysconfig.get_path("scripts")))
    user_scheme = "nt_user" if os.name == "nt" else "posix_user"
    try:
        folders.append(Path(sysconfig.get_path("scripts", scheme=user_scheme)))
    except KeyError:
        pass
    # The venv's own bin folder when the interpreter is a symlink outside it.
    folders.append(Path(sys.prefix) / ("Scripts" if os.name == "nt" else "bin"))
    return [folder / exe for folder in folders]


def _find(name: str) -> Path:
    tried = _candidates(name)
    for path in tried:
        if path.is_file() and os.access(path, os.X_OK):
            return path.resolve()
    where = ", ".join(str(p) for p in tried)
    raise BinaryMissing(
        f"{name} is not installed beside the prompt_diary_cassettes package (looked in {where}); "
        f"reinstall the wheel (`pip install prompt-diary-cassettes`), or set {BIN_DIR_ENV} to "
        "a folder holding prompt-diary-cassettes and prompt-diary-codex"
    )


def stand_in_bin() -> Path:
    """The stand-in, ``prompt-diary-codex``: launch it where a client would launch ``codex``."""
    return _find(STAND_IN)


def prompt_diary_bin() -> Path:
    """The command line, ``prompt-diary-cassettes`` (``prompt-diary``'s commands: ``project
    --json``, ``install-codex``, ``view``...)."""
    return _find(COMMAND)
