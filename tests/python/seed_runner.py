"""A runner shaped like the seed's (prompt_diary 0.2.20's codex_runner) on the official Python
SDK, through the prompt-diary stand-in.

Usage: seed_runner.py SHIM WORKSPACE WRITER_SERVER

One backend (the SDK's app-server) whose `-c` overrides start the fixtures' writer MCP server
with the workspace in its environment; a conversation whose first turn writes nothing and whose
repair turn (same thread) has the server write outline.md; its release (`thread/unsubscribe`,
then `thread/loaded/list` polled until the thread is gone); a second conversation that writes
draft.md and is released the same way. Prints one JSON object (the turns' responses, the polls
each release took and the lists they read, the workspace's files); exits 3 with the SDK's error
on stdout.
"""

import asyncio
import json
import os
import sys
from pathlib import Path

from openai_codex import AsyncCodex, CodexConfig
from openai_codex.generated.v2_all import ThreadLoadedListResponse, ThreadUnsubscribeResponse

POLLS = 200


def files(root: Path) -> dict:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


def named(loaded: list, thread_id: str, started: list) -> list:
    """A loaded list as it compares across runs: this conversation's own thread is "self", the
    thread of an earlier conversation "conversation N", any other "unknown"."""
    return [
        "self" if t == thread_id else f"conversation {started.index(t)}" if t in started else "unknown"
        for t in loaded
    ]


async def release(codex: AsyncCodex, thread_id: str, started: list) -> dict:
    """Unsubscribes, then polls the loaded list until the thread is gone (bounded); the lists
    each poll read, named."""
    client = codex._client  # the SDK has no method for these two requests
    answer = await client.request(
        "thread/unsubscribe", {"threadId": thread_id}, response_model=ThreadUnsubscribeResponse
    )
    lists = []
    for polls in range(1, POLLS + 1):
        loaded = await client.request(
            "thread/loaded/list", {}, response_model=ThreadLoadedListResponse
        )
        lists.append(named(loaded.data, thread_id, started))
        if thread_id not in loaded.data:
            status = answer.status.value if hasattr(answer.status, "value") else str(answer.status)
            return {"status": status, "polls": polls, "lists": lists}
        await asyncio.sleep(0.05)
    raise RuntimeError(f"thread {thread_id} still loaded after {POLLS} polls")


async def main() -> int:
    stand_in, workspace, server = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    env = {k: v for k, v in os.environ.items() if k.startswith(("PROMPT_DIARY_", "CODEX_HOME"))}
    overrides = (
        "thread_unload_delay_secs=0",
        "mcp_optional_startup_grace_ms=30000",
        'mcp_servers.writer.command="python3"',
        f"mcp_servers.writer.args={json.dumps([server])}",
        f"mcp_servers.writer.env={{PROMPT_DIARY_WORKSPACE={json.dumps(str(workspace))}}}",
        'mcp_servers.writer.default_tools_approval_mode="approve"',
    )
    config = CodexConfig(codex_bin=stand_in, env=env, config_overrides=overrides)
    out = {"conversations": []}
    started = []
    try:
        async with AsyncCodex(config=config) as codex:
            for prompts, artifact in (
                (["OUTLINE the entry.", "OUTLINE repair: outline.md does not exist. Write it now."], "outline.md"),
                (["DRAFT the entry."], "draft.md"),
            ):
                thread = await codex.thread_start(cwd=str(workspace))
                started.append(thread.id)
                turns = []
                for prompt in prompts:
                    result = await thread.run(prompt)
                    turns.append(
                        {"final_response": result.final_response, "artifact_exists": (workspace / artifact).exists()}
                    )
                out["conversations"].append({"turns": turns, "release": await release(codex, thread.id, started)})
    except Exception as exc:  # the SDK's own error, with the stand-in's report in it
        out["error"] = f"{type(exc).__name__}: {exc}"
        print(json.dumps(out))
        return 3
    out["files"] = files(workspace)
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
