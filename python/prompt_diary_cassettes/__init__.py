"""prompt-diary for Python projects: the `codex` stand-in and a pytest plugin.

The wheel carries two executables, ``prompt-diary-codex`` (the stand-in that clients launch
instead of ``codex``) and ``prompt-diary-cassettes`` (the command line); this package only finds
them and, as a pytest plugin (``prompt_diary_cassettes.plugin``), asks the command line what a
test marked ``@pytest.mark.codex_cassette`` gets and sets the stand-in's environment for it. Every
rule (record modes, CI, the cassette's path, the real Codex, unused runs) is the Rust side's.
"""

from __future__ import annotations

from ._bins import BIN_DIR_ENV, BinaryMissing, CommandError, ask, prompt_diary_bin, stand_in_bin

__all__ = [
    "BIN_DIR_ENV", "BinaryMissing", "CommandError", "ask", "prompt_diary_bin", "stand_in_bin",
]
