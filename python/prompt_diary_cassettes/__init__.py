"""prompt-diary for Python projects: the `codex` stand-in and a pytest plugin.

The wheel carries two executables, ``prompt-diary`` (the command line) and
``prompt-diary-codex`` (the stand-in that clients launch instead of ``codex``); this package only
finds them and, as a pytest plugin (``prompt_diary_cassettes.plugin``), sets the stand-in and its
environment around each test marked ``@pytest.mark.codex_cassette``. No logic of the stand-in is
repeated here.
"""

from __future__ import annotations

from ._bins import BinaryMissing, prompt_diary_bin, stand_in_bin
from ._modes import RECORD_MODES, RecordModeError, check_record_mode

__all__ = [
    "BinaryMissing",
    "RECORD_MODES",
    "RecordModeError",
    "check_record_mode",
    "prompt_diary_bin",
    "stand_in_bin",
]
