"""Shared fixtures of the example suite. The `codex_cassette` marker and fixture come from the
prompt-diary-cassettes wheel's pytest plugin; nothing here knows about cassettes."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A fresh, empty folder for the agent to work in."""
    folder = tmp_path / "workspace"
    folder.mkdir()
    return folder


def files(root: Path) -> dict[str, str]:
    """Every file under `root`, by relative path."""
    return {
        str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()
    }
