"""`codex exec --json` run in a subprocess, as a shell script or a build step would."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import files


@pytest.mark.codex_cassette
def test_codex_exec_json_in_a_subprocess(workspace: Path) -> None:
    done = subprocess.run(
        ["codex", "exec", "--json", "--skip-git-repo-check", "-C", str(workspace),
         "[exec] Write notes.md listing two steps."],
        capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert events[0]["type"] == "thread.started"
    assert events[-1]["type"] == "turn.completed"
    messages = [
        e["item"]["text"]
        for e in events
        if e["type"] == "item.completed" and e["item"]["type"] == "agent_message"
    ]
    assert messages == ["notes.md lists two steps."]
    assert files(workspace) == {"notes.md": "1. record\n2. replay\n"}
