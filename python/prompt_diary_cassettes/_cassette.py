"""One test's cassette: where it lives, the environment that points the stand-in at it, and
putting that environment in place for the test's duration (restored after)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from ._modes import RECORD_MODE_ENV
from ._reports import REPORT_DIR_ENV

CASSETTE_ENV = "PROMPT_DIARY_CASSETTE"
CODEX_BIN_ENV = "PROMPT_DIARY_CODEX_BIN"
#: The stand-in appends the number of each exec run it replays to the file this names.
USED_RUNS_ENV = "PROMPT_DIARY_USED_RUNS"
USED_RUNS_FILE = "used.runs"


@dataclass
class CodexCassette:
    """What the ``codex_cassette`` fixture hands a test.

    ``stand_in`` is the ``codex`` the test's ``PATH`` finds first (a link to the wheel's
    ``prompt-diary-codex``): pass it as ``CodexConfig(codex_bin=...)``. ``env`` holds the settings
    the stand-in reads (they are in ``os.environ`` during the test too): pass it as
    ``CodexConfig(env=...)`` when a client does not inherit this process's environment.
    """

    #: The cassette file.
    path: Path
    #: The record mode in effect: ``none``, ``once``, ``new_episodes`` or ``all``.
    mode: str
    #: The stand-in, as ``codex``.
    stand_in: Path
    #: The environment the stand-in reads (``PROMPT_DIARY_*`` and ``PATH``).
    env: Dict[str, str]
    #: Where the stand-in writes its failure reports for this test.
    report_dir: Path
    #: The real Codex recordings go through, and where it was found (``None`` in ``none``).
    real_codex: Optional[Tuple[Path, str]] = None
    _saved: Dict[str, Optional[str]] = field(default_factory=dict, repr=False)
    _undo: List[Callable[[], None]] = field(default_factory=list, repr=False)
    _before: Tuple[Optional[int], Optional[int]] = (None, None)

    @staticmethod
    def settings(
        path: Path, mode: str, link_dir: Path, report_dir: Path, real_codex: Optional[Path]
    ) -> Dict[str, str]:
        """The variables set for a test."""
        env = {
            CASSETTE_ENV: str(path),
            RECORD_MODE_ENV: mode,
            REPORT_DIR_ENV: str(report_dir),
            USED_RUNS_ENV: str(report_dir / USED_RUNS_FILE),
            "PATH": str(link_dir) + os.pathsep + os.environ.get("PATH", ""),
        }
        if real_codex is not None:
            env[CODEX_BIN_ENV] = str(real_codex)
        return env

    def enter(self) -> None:
        """Puts ``env`` into ``os.environ`` and the stand-in behind the SDK's default lookup."""
        self._before = (_stamp(self.path), _stamp(_pending(self.path)))
        for key, value in self.env.items():
            self._saved[key] = os.environ.get(key)
            os.environ[key] = value
        self._undo.append(_patch_sdk_default(self.stand_in))

    def leave(self) -> None:
        """Restores ``os.environ`` and the SDK's lookup as they were."""
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()
        for key, value in self._saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved.clear()

    def was_missing(self) -> bool:
        """Whether the cassette did not exist when the test started."""
        return self._before[0] is None

    def unused_exec_runs(self) -> List[str]:
        """The recorded ``codex exec`` runs of a replayed exec cassette that the test never made
        (the stand-in notes each run it replays in ``PROMPT_DIARY_USED_RUNS``), each as
        ``run N: "<first line of its prompt>"``; empty for an app-server cassette (the stand-in
        reports unused interactions of a session itself) or when nothing was replayed."""
        if self.mode == "all" or not self.path.exists() or (self.mode == "once" and self.was_missing()):
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        if not lines or json.loads(lines[0]).get("kind") != "exec":
            return []
        prompts = [
            _prompt_of(entry) for entry in map(json.loads, lines[1:])
            if entry.get("kind") == "invocation"
        ]
        ledger = self.report_dir / USED_RUNS_FILE
        used = {int(n) for n in ledger.read_text().split()} if ledger.exists() else set()
        return [
            f"run {n}: {json.dumps(prompt)}"
            for n, prompt in enumerate(prompts, start=1)
            if n not in used
        ]

    def outcome(self) -> Dict[str, object]:
        """What happened to the cassette: recorded (written or rewritten), a pending ``.new``."""
        recorded = _stamp(self.path) != self._before[0] and self.path.exists()
        pending = _stamp(_pending(self.path)) != self._before[1] and _pending(self.path).exists()
        return {
            "path": str(self.path),
            "mode": self.mode,
            "recorded": recorded,
            "pending": str(_pending(self.path)) if pending else None,
            "codex": [str(self.real_codex[0]), self.real_codex[1]] if self.real_codex else None,
        }


def _prompt_of(invocation: Dict[str, object]) -> str:
    """The first line of a recorded run's prompt: its stdin, else its last argument."""
    stdin = str(invocation.get("stdin") or "")
    args = invocation.get("args") or []
    last = str(args[-1]) if isinstance(args, list) and args else ""
    text = stdin if stdin.strip() or last in ("", "-") else last
    return text.split("\n")[0]


def _pending(path: Path) -> Path:
    return path.with_name(path.name + ".new")


def _stamp(path: Path) -> Optional[int]:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def _patch_sdk_default(stand_in: Path) -> Callable[[], None]:
    """The official SDK (``openai-codex``) launches the Codex of its ``openai-codex-cli-bin``
    dependency when ``codex_bin`` is not given; during the test that lookup answers the stand-in.
    Returns the undo."""
    try:
        import codex_cli_bin  # type: ignore[import-not-found]
    except ImportError:
        return lambda: None
    original = getattr(codex_cli_bin, "bundled_codex_path", None)
    if original is None:
        return lambda: None
    codex_cli_bin.bundled_codex_path = lambda: stand_in

    def undo() -> None:
        codex_cli_bin.bundled_codex_path = original

    return undo
