"""The plugin's per-test cost (scripts/python-bench.sh): one SDK turn replayed from one
cassette, N times, each a marked test (the plugin sets up and tears down the stand-in around
it). Not part of the example suite (pytest.ini's testpaths)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from openai_codex import Codex

N = int(os.environ.get("PROMPT_DIARY_BENCH_N", "20"))


@pytest.mark.parametrize("run", range(N))
@pytest.mark.codex_cassette("one_turn")
def test_one_turn(run: int, tmp_path: Path) -> None:
    with Codex() as codex:
        result = codex.thread_start(cwd=str(tmp_path)).run("[default] Reply with the word ready.")
    assert result.final_response == "ready"
