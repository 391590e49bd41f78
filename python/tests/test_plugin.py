"""The plugin's own behaviour, through pytester (an inner pytest run per test): names, the
environment set and restored, a missing cassette, CI refusing to record, a stand-in report
failing a test. Runs in a venv with the wheel installed (scripts/python-package-check.sh)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

PROJECT = 'cassettes = "recorded"\n'
#: An app-server cassette's header, with nothing recorded after it.
CASSETTE = ('{"cassette":"prompt-diary","format":1,"scenario":"s","codex_version":"0.171.0",'
            '"schema_fingerprint":"sha256:0","recorded_at":"2026-12-08","redactions":[],'
            '"record_command":"r"}\n')


def project(pytester: pytest.Pytester) -> Path:
    pytester.makefile(".toml", **{"prompt-diary": PROJECT})
    return pytester.path / "recorded"


def test_a_marked_test_gets_the_stand_in_first_on_path_and_its_cassette(
    pytester: pytest.Pytester,
) -> None:
    folder = project(pytester)
    (folder / "test_names").mkdir(parents=True)
    (folder / "test_names" / "test_env.jsonl").write_text(CASSETTE)
    (folder / "test_names" / "shared.jsonl").write_text(CASSETTE)
    pytester.makepyfile(
        test_names="""
        import os, shutil
        from pathlib import Path
        import pytest

        @pytest.mark.codex_cassette
        def test_env(codex_cassette):
            codex = shutil.which("codex")
            assert Path(codex) == codex_cassette.stand_in
            assert Path(codex).resolve().name == "prompt-diary-codex"
            assert os.environ["PROMPT_DIARY_CASSETTE"] == str(codex_cassette.path)
            assert codex_cassette.path.parts[-2:] == ("test_names", "test_env.jsonl")
            assert os.environ["PROMPT_DIARY_RECORD_MODE"] == "none"
            report_dir = os.environ["PROMPT_DIARY_REPORT_DIR"]
            assert codex_cassette.env["PROMPT_DIARY_REPORT_DIR"] == report_dir

        @pytest.mark.codex_cassette("shared")
        def test_named(codex_cassette):
            assert codex_cassette.path.name == "shared.jsonl"

        def test_unmarked_sees_nothing():
            assert "PROMPT_DIARY_CASSETTE" not in os.environ
            codex = shutil.which("codex")
            assert codex is None or "prompt-diary-pytest-" not in codex
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
    assert "PROMPT_DIARY_CASSETTE" not in os.environ


def test_a_missing_cassette_fails_in_none_with_the_command_that_records_it(
    pytester: pytest.Pytester,
) -> None:
    project(pytester)
    pytester.makepyfile(
        test_missing="""
        import pytest

        @pytest.mark.codex_cassette
        def test_never_recorded():
            raise AssertionError("the test body must not run")
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*/test_missing/test_never_recorded.jsonl does not exist*--codex-record-mode=once*"]
    )
    result.stdout.no_fnmatch_line("*the test body must not run*")


def test_ci_refuses_a_recording_mode(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    project(pytester)
    pytester.makepyfile(test_ci="def test_x():\n    pass\n")
    monkeypatch.setenv("CI", "1")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--codex-record-mode=once")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*CI is set, and CI never records*"])


def test_a_report_from_the_stand_in_fails_a_passing_test(pytester: pytest.Pytester) -> None:
    folder = project(pytester)
    (folder / "test_report").mkdir(parents=True)
    (folder / "test_report" / "test_diverged.jsonl").write_text(CASSETTE)
    pytester.makepyfile(
        test_report="""
        import os
        from pathlib import Path
        import pytest

        @pytest.mark.codex_cassette
        def test_diverged():
            # What the stand-in does on a failure (src/stand_in/report.rs).
            folder = Path(os.environ["PROMPT_DIARY_REPORT_DIR"])
            (folder / "report-abc.txt").write_text("replay diverged from the cassette: here")
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*replay diverged from the cassette: here*", "*--codex-record-mode=all*"]
    )


BESIDE_TEST = """
from pathlib import Path
import pytest

@pytest.mark.codex_cassette
def test_here(codex_cassette):
    assert codex_cassette.path == Path(__file__).parent / "cassettes" / "test_beside" / "test_here.jsonl"
"""


def test_without_a_project_file_the_cassette_sits_beside_the_test_module(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No prompt-diary.toml and no pytest configuration: `tests/cassettes/<module>/<test>.jsonl`,
    # whether pytest starts in the test's parent folder or elsewhere (rootdir differs too).
    tests = pytester.mkdir("tests")
    (tests / "cassettes" / "test_beside").mkdir(parents=True)
    (tests / "cassettes" / "test_beside" / "test_here.jsonl").write_text(CASSETTE)
    (tests / "test_beside.py").write_text(BESIDE_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "tests")
    result.assert_outcomes(passed=1)
    elsewhere = pytester.mkdir("elsewhere")
    monkeypatch.chdir(elsewhere)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", str(tests))
    result.assert_outcomes(passed=1)
    assert not (tests / "tests").exists() and not (elsewhere / "tests").exists()
