"""CI's check of the Python wheel on the example suite (called by scripts/python-package-check.sh).

Usage: check_suite.py [--record-committed] SUITE_VENV SEED_VENV REAL_CODEX
(`--record-committed` records this folder's committed cassettes again, in place, instead.)

Each step works on a fresh copy of this folder in a temp dir, runs pytest with the wheel's plugin,
and says what it checked:

1. record with --codex-record-mode=all against the real Codex driven by the scripted model
   (`prompt-diary-cassettes scripted-model scenario.json`), every reply served;
2. replay with none, the model stopped, CI set and no real Codex reachable: all pass;
3. record again under pytest-xdist (two workers): the same cassettes as the serial run (up to
   the order of server notifications between two client messages, which Codex varies);
4. the committed cassettes replay the same way, and equal the fresh recording (drift check);
5. a changed prompt fails with the divergence report (and its page) in pytest's output;
   a test that does less than its cassette holds fails, naming what went unused;
   a test that leaves a recorded `codex exec` run unused fails, naming the run;
6. a deleted cassette fails in none with the command that records it, and records in once;
7. PyPI's prompt-diary 0.2.13 (in its own venv with the wheel) records and replays its
   CodexAgentRunner through the plugin unchanged;
8. `no_project/`, copied where no prompt-diary.toml and no pytest configuration is found:
   `pytest tests` records `tests/cassettes/<module>/<test>.jsonl` beside the test module, and it
   replays from there and from another folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CASSETTES = Path("tests") / "cassettes"


#: The explicit-codex_bin test without its repair turn, replayed from that test's cassette.
PARTIAL_TEST = """
import pytest
from openai_codex import Codex, CodexConfig

@pytest.mark.codex_cassette
def test_first_turn_only(codex_cassette, workspace):
    config = CodexConfig(codex_bin=str(codex_cassette.stand_in), env=codex_cassette.env)
    with Codex(config=config) as codex:
        thread = codex.thread_start(cwd=str(workspace))
        assert thread.run("[explicit] Plan artifact.md, then wait.").final_response
"""


#: The exec test's cassette, replayed by a test that never runs `codex exec`.
NO_EXEC_TEST = """
import pytest

@pytest.mark.codex_cassette
def test_never_runs_codex():
    assert True
"""


def fail(message: str) -> None:
    print(f"FAILED: {message}", file=sys.stderr)
    sys.exit(1)


class Model:
    """The scripted model, served by the wheel's command line until `stop`."""

    def __init__(self, venv: Path, scenario: Path) -> None:
        self.proc = subprocess.Popen(
            [str(venv / "bin" / "prompt-diary-cassettes"), "scripted-model", str(scenario)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if not line.startswith("CODEX_HOME="):
            self.proc.kill()
            fail(f"the scripted model did not start (it said {line!r})")
        self.codex_home = line.split("=", 1)[1]
        self.extra_homes: list[str] = []

    def worker_homes(self, count: int) -> list[str]:
        """`count` more Codex homes pointing at the model (copies of its config.toml), beside
        its own (not in the temp folder, where Codex will not put its sandbox helper)."""
        homes = []
        for worker in range(count):
            home = Path(f"{self.codex_home}-w{worker}")
            home.mkdir()
            shutil.copy(Path(self.codex_home) / "config.toml", home / "config.toml")
            homes.append(str(home))
        self.extra_homes += homes
        return homes

    def stop(self) -> None:
        """Stops it; fails unless every scripted reply was served."""
        for home in self.extra_homes:
            shutil.rmtree(home, ignore_errors=True)
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        if self.proc.wait(timeout=60) != 0:
            fail("the scripted model's scenario was not followed (see its message above)")


def copy_suite(dest: Path, keep_cassettes: bool) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.new")
    shutil.copytree(HERE, dest, ignore=ignore)
    if not keep_cassettes:
        shutil.rmtree(dest / CASSETTES, ignore_errors=True)
    return dest


def offline_env(venv: Path) -> dict[str, str]:
    """No real Codex anywhere: a PATH of the venv and the system folders, none set to record."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PROMPT_DIARY_", "CODEX_"))}
    env["PATH"] = os.pathsep.join([str(venv / "bin"), "/usr/bin", "/bin"])
    env["PROMPT_DIARY_CODEX_BIN"] = "/nonexistent/codex"
    env["CI"] = "1"
    return env


def record_env(venv: Path, real_codex: str, model: Model) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROMPT_DIARY_")}
    env.pop("CI", None)
    env["PATH"] = str(venv / "bin") + os.pathsep + env.get("PATH", "")
    env["PROMPT_DIARY_CODEX_BIN"] = real_codex
    env["CODEX_HOME"] = model.codex_home
    return env


def pytest(venv: Path, suite: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    command = [str(venv / "bin" / "python"), "-m", "pytest", "-rA", *args]
    started = time.monotonic()
    done = subprocess.run(command, cwd=suite, env=env, capture_output=True, text=True, timeout=900)
    took = time.monotonic() - started
    print(f"  $ pytest {' '.join(args)}  (in {suite.name}, exit {done.returncode}, {took:.1f} s)")
    return done


def expect(done: subprocess.CompletedProcess, code: int, *texts: str) -> None:
    output = done.stdout + done.stderr
    if done.returncode != code or any(t not in output for t in texts):
        missing = [t for t in texts if t not in output]
        fail(f"pytest exited {done.returncode} (wanted {code}); missing {missing}:\n{output}")


#: A value Codex 0.171.0 draws at random and the cassette does not normalise yet: the revision of
#: `thread/readState/changed` (a UUID). Two recordings of the same session differ only there.
UNNORMALISED = re.compile(r'"revision":"[0-9a-f-]{36}"')


def sort_server_runs(lines: list[str]) -> list[str]:
    """The lines with each run of consecutive server-to-client lines sorted: Codex sends some
    notifications from concurrent tasks (`thread/tokenUsage/updated` against the item
    notifications), so their order between two client messages varies from run to run. The
    client's lines, and which server lines fall between them, are kept as they are."""
    out: list[str] = []
    run: list[str] = []
    for line in lines:
        if line.startswith('{"kind":"s2c"'):
            run.append(line)
            continue
        out += sorted(run) + [line]
        run = []
    return out + sorted(run)


def cassettes(suite: Path) -> dict[str, str]:
    """The suite's cassettes, each without its recording date (the one value a day changes) and
    with the revisions above masked."""
    found = {}
    for path in sorted((suite / CASSETTES).rglob("*.jsonl")):
        lines = path.read_text().splitlines()
        header = json.loads(lines[0])
        header.pop("recorded_at", None)
        body = UNNORMALISED.sub('"revision":"(random)"', "\n".join(sort_server_runs(lines[1:])))
        found[str(path.relative_to(suite))] = json.dumps(header) + "\n" + body
    return found


def differ(old: dict[str, str], new: dict[str, str]) -> str:
    """The first differences between two sets of cassettes, as unified diffs."""
    import difflib

    out = [f"only in one: {sorted(set(old) ^ set(new))}"] if set(old) != set(new) else []
    for name in sorted(set(old) & set(new)):
        if old[name] != new[name]:
            diff = difflib.unified_diff(old[name].splitlines(), new[name].splitlines(), name, name,
                                        lineterm="", n=0)
            out.append("\n".join(list(diff)[:40]))
    return "\n".join(out)


def record_committed(suite_venv: Path, seed_venv: Path, real_codex: str) -> None:
    """Records this folder's committed cassettes again (all of them, in place)."""
    shutil.rmtree(HERE / CASSETTES, ignore_errors=True)
    for venv, scenario, args in ((suite_venv, HERE / "scenario.json", ()),
                                 (seed_venv, HERE / "seed" / "scenario.json", ("seed",))):
        model = Model(venv, scenario)
        done = pytest(venv, HERE, record_env(venv, real_codex, model), *args,
                      "--codex-record-mode=all")
        expect(done, 0, "passed")
        model.stop()
    print(f"recorded {len(cassettes(HERE))} cassettes into {HERE / CASSETTES}")


def main() -> None:
    record = sys.argv[1:2] == ["--record-committed"]
    args = sys.argv[2:] if record else sys.argv[1:]
    suite_venv, seed_venv = Path(args[0]).absolute(), Path(args[1]).absolute()
    real_codex = str(Path(args[2]).resolve())
    if record:
        record_committed(suite_venv, seed_venv, real_codex)
        return
    tmp = Path(tempfile.mkdtemp(prefix="prompt-diary-python-check-"))
    try:
        run_checks(suite_venv, seed_venv, real_codex, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_checks(suite_venv: Path, seed_venv: Path, real_codex: str, tmp: Path) -> None:
    print("1. record (--codex-record-mode=all), the real Codex driven by the scripted model")
    serial = copy_suite(tmp / "serial", keep_cassettes=False)
    model = Model(suite_venv, serial / "scenario.json")
    done = pytest(suite_venv, serial, record_env(suite_venv, real_codex, model),
                  "--codex-record-mode=all")
    expect(done, 0, "4 passed", "recorded 4 cassette(s) through")
    model.stop()
    recorded = cassettes(serial)
    if len(recorded) != 4:
        fail(f"expected 4 cassettes, found {sorted(recorded)}")

    print("2. replay (none): the model stopped, CI set, no real Codex reachable")
    done = pytest(suite_venv, serial, offline_env(suite_venv))
    expect(done, 0, "4 passed")

    print("3. record under pytest-xdist (-n 2): the same cassettes as the serial run")
    parallel = copy_suite(tmp / "parallel", keep_cassettes=False)
    model = Model(suite_venv, parallel / "scenario.json")
    # Two Codex processes starting at once on one CODEX_HOME contend for it and say so on stderr
    # (a recorded stderr tail): each worker gets its own copy of the scripted model's home.
    homes = model.worker_homes(2)
    done = pytest(suite_venv, parallel, record_env(suite_venv, real_codex, model),
                  "--codex-record-mode=all", "--dist=load",
                  *[f"--tx=popen//env:CODEX_HOME={h}" for h in homes])
    expect(done, 0, "4 passed", "created: 2/2 workers")
    model.stop()
    if cassettes(parallel) != recorded:
        fail("the two-worker recording differs from the serial one:\n"
             + differ(recorded, cassettes(parallel)))

    print("4. the committed cassettes replay offline, and equal the fresh recording")
    committed = copy_suite(tmp / "committed", keep_cassettes=True)
    done = pytest(suite_venv, committed, offline_env(suite_venv), "-n", "2")
    expect(done, 0, "4 passed")
    suite_committed = {
        k: v for k, v in cassettes(committed).items() if "test_seed_runner" not in k
    }
    if suite_committed != recorded:
        fail("a fresh recording differs from the committed cassettes (drift); re-record them with "
             "`python3 examples/python/check_suite.py --record-committed SUITE_VENV SEED_VENV "
             "REAL_CODEX` and review the change:\n" + differ(suite_committed, recorded))

    print("5. a changed prompt fails with the divergence report")
    test_file = serial / "tests" / "test_sdk.py"
    original = test_file.read_text()
    test_file.write_text(original.replace("saying hello.", "saying goodbye."))
    done = pytest(suite_venv, serial, offline_env(suite_venv), "tests/test_sdk.py")
    expect(done, 1, "1 failed", "replay diverged", "differing JSON paths", "divergence page:",
           "test_sdk_finds_codex_on_path.jsonl", "--codex-record-mode=all")
    test_file.write_text(original)

    print("5b. a test that does less than its cassette holds fails, naming what went unused")
    partial = serial / "tests" / "test_partial.py"
    partial.write_text(PARTIAL_TEST)
    (serial / CASSETTES / "test_partial").mkdir()
    shutil.copy(serial / CASSETTES / "test_sdk" / "test_sdk_with_an_explicit_codex_bin.jsonl",
                serial / CASSETTES / "test_partial" / "test_first_turn_only.jsonl")
    done = pytest(suite_venv, serial, offline_env(suite_venv), "tests/test_partial.py")
    expect(done, 1, "1 failed", "recorded interactions unused", "turn/start` never came")
    partial.unlink()
    shutil.rmtree(serial / CASSETTES / "test_partial")

    print("5c. a test that leaves a recorded `codex exec` run unused fails, naming the run")
    no_exec = serial / "tests" / "test_no_exec.py"
    no_exec.write_text(NO_EXEC_TEST)
    (serial / CASSETTES / "test_no_exec").mkdir()
    shutil.copy(serial / CASSETTES / "test_exec" / "test_codex_exec_json_in_a_subprocess.jsonl",
                serial / CASSETTES / "test_no_exec" / "test_never_runs_codex.jsonl")
    done = pytest(suite_venv, serial, offline_env(suite_venv), "tests/test_no_exec.py")
    expect(done, 1, "1 error", "`codex exec` runs were left unused", "run 1:", "[exec] Write notes.md")
    no_exec.unlink()
    shutil.rmtree(serial / CASSETTES / "test_no_exec")

    print("6. a deleted cassette fails in none, and records in once")
    exec_cassette = serial / CASSETTES / "test_exec" / "test_codex_exec_json_in_a_subprocess.jsonl"
    exec_cassette.unlink()
    done = pytest(suite_venv, serial, offline_env(suite_venv), "tests/test_exec.py")
    expect(done, 1, "1 failed", "does not exist", "--codex-record-mode=once")
    scenario = json.loads((serial / "scenario.json").read_text())
    scenario["conversations"] = [c for c in scenario["conversations"] if c["match"] == "[exec]"]
    (tmp / "exec_only.json").write_text(json.dumps(scenario))
    model = Model(suite_venv, tmp / "exec_only.json")
    done = pytest(suite_venv, serial, record_env(suite_venv, real_codex, model),
                  "--codex-record-mode=once")
    expect(done, 0, "4 passed", "recorded 1 cassette(s)")
    model.stop()
    if cassettes(serial) != recorded:
        fail("the cassette recorded in once differs from the first recording")

    print("7. PyPI's prompt-diary 0.2.13 beside the wheel: its CodexAgentRunner, unchanged")
    seed = copy_suite(tmp / "seed", keep_cassettes=False)
    model = Model(seed_venv, seed / "seed" / "scenario.json")
    done = pytest(seed_venv, seed, record_env(seed_venv, real_codex, model),
                  "seed", "--codex-record-mode=all")
    expect(done, 0, "1 passed", "recorded 1 cassette(s)")
    model.stop()
    done = pytest(seed_venv, seed, offline_env(seed_venv), "seed")
    expect(done, 0, "1 passed")
    committed_seed = copy_suite(tmp / "seed_committed", keep_cassettes=True)
    done = pytest(seed_venv, committed_seed, offline_env(seed_venv), "seed")
    expect(done, 0, "1 passed")
    no_project_suite(suite_venv, real_codex, tmp)
    print("all Python checks passed")


#: What pytest and prompt-diary would read above a suite that has no configuration of its own.
CONFIG_FILES = ("prompt-diary.toml", "pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini",
                "setup.cfg")


def no_project_suite(suite_venv: Path, real_codex: str, tmp: Path) -> None:
    """8. `no_project/`, copied out of the example project: no prompt-diary.toml and no pytest
    configuration. `pytest tests` from its folder records the cassette beside the test module,
    and it replays from there and from another folder."""
    print("8. no project file, no pytest configuration: the cassette beside the test module")
    bare = tmp / "no_project"
    shutil.copytree(HERE / "no_project", bare,
                    ignore=shutil.ignore_patterns("__pycache__", "cassettes"))
    above = [f for d in (bare, *bare.parents) for f in (d / n for n in CONFIG_FILES) if f.exists()]
    if above:
        fail(f"{bare} is not a bare folder: {above} would configure it")
    scenario = json.loads((HERE / "scenario.json").read_text())
    scenario["conversations"] = [c for c in scenario["conversations"] if c["match"] == "[default]"]
    (tmp / "default_only.json").write_text(json.dumps(scenario))
    model = Model(suite_venv, tmp / "default_only.json")
    done = pytest(suite_venv, bare, record_env(suite_venv, real_codex, model), "tests",
                  "--codex-record-mode=once")
    expect(done, 0, "1 passed", "recorded 1 cassette(s)")
    model.stop()
    want = ["tests/cassettes/test_no_project/test_replies_ready.jsonl"]
    found = sorted(str(p.relative_to(bare)) for p in bare.rglob("*.jsonl"))
    if found != want:
        fail(f"expected the cassette at {want} in {bare}, found {found}")
    print(f"  recorded {want[0]}")
    done = pytest(suite_venv, bare, offline_env(suite_venv), "tests")
    expect(done, 0, "1 passed")
    done = pytest(suite_venv, tmp, offline_env(suite_venv), str(bare / "tests"))
    expect(done, 0, "1 passed")
    found = sorted(str(p.relative_to(bare)) for p in bare.rglob("*.jsonl"))
    if found != want or (tmp / "tests").exists():
        fail(f"pytest started in {tmp} wrote a cassette elsewhere: {found}, {tmp / 'tests'}")
    print("  replayed it from its folder and from its parent's")


if __name__ == "__main__":
    main()
