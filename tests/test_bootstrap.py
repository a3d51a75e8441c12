"""bootstrap.py shows its progress: a line per package pip takes, uv's summary and the seconds
each stage took; an installer's output in full only when it fails."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import bootstrap


def _fake(
    installer: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lines: str, code: int = 0
) -> None:
    """Put in bootstrap's place an `installer` ("pip": the `python` whose `-m pip install …`
    runs; "uv": `.venv/bin/uv`) that prints `lines` and exits with `code`."""
    script = tmp_path / ("python" if installer == "pip" else installer)
    script.write_text(f"#!/bin/sh\ncat <<'EOF'\n{lines}EOF\nexit {code}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    if installer == "pip":
        monkeypatch.setattr(bootstrap, "PYTHON", script)
    else:
        monkeypatch.setattr(bootstrap, "BIN", tmp_path)


def test_each_package_and_the_stage_time_are_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pip_output = (
        "Collecting fastapi==0.115.0 (from -r main.lock (line 3))\n"
        "  Downloading fastapi-0.115.0-py3-none-any.whl (94 kB)\n"
        "Processing /opt/wheels/uvicorn-0.54.0-py3-none-any.whl (from -r main.lock)\n"
        "Installing collected packages: uvicorn, fastapi\n"
        "Successfully installed fastapi-0.115.0 uvicorn-0.54.0\n"
    )
    _fake("pip", tmp_path, monkeypatch, pip_output)
    bootstrap._pip("[2/3] the locked main requirements", "-r", "main.lock")
    shown = capsys.readouterr().err.splitlines()
    assert shown[0] == "bootstrap: [2/3] the locked main requirements"
    assert shown[1].startswith("bootstrap:     1 fastapi (")
    assert shown[2].startswith("bootstrap:     2 uvicorn (")
    assert re.fullmatch(r"bootstrap:   done in [0-9.]+ s", shown[3])
    assert "Downloading" not in "\n".join(shown)


def test_uv_shows_its_summary_not_every_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    uv_output = (
        "Using Python 3.11.7 environment at: .venv\n"
        "Resolved 114 packages in 488ms\n"
        "Installed 111 packages in 101ms\n"
        " + aio-pika==10.2.1\n"
        " + fastapi==0.165.0\n"
    )
    _fake("uv", tmp_path, monkeypatch, uv_output)
    bootstrap._uv("[2/3] the locked dev requirements", "-r", "dev.lock")
    shown = capsys.readouterr().err.splitlines()
    assert shown[0] == "bootstrap: [2/3] the locked dev requirements"
    assert shown[1].startswith("bootstrap:   Resolved 114 packages in 488ms (")
    assert shown[2].startswith("bootstrap:   Installed 111 packages in 101ms (")
    assert re.fullmatch(r"bootstrap:   done in [0-9.]+ s", shown[3])
    assert len(shown) == 4


@pytest.mark.parametrize(
    ("installer", "failure", "code"),
    [
        ("pip", "ERROR: THESE PACKAGES DO NOT MATCH", 1),
        ("uv", "error: Hash mismatch for `fastapi==0.165.0`", 2),
    ],
)
def test_a_failing_installer_shows_its_whole_output(
    installer: str,
    failure: str,
    code: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _fake(installer, tmp_path, monkeypatch, failure + "\n", code)
    install = {"pip": bootstrap._pip, "uv": bootstrap._uv}[installer]
    with pytest.raises(SystemExit, match=f"{installer} failed"):
        install("[2/3] the locked dev requirements", "-r", "dev.lock")
    assert failure in capsys.readouterr().err


@pytest.mark.parametrize(
    ("serial", "parallel", "whole"),
    [
        (0, 0, 0),
        (5, 0, 0),  # no serial test among those selected
        (0, 5, 0),
        (5, 5, 5),  # nothing selected at all
        (1, 0, 1),
        (5, 1, 1),
        (0, 2, 2),
    ],
)
def test_the_two_runs_of_the_tests_fail_together_and_find_nothing_only_together(
    serial: int, parallel: int, whole: int
) -> None:
    assert bootstrap.combined_exit(serial, parallel) == whole


def test_the_commands_keep_their_bytecode_outside_the_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With PYTHONDONTWRITEBYTECODE set (as some machines do), every worker and service process
    would compile the project again: the commands keep bytecode under `.venv/pycache`."""
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.delenv("PYTHONPYCACHEPREFIX", raising=False)
    bootstrap.keep_bytecode()
    assert "PYTHONDONTWRITEBYTECODE" not in os.environ
    assert os.environ["PYTHONPYCACHEPREFIX"] == str(bootstrap.VENV / "pycache")
    # A prefix someone chose is theirs.
    monkeypatch.setenv("PYTHONPYCACHEPREFIX", str(tmp_path))
    bootstrap.keep_bytecode()
    assert os.environ["PYTHONPYCACHEPREFIX"] == str(tmp_path)


@pytest.mark.parametrize(("code", "phases"), [(0, ["serial", "parallel"]), (1, ["serial"])])
def test_the_check_beside_the_serial_tests_is_shown_and_a_failure_stops_the_run(
    code: int,
    phases: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """mypy runs while the serial tests wait on the broker: its output comes after them, and
    when it fails the parallel run does not start."""
    ran: list[str] = []

    def pytest_run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        ran.append(env["EGOV_TEST_PHASE"])
        return subprocess.CompletedProcess(argv, 0)

    monkeypatch.setattr(subprocess, "run", pytest_run)
    monkeypatch.setattr(bootstrap, "test_workers", lambda: "1")
    check = subprocess.Popen(
        [sys.executable, "-c", f"print('found {code} errors'); raise SystemExit({code})"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert bootstrap.run_pytest([], beside=check) == code
    assert ran == phases
    assert f"found {code} errors" in capsys.readouterr().out


def test_the_node_tools_and_chromium_are_set_up_while_the_venv_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`npm ci` and the Chromium check start before `.venv` is set up and end before the tests
    run; mypy starts before they end."""
    venv_started = threading.Event()
    mypy_started = threading.Event()
    seen: dict[str, bool] = {}

    def beside(name: str) -> None:
        seen[f"{name} beside .venv"] = venv_started.wait(10)
        seen[f"{name} beside mypy"] = mypy_started.wait(10)

    real_popen = subprocess.Popen

    def popen(argv: list[str], **_: object) -> subprocess.Popen[str]:
        mypy_started.set()
        return real_popen([sys.executable, "-c", "pass"], text=True)

    def run_pytest(args: list[str], beside: subprocess.Popen[str] | None = None) -> int:
        seen["set up before the tests"] = len(seen) == 4
        return 0

    monkeypatch.chdir(bootstrap.ROOT)
    monkeypatch.setattr(bootstrap, "keep_bytecode", lambda: None)
    monkeypatch.setattr(bootstrap, "ensure_node_tools", lambda: beside("npm"))
    monkeypatch.setattr(bootstrap, "ensure_chromium", lambda: beside("chromium"))
    monkeypatch.setattr(bootstrap, "ensure_venv", lambda profile: venv_started.set())
    monkeypatch.setattr(subprocess, "run", lambda argv: subprocess.CompletedProcess(argv, 0))
    monkeypatch.setattr(subprocess, "Popen", popen)
    monkeypatch.setattr(bootstrap, "run_pytest", run_pytest)
    with pytest.raises(SystemExit) as exit:
        bootstrap.run_tests([])
    assert exit.value.code == 0
    assert seen == {
        "npm beside .venv": True,
        "npm beside mypy": True,
        "chromium beside .venv": True,
        "chromium beside mypy": True,
        "set up before the tests": True,
    }
