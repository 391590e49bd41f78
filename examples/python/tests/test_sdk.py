"""The official Python SDK (openai-codex) as an application uses it: codex found with
`shutil.which`, passed explicitly as `codex_bin`, and left to the SDK's own lookup. The code
under test is unchanged; the marker puts the stand-in in front of it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import files
from openai_codex import AsyncCodex, Codex, CodexConfig


@pytest.mark.codex_cassette
@pytest.mark.asyncio
async def test_sdk_finds_codex_on_path(workspace: Path) -> None:
    codex_bin = shutil.which("codex")
    assert codex_bin is not None, "the plugin puts codex on PATH"
    async with AsyncCodex(config=CodexConfig(codex_bin=codex_bin)) as codex:
        thread = await codex.thread_start(cwd=str(workspace))
        result = await thread.run("[which] Write greeting.md saying hello.")
    assert result.final_response == "greeting.md says hello."
    assert files(workspace) == {"greeting.md": "hello\n"}


@pytest.mark.codex_cassette
def test_sdk_with_an_explicit_codex_bin(codex_cassette, workspace: Path) -> None:
    # A test that builds CodexConfig itself takes the stand-in and its settings from the fixture.
    config = CodexConfig(codex_bin=str(codex_cassette.stand_in), env=codex_cassette.env)
    with Codex(config=config) as codex:
        thread = codex.thread_start(cwd=str(workspace))
        first = thread.run("[explicit] Plan artifact.md, then wait.")
        assert first.final_response == "I have planned artifact.md."
        assert files(workspace) == {}
        repair = thread.run("artifact.md does not exist. Write it now.")
    assert repair.final_response == "artifact.md is written now."
    assert files(workspace) == {"artifact.md": "# Artifact\n\nrepaired\n"}


@pytest.mark.codex_cassette
@pytest.mark.asyncio
async def test_sdk_default_lookup(workspace: Path) -> None:
    # No codex_bin at all: the SDK launches its bundled Codex, which the plugin answers with the
    # stand-in for the test's duration.
    async with AsyncCodex() as codex:
        thread = await codex.thread_start(cwd=str(workspace))
        result = await thread.run("[default] Reply with the word ready.")
    assert result.final_response == "ready"
