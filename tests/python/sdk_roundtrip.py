"""Drive the official Python SDK (openai-codex) through the prompt-diary stand-in.

Usage: sdk_roundtrip.py SHIM WORKSPACE FIRST_PROMPT REPAIR_PROMPT

The environment carries PROMPT_DIARY_CASSETTE, PROMPT_DIARY_RECORD_MODE and, when recording,
CODEX_HOME / PROMPT_DIARY_CODEX_BIN; the SDK passes it on to the stand-in. Prints one JSON object:
the two turns' final responses and items, and the workspace's files afterwards. Exits 3 with the
SDK's error text on stdout when a call fails.
"""

import asyncio
import json
import os
import sys
from pathlib import Path

from openai_codex import AsyncCodex, CodexConfig


def files(root: Path) -> dict:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


def item_summary(item) -> dict:
    data = item.model_dump(mode="json") if hasattr(item, "model_dump") else dict(item)
    root = data.get("root", data)
    keep = ("type", "text", "command", "exitCode", "status", "aggregatedOutput")
    return {k: root[k] for k in keep if k in root}


async def main() -> int:
    stand_in, workspace, first, repair = sys.argv[1], Path(sys.argv[2]), sys.argv[3], sys.argv[4]
    env = {k: v for k, v in os.environ.items() if k.startswith(("PROMPT_DIARY_", "CODEX_HOME"))}
    config = CodexConfig(codex_bin=stand_in, env=env)
    turns = []
    try:
        async with AsyncCodex(config=config) as codex:
            thread = await codex.thread_start(cwd=str(workspace))
            for prompt in (first, repair):
                result = await thread.run(prompt)
                turns.append(
                    {
                        "final_response": result.final_response,
                        "items": [item_summary(i) for i in result.items],
                        "artifact_exists": (workspace / "artifact.md").exists(),
                    }
                )
    except Exception as exc:  # the SDK's own error, with the stand-in's report in it
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}", "turns": turns}))
        return 3
    print(json.dumps({"turns": turns, "files": files(workspace)}, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
