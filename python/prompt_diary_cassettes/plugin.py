"""The pytest plugin (entry point ``pytest11``: ``codex_cassette``).

A test marked ``@pytest.mark.codex_cassette`` (or asking for the ``codex_cassette`` fixture) runs
with the stand-in first on ``PATH`` as ``codex`` and its settings in ``os.environ``: its cassette
is ``<cassette folder>/<test module>/<test name>.jsonl`` (the folder: the project file's
``cassettes``, else ``cassettes/`` beside the test file; ``prompt-diary project`` decides it);
``--codex-record-mode`` says whether to replay (``none``, the default) or record (``once``,
``new_episodes``, ``all``; refused under CI).
The stand-in does the recording and replaying; this module only sets it up and reads its reports.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import pytest

from ._bins import stand_in_bin
from ._cassette import CodexCassette
from ._modes import RECORD_MODES, RecordModeError, check_record_mode, in_ci
from ._project import Project, ProjectError, find_project
from ._real_codex import NoRealCodex, RealCodex, find_real_codex
from ._reports import read_reports, wait_for_processes

MARKER = "codex_cassette"
_STATE = pytest.StashKey["_Session"]()
_CASSETTE = pytest.StashKey[CodexCassette]()
_SEEN = pytest.StashKey[set]()
_MISSING = pytest.StashKey[str]()
_CALL_PASSED = pytest.StashKey[bool]()
_WORKER_CODEX = "prompt_diary_real_codex"
#: How long a test's teardown waits for the stand-ins it started (and their real Codex) to exit.
PROCESS_GRACE = 15.0


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("codex_cassette", "Codex cassettes (prompt-diary)")
    group.addoption(
        "--codex-record-mode",
        choices=RECORD_MODES,
        default=None,
        help="none (replay only; the default, and CI's), once (record missing cassettes), "
        "new_episodes (record what a cassette lacks), all (record again; a change waits as .new)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(name=None): run the test's codex through prompt-diary's stand-in and a "
        "cassette named after the test (or NAME)",
    )
    session = _Session(config)
    config.stash[_STATE] = session
    config.pluginmanager.register(session, "codex_cassette_session")
    asked = config.getoption("codex_record_mode")
    if asked is not None:
        try:
            check_record_mode(asked)
        except RecordModeError as exc:
            raise pytest.UsageError(str(exc)) from exc
        if asked != "none":
            session.resolve_real_codex(config.rootpath)


def pytest_unconfigure(config: pytest.Config) -> None:
    session = config.stash.get(_STATE, None)
    if session is not None:
        session.close()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:  # pytest-xdist: workers record through the same Codex
    real = node.config.stash[_STATE].real_codex
    if real is not None:
        node.workerinput[_WORKER_CODEX] = [str(real.path), real.source]


def pytest_report_header(config: pytest.Config) -> List[str]:
    session = config.stash[_STATE]
    mode = config.getoption("codex_record_mode") or "none (or the project's record_mode)"
    lines = [f"codex cassettes: record mode {mode}"]
    if session.real_codex is not None:
        lines.append(
            f"codex cassettes: recording through {session.real_codex.path} "
            f"({session.real_codex.source})"
        )
    return lines


@pytest.fixture
def codex_cassette(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CodexCassette]:
    """The test's cassette, the stand-in (``.stand_in``) and its environment (``.env``), in
    place for the test's duration."""
    session: _Session = request.config.stash[_STATE]
    # Reports (and divergence pages) stay after the run, in pytest's own temp folder.
    label = re.sub(r"[^\w.-]", "_", request.node.name)[:40]
    report_dir = tmp_path_factory.mktemp(f"codex-reports-{label}")
    cassette = session.begin(request.node, report_dir)
    request.node.stash[_CASSETTE] = cassette
    request.node.stash[_SEEN] = set()
    cassette.enter()
    try:
        yield cassette
    finally:
        cassette.leave()
        left = wait_for_processes(cassette.report_dir, PROCESS_GRACE)
        outcome = cassette.outcome()
        request.node.user_properties.append((MARKER, outcome))
        late = read_reports(cassette.report_dir, request.node.stash[_SEEN])
        if late:
            pytest.fail(_failure_text(request.node, late, cassette), pytrace=False)
        if left:
            pytest.fail(
                f"codex cassette {cassette.path}: the stand-in (or the Codex it records through) "
                f"is still running {PROCESS_GRACE:.0f} s after the test (pids {left}); stop every "
                "Codex client before the test ends",
                pytrace=False,
            )
        passed = request.node.stash.get(_CALL_PASSED, False)
        unused = cassette.unused_exec_runs() if passed else []
        if unused:
            pytest.fail(
                f"codex cassette {cassette.path}: recorded `codex exec` runs were left unused "
                "(the code under test now does less than when it was recorded; fix it, or record "
                f"again with {_rerun(request.node, 'all')}):\n  " + "\n  ".join(unused),
                pytrace=False,
            )
        wrote = outcome["recorded"]
        if passed and cassette.mode != "none" and cassette.was_missing() and not wrote:
            pytest.fail(
                f"codex cassette {cassette.path} was not written although the record mode is "
                f"{cassette.mode}: either the test never ran codex (then drop the marker), or "
                "its client killed the stand-in before it could write (it needs a moment after "
                "SIGTERM to stop the real Codex and write the cassette)",
                pytrace=False,
            )


@pytest.fixture(autouse=True)
def _codex_cassette_for_marked(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker(MARKER) is not None:
        request.getfixturevalue("codex_cassette")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    missing = item.stash.get(_MISSING, None)
    if missing is not None:
        pytest.fail(missing, pytrace=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    cassette = item.stash.get(_CASSETTE, None)
    if report.when != "call" or cassette is None:
        return
    item.stash[_CALL_PASSED] = report.passed
    reports = read_reports(cassette.report_dir, item.stash[_SEEN])
    if not reports:
        return
    text = _failure_text(item, reports, cassette)
    if report.passed:
        report.outcome = "failed"
        report.longrepr = text
        item.stash[_CALL_PASSED] = False
    else:
        report.sections.append(("codex cassette: the stand-in's report", text))


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    session: _Session = config.stash[_STATE]
    recorded = [o for o in session.outcomes if o["recorded"]]
    pending = [o["pending"] for o in session.outcomes if o["pending"]]
    if not recorded and not pending:
        return
    terminalreporter.section("codex cassettes")
    throughs = sorted({f"{o['codex'][0]} ({o['codex'][1]})" for o in recorded if o["codex"]})
    terminalreporter.write_line(
        f"recorded {len(recorded)} cassette(s) through {', '.join(throughs) or 'the real Codex'}"
    )
    for path in sorted(o["path"] for o in recorded):
        terminalreporter.write_line(f"  {path}")
    if pending:
        terminalreporter.write_line(
            f"{len(pending)} re-recording(s) differ and wait beside the cassette as .new: "
            "review with `prompt-diary-cassettes review`, accept with "
            "`prompt-diary-cassettes accept`"
        )
        for path in sorted(pending):
            terminalreporter.write_line(f"  {path}")


class _Session:
    """The plugin's state for one pytest process."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.session_path = os.environ.get("PATH", "")
        self.link_dir: Optional[Path] = None
        self.projects: Dict[Path, Project] = {}
        self.outcomes: List[Dict[str, object]] = []
        self.real_codex: Optional[RealCodex] = None
        worker = getattr(config, "workerinput", {}).get(_WORKER_CODEX)
        if worker:
            self.real_codex = RealCodex(Path(worker[0]), worker[1])

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # Runs where reports arrive (the controller under pytest-xdist): collect the outcomes.
        if report.when == "teardown":
            self.outcomes.extend(v for k, v in report.user_properties if k == MARKER)

    def close(self) -> None:
        if self.link_dir is not None:
            shutil.rmtree(self.link_dir, ignore_errors=True)
            self.link_dir = None

    def project(self, folder: Path) -> Project:
        if folder not in self.projects:
            self.projects[folder] = _ask_project(folder)
        return self.projects[folder]

    def resolve_real_codex(self, folder: Path) -> RealCodex:
        if self.real_codex is None:
            try:
                self.real_codex = find_real_codex(self.project(folder), self.session_path)
            except NoRealCodex as exc:
                raise pytest.UsageError(f"codex cassettes: {exc}") from exc
        return self.real_codex

    def mode(self, project: Project) -> str:
        asked = self.config.getoption("codex_record_mode")
        if asked is not None:
            return asked
        configured = project.record_mode or "none"
        return "none" if in_ci() else configured  # CI reads a configured mode as none

    def links(self) -> Path:
        """The per-session folder holding ``codex``, a link to the wheel's stand-in."""
        if self.link_dir is None:
            self.link_dir = Path(tempfile.mkdtemp(prefix="prompt-diary-pytest-"))
            (self.link_dir / "codex").symlink_to(stand_in_bin())
        return self.link_dir

    def begin(self, item: pytest.Item, report_dir: Path) -> CodexCassette:
        marker = item.get_closest_marker(MARKER)
        project = _ask_project(item.path.parent, item.path, _test_names(item, marker))
        mode = self.mode(project)
        if project.cassette is None:
            raise pytest.UsageError(
                "codex cassettes: `prompt-diary-cassettes project --test ...` named no cassette "
                f"for {item.nodeid}: reinstall the wheel (its command line and plugin disagree)"
            )
        path = project.cassette
        real: Optional[Tuple[Path, str]] = None
        if mode != "none":
            found = self.resolve_real_codex(item.path.parent)
            real = (found.path, found.source)
        if mode == "none" and not path.exists():
            item.stash[_MISSING] = (
                f"codex cassette {path} does not exist (record mode none replays only); record "
                f"it with: {_rerun(item, 'once')}"
            )
        env = CodexCassette.settings(
            path, mode, self.links(), report_dir, real[0] if real else None
        )
        return CodexCassette(
            path=path,
            mode=mode,
            stand_in=self.links() / "codex",
            env=env,
            report_dir=report_dir,
            real_codex=real,
        )


def _ask_project(
    folder: Path, test_file: Optional[Path] = None, names: Sequence[str] = ()
) -> Project:
    try:
        return find_project(folder, test_file, names)
    except ProjectError as exc:
        raise pytest.UsageError(f"codex cassettes: {exc}") from exc


def _test_names(item: pytest.Item, marker: Optional[pytest.Mark]) -> List[str]:
    """The parts of the test's name: the marker's name, else the node id's after the file
    (``Class``, ``test_x``); ``prompt-diary project`` joins them and names the cassette."""
    if marker is not None:
        given = marker.args[0] if marker.args else marker.kwargs.get("name")
        if given:
            return [str(given)]
    return item.nodeid.split("::")[1:] or [item.name]


def _rerun(item: pytest.Item, mode: str) -> str:
    return f"pytest '{item.nodeid}' --codex-record-mode={mode} (from {item.config.rootpath})"


def _failure_text(item: pytest.Item, reports: List[str], cassette: CodexCassette) -> str:
    head = f"the codex stand-in reported a failure for cassette {cassette.path}:"
    body = "\n\n".join(reports)
    return f"{head}\n\n{body}\n\nto record this test again: {_rerun(item, 'all')}"
