"""PyPI's `prompt-diary` 0.2.13 (a different project: the seed this crate grew from) drives Codex
through its own `CodexAgentRunner` (openai-codex 0.154.0), as its live tests do: `codex` found on
PATH, a "reply exactly" prompt. Unchanged, it records and replays through the plugin."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from prompt_diary.agent import AgentConfig
from prompt_diary.integrations.codex_runner import CodexAgentSessionFactory, CodexBackendConfig


@pytest.mark.codex_cassette
@pytest.mark.asyncio
async def test_seed_codex_agent_runner_replies_exactly(tmp_path: Path) -> None:
    codex = shutil.which("codex")
    assert codex is not None
    backend = CodexBackendConfig(codex_bin=Path(codex))
    async with CodexAgentSessionFactory(backend) as factory:
        runner = await factory.runner(AgentConfig(working_directory=tmp_path))
        result = await runner.turn("Reply with exactly: seed runner ok", timeout_seconds=120)
    assert result.assistant_text == "seed runner ok"
    assert [event.kind for event in result.events][-1:] == ["agentMessage"]
