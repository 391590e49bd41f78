"""The baseline of scripts/python-bench.sh: the same one-turn replay through the stand-in, with no
pytest and no plugin (the SDK given the stand-in and the cassette by hand), N times.

Usage: bare.py CASSETTE N OUT"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from openai_codex import Codex, CodexConfig
from prompt_diary_cassettes import stand_in_bin


def main() -> None:
    cassette, n, out = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    env = {"PROMPT_DIARY_CASSETTE": str(cassette), "PROMPT_DIARY_RECORD_MODE": "none"}
    config = CodexConfig(codex_bin=str(stand_in_bin()), env=env)
    times = []
    for _ in range(n):
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as workspace:
            with Codex(config=config) as codex:
                result = codex.thread_start(cwd=workspace).run(
                    "[default] Reply with the word ready."
                )
        times.append(time.perf_counter() - started)
        assert result.final_response == "ready", result.final_response
    with out.open("a") as f:
        f.writelines(f"{t}\n" for t in times)


if __name__ == "__main__":
    main()
