"""A test in a folder with no prompt-diary.toml and no pytest configuration. check_suite.py
copies `no_project/` out of the example project and runs `pytest tests` from it: the cassette is
`tests/cassettes/test_no_project/test_replies_ready.jsonl`, beside this module, whatever folder
pytest starts in."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest


@pytest.mark.codex_cassette
def test_replies_ready(tmp_path: Path) -> None:
    done = subprocess.run(
        ["codex", "exec", "--json", "--skip-git-repo-check", "-C", str(tmp_path),
         "[default] Reply with the word ready."],
        capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    messages = [
        e["item"]["text"]
        for e in events
        if e["type"] == "item.completed" and e["item"]["type"] == "agent_message"
    ]
    assert messages == ["ready"]
