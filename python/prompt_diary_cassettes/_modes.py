"""Record modes, as the stand-in reads them (``PROMPT_DIARY_RECORD_MODE``)."""

from __future__ import annotations

import os
from typing import Mapping

#: The modes testers know from vcrpy and pytest-recording.
RECORD_MODES = ("none", "once", "new_episodes", "all")

#: The stand-in's variable for the record mode.
RECORD_MODE_ENV = "PROMPT_DIARY_RECORD_MODE"


class RecordModeError(ValueError):
    """A record mode that is unknown, or one that records where recording is refused (CI)."""


def in_ci(env: Mapping[str, str] = os.environ) -> bool:
    """Whether ``CI`` is set to anything but empty, ``0`` or ``false`` (the stand-in's rule)."""
    value = env.get("CI")
    return value is not None and value not in ("", "0", "false")


def check_record_mode(mode: str, env: Mapping[str, str] = os.environ) -> str:
    """``mode`` if it may be used here; an error saying why not otherwise."""
    if mode not in RECORD_MODES:
        raise RecordModeError(
            f"invalid record mode {mode!r}: accepted values are {', '.join(RECORD_MODES)}"
        )
    if mode != "none" and in_ci(env):
        raise RecordModeError(
            f"CI is set, and CI never records, but --codex-record-mode {mode} asks for a "
            "recording mode; leave it unset in CI (CI replays the committed cassettes) and "
            "record locally"
        )
    return mode
