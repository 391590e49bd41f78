"""The pytest plugin (entry point ``pytest11``: ``codex_cassette``).

A test marked ``@pytest.mark.codex_cassette`` (or asking for the ``codex_cassette`` fixture) runs
with the stand-in first on ``PATH`` as ``codex`` and its settings in ``os.environ``. What it gets
is the command line's answer (``prompt-diary project --json --test ... --record-mode``): its
cassette, the record mode in effect (``--codex-record-mode``, ``PROMPT_DIARY_RECORD_MODE``, the
project file; CI never records), and the real Codex a recording goes through. After the test,
``prompt-diary unused-runs`` lists the recorded ``codex exec`` runs it left unused. This module
sets the environment and reports; it decides nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import pytest

from ._bins import CommandError, ask, stand_in_bin
from ._reports import REPORT_DIR_ENV, read_reports, wait_for_processes

MARKER = "codex_cassette"
CODEX_BIN_ENV = "PROMPT_DIARY_CODEX_BIN"
_STATE = pytest.StashKey["_Session"]()
_CASSETTE = pytest.StashKey["CodexCassette"]()
_MISSING = pytest.StashKey[str]()
_PASSED = pytest.StashKey[bool]()
_WORKER_CODEX = "prompt_diary_real_codex"
#: How long a test's teardown waits for the stand-ins it started (and their real Codex) to exit.
PROCESS_GRACE = 15.0


@dataclass
class CodexCassette:
    """What the ``codex_cassette`` fixture hands a test: the cassette ``path``, the ``mode`` in
    effect, ``stand_in`` (the ``codex`` first on the test's ``PATH``: pass it as
    ``CodexConfig(codex_bin=...)``), ``env`` (the stand-in's settings, in ``os.environ`` during the
    test too: pass it as ``CodexConfig(env=...)``) and ``report_dir`` (the stand-in's reports)."""

    path: Path
    mode: str
    stand_in: Path
    env: Dict[str, str]
    report_dir: Path
    plan: dict = field(repr=False)
    saved: Dict[str, Optional[str]] = field(default_factory=dict, repr=False)
    seen: set = field(default_factory=set, repr=False)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("codex_cassette", "Codex cassettes (prompt-diary)").addoption(
        "--codex-record-mode", default=None, metavar="MODE",
        help="none (replay only; the default, and CI's), once (record missing cassettes), "
        "new_episodes (record what a cassette lacks), all (record again; a change waits as .new)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}(name=None): run the test's codex through "
                            "prompt-diary's stand-in and a cassette named after the test (or NAME)")
    session = _Session(config)
    config.stash[_STATE] = session
    config.pluginmanager.register(session, "codex_cassette_session")
    if session.asked is not None and session.real_codex is None:
        session.real_codex = session.ask(config.rootpath)["real_codex"]


def pytest_unconfigure(config: pytest.Config) -> None:
    if _STATE in config.stash:
        shutil.rmtree(config.stash[_STATE].link_dir, ignore_errors=True)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:  # pytest-xdist: workers record through the same Codex
    node.workerinput[_WORKER_CODEX] = node.config.stash[_STATE].real_codex


def pytest_report_header(config: pytest.Config) -> List[str]:
    real = config.stash[_STATE].real_codex
    mode = config.getoption("codex_record_mode") or "none (or the project's record_mode)"
    through = [f"codex cassettes: recording through {real['path']} ({real['source']})"] if real else []
    return [f"codex cassettes: record mode {mode}"] + through


@pytest.fixture
def codex_cassette(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[CodexCassette]:
    """The test's cassette, the stand-in (``.stand_in``) and its environment (``.env``)."""
    item = request.node
    label = re.sub(r"[^\w.-]", "_", item.name)[:40]
    cassette = request.config.stash[_STATE].begin(item, tmp_path_factory.mktemp(f"codex-{label}"))
    item.stash[_CASSETTE] = cassette
    before = _stamps(cassette.path)
    for key, value in cassette.env.items():
        cassette.saved[key] = os.environ.get(key)
        os.environ[key] = value
    undo = _patch_sdk_default(cassette.stand_in)
    try:
        yield cassette
    finally:
        undo()
        for key, value in cassette.saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
        _finish(item, cassette, before)


def _finish(item: pytest.Item, cassette: CodexCassette, before: tuple) -> None:
    left = wait_for_processes(cassette.report_dir, PROCESS_GRACE)
    after, pending = _stamps(cassette.path), cassette.path.with_name(cassette.path.name + ".new")
    real = cassette.plan["real_codex"]
    outcome = {"path": str(cassette.path), "recorded": after[0] not in (None, before[0]),
               "pending": str(pending) if after[1] not in (None, before[1]) else None,
               "codex": f"{real['path']} ({real['source']})" if real else None}
    item.user_properties.append((MARKER, outcome))
    late = read_reports(cassette.report_dir, cassette.seen)
    if late:
        pytest.fail(_failure_text(item, late, cassette), pytrace=False)
    if left:
        pytest.fail(f"codex cassette {cassette.path}: the stand-in (or the Codex it records "
                    f"through) is still running {PROCESS_GRACE:.0f} s after the test (pids "
                    f"{left}); stop every Codex client before the test ends", pytrace=False)
    if not item.stash.get(_PASSED, False):
        return
    if cassette.plan["check_unused"]:
        ledger = str(cassette.env["PROMPT_DIARY_USED_RUNS"])
        unused = ask("unused-runs", str(cassette.path), "--used", ledger, "--json")["unused"]
        if unused:
            runs = "\n  ".join(f"run {u['run']}: {u['prompt']!r}" for u in unused)
            pytest.fail(f"codex cassette {cassette.path}: recorded `codex exec` runs were left "
                        "unused (the code under test now does less than when it was recorded; "
                        f"fix it, or record again with {_rerun(item, 'all')}):\n  {runs}",
                        pytrace=False)
    if cassette.plan["records"] and not cassette.plan["exists"] and not outcome["recorded"]:
        pytest.fail(f"codex cassette {cassette.path} was not written although the record mode "
                    f"is {cassette.mode}: either the test never ran codex (then drop the marker), "
                    "or its client killed the stand-in before it could write (it needs a moment "
                    "after SIGTERM to stop the real Codex and write the cassette)", pytrace=False)


@pytest.fixture(autouse=True)
def _codex_cassette_for_marked(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker(MARKER) is not None:
        request.getfixturevalue("codex_cassette")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    if _MISSING in item.stash:
        pytest.fail(item.stash[_MISSING], pytrace=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report: pytest.TestReport = (yield).get_result()
    cassette = item.stash.get(_CASSETTE, None)
    if report.when != "call" or cassette is None:
        return
    item.stash[_PASSED] = report.passed
    reports = read_reports(cassette.report_dir, cassette.seen)
    if reports and report.passed:
        report.outcome, report.longrepr = "failed", _failure_text(item, reports, cassette)
        item.stash[_PASSED] = False
    elif reports:
        report.sections.append(("codex cassette: the stand-in's report",
                                _failure_text(item, reports, cassette)))


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    outcomes = config.stash[_STATE].outcomes
    recorded = sorted(o["path"] for o in outcomes if o["recorded"])
    pending = sorted(o["pending"] for o in outcomes if o["pending"])
    if not recorded and not pending:
        return
    write = terminalreporter.write_line
    terminalreporter.section("codex cassettes")
    throughs = sorted({o["codex"] for o in outcomes if o["recorded"] and o["codex"]})
    write(f"recorded {len(recorded)} cassette(s) through {', '.join(throughs) or 'the real Codex'}")
    for path in recorded:
        write(f"  {path}")
    if pending:
        write(f"{len(pending)} re-recording(s) differ and wait beside the cassette as .new: review "
              "with `prompt-diary-cassettes review`, accept with `prompt-diary-cassettes accept`")
        for path in pending:
            write(f"  {path}")


class _Session:
    """The plugin's state for one pytest process."""

    def __init__(self, config: pytest.Config) -> None:
        self.asked: Optional[str] = config.getoption("codex_record_mode")
        self.link_dir = Path(tempfile.mkdtemp(prefix="prompt-diary-pytest-"))
        self.outcomes: List[dict] = []
        self.real_codex: Optional[dict] = getattr(config, "workerinput", {}).get(_WORKER_CODEX)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "teardown":  # where reports arrive (the controller under xdist)
            self.outcomes.extend(v for k, v in report.user_properties if k == MARKER)

    def ask(self, folder: Path, *test: str) -> dict:
        """``prompt-diary project --json`` for ``folder`` (and a test), the real Codex found
        once passed on in the environment."""
        args = ["project", "--json", "--dir", str(folder), *test]
        args += ["--record-mode", self.asked] if self.asked is not None else []
        env = dict(os.environ, **({CODEX_BIN_ENV: self.real_codex["path"]} if self.real_codex else {}))
        try:
            return ask(*args, env=env)
        except CommandError as exc:
            raise pytest.UsageError(f"codex cassettes: {exc}") from exc

    def begin(self, item: pytest.Item, report_dir: Path) -> CodexCassette:
        marker = item.get_closest_marker(MARKER)
        given = marker and (marker.args[0] if marker.args else marker.kwargs.get("name"))
        names = [str(given)] if given else item.nodeid.split("::")[1:] or [item.name]
        test = ["--runner", "pytest", "--test-file", str(item.path)]
        plan = self.ask(item.path.parent, *test, *[a for n in names for a in ("--test", n)])
        path, stand_in = Path(plan["cassette"]), self.link_dir / "codex"
        if not stand_in.exists():
            stand_in.symlink_to(stand_in_bin())
        if plan["missing"]:
            item.stash[_MISSING] = (f"codex cassette {path} does not exist (record mode none, "
                                    f"{plan['mode_source']}, replays only); record it with: "
                                    f"{_rerun(item, 'once')}")
        env = {"PROMPT_DIARY_CASSETTE": str(path), "PROMPT_DIARY_RECORD_MODE": plan["mode"],
               REPORT_DIR_ENV: str(report_dir),
               "PROMPT_DIARY_USED_RUNS": str(report_dir / "used.runs"),
               "PATH": str(self.link_dir) + os.pathsep + os.environ.get("PATH", "")}
        if plan["real_codex"]:  # found once for the session, said as it was found then
            plan["real_codex"] = self.real_codex or plan["real_codex"]
            env[CODEX_BIN_ENV] = plan["real_codex"]["path"]
        return CodexCassette(path, plan["mode"], stand_in, env, report_dir, plan)


def _stamps(path: Path) -> tuple:
    """The modification times of the cassette and its pending ``.new`` (``None``: absent)."""
    return tuple(p.stat().st_mtime_ns if p.exists() else None
                 for p in (path, path.with_name(path.name + ".new")))


def _patch_sdk_default(stand_in: Path):
    """The official SDK (``openai-codex``) launches its ``openai-codex-cli-bin`` Codex when no
    ``codex_bin`` is given; during the test that lookup answers the stand-in. Returns the undo."""
    try:
        import codex_cli_bin  # type: ignore[import-not-found]
    except ImportError:
        return lambda: None
    original = getattr(codex_cli_bin, "bundled_codex_path", None)
    if original is None:
        return lambda: None
    codex_cli_bin.bundled_codex_path = lambda: stand_in
    return lambda: setattr(codex_cli_bin, "bundled_codex_path", original)


def _rerun(item: pytest.Item, mode: str) -> str:
    return f"pytest '{item.nodeid}' --codex-record-mode={mode} (from {item.config.rootpath})"


def _failure_text(item: pytest.Item, reports: List[str], cassette: CodexCassette) -> str:
    head = f"the codex stand-in reported a failure for cassette {cassette.path}:"
    return f"{head}\n\n" + "\n\n".join(reports) + f"\n\nto record this test again: {_rerun(item, 'all')}"
