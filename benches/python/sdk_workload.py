"""The bench workload through the official Python SDK (openai-codex==0.163.0, AsyncCodex).

Usage: sdk_workload.py CODEX_BIN CODEX_HOME CONVERSATIONS TURNS

Runs CONVERSATIONS threads at once on one app-server, each with TURNS one-message turns
(`thread.run`), and checks each reply. Prints one JSON object on stdout with the same fields as
the Rust side (benches/common/workload.rs): turns, elapsed_s, startup_ms, latencies_ms,
client_hwm_kib (this process's peak RSS) and server_hwm_kib (the app-server's, before it stops).
"""

import asyncio
import json
import os
import resource
import sys
import tempfile
import time

from openai_codex import AsyncCodex, CodexConfig


def prompt(c, t):
    return f"CONV-{c}: turn {t}"


def reply(c, t):
    return f"reply {c}.{t}"


def hwm_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid):
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    return found


async def conversation(codex, c, turns, workspace, latencies):
    thread = None
    for t in range(turns):
        begun = time.perf_counter()
        if thread is None:
            thread = await codex.thread_start(cwd=workspace)
        result = await thread.run(prompt(c, t))
        latencies.append((time.perf_counter() - begun) * 1000.0)
        if result.final_response != reply(c, t):
            raise SystemExit(f"conversation {c} turn {t}: got {result.final_response!r}")


async def main():
    codex_bin, codex_home = sys.argv[1], sys.argv[2]
    conversations, turns = int(sys.argv[3]), int(sys.argv[4])
    config = CodexConfig(codex_bin=codex_bin, env={"CODEX_HOME": codex_home})
    latencies = []
    with tempfile.TemporaryDirectory() as root:
        workspaces = [os.path.join(root, f"ws{c}") for c in range(conversations)]
        for ws in workspaces:
            os.mkdir(ws)
        spawned = time.perf_counter()
        async with AsyncCodex(config=config) as codex:  # spawns and initializes
            startup_ms = (time.perf_counter() - spawned) * 1000.0
            started = time.perf_counter()
            await asyncio.gather(
                *(conversation(codex, c, turns, workspaces[c], latencies) for c in range(conversations))
            )
            elapsed = time.perf_counter() - started
            server = max((hwm_kib(p) for p in children(os.getpid())), default=0)
    print(json.dumps({
        "turns": len(latencies),
        "elapsed_s": elapsed,
        "startup_ms": startup_ms,
        "latencies_ms": latencies,
        "client_hwm_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "server_hwm_kib": server,
    }))


if __name__ == "__main__":
    asyncio.run(main())
