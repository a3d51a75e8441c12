"""`egov up` in processes mode supervises its children: one that exits is restarted with
growing backoff, one that cannot start is given up while the rest of the bus runs on, and a
stop is a stop. The children here are tiny real processes, so the policy is tested in well
under a second a start; tests/test_cli.py kills a real service of a real bus."""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import psutil
from structlog.testing import capture_logs

from egov.launcher import (
    STATUS_FILE,
    BusPlan,
    RestartPolicy,
    ServiceStatus,
    free_base_port,
    read_status_file,
    run_processes,
)
from servicekit.topology import ServiceSpec

STEADY, FLAKY = ServiceSpec("steady", 0, "runs until stopped"), ServiceSpec("flaky", 0, "exits")


def _commands(starts: Path) -> Callable[[ServiceSpec], list[str]]:
    """A steady child, and a flaky one that notes when it started and exits at once."""
    flaky = (
        f"import time; open({str(starts)!r}, 'a').write(f'{{time.monotonic()}}\\n');"
        " raise SystemExit(3)"
    )
    programs = {"steady": "import signal; signal.pause()", "flaky": flaky}
    return lambda service: [sys.executable, "-c", programs[service.name]]


@asynccontextmanager
async def _supervised(
    data_dir: Path,
    policy: RestartPolicy,
    command: Callable[[ServiceSpec], list[str]] | None = None,
) -> AsyncIterator[tuple[asyncio.Event, asyncio.Task[int], Path]]:
    base = free_base_port()
    plan = BusPlan(
        ports={"gateway": base, "steady": base + 1, "flaky": base + 2},
        data_dir=data_dir,
        services=(STEADY, FLAKY),
    )
    starts = data_dir / "flaky-starts"
    stop, ready = asyncio.Event(), asyncio.Event()

    def on_ready(_statuses: list[ServiceStatus], _seconds: float) -> None:
        ready.set()

    runner = asyncio.create_task(
        run_processes(
            plan,
            stop,
            on_ready,
            ready_timeout=0.2,
            policy=policy,
            command=command or _commands(starts),
        )
    )
    try:
        await asyncio.wait_for(ready.wait(), 20)
        yield stop, runner, starts
    finally:
        stop.set()
        await asyncio.wait_for(runner, 20)


async def _until(condition: Callable[[], bool], within: float = 20) -> None:
    for _ in range(int(within / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the supervisor did not get there")


def _status(data_dir: Path) -> dict[str, dict[str, Any]]:
    services: list[dict[str, Any]] = json.loads((data_dir / STATUS_FILE).read_text())["services"]
    return {s["name"]: s for s in services}


async def test_a_crashing_child_is_restarted_with_growing_backoff_then_given_up(
    tmp_path: Path,
) -> None:
    policy = RestartPolicy(first_delay=0.1, max_delay=0.3, give_up_after=4)
    with capture_logs() as logs:
        async with _supervised(tmp_path, policy) as (_, runner, starts):
            steady = _status(tmp_path)["steady"]["pid"]
            await _until(lambda: _status(tmp_path)["flaky"]["state"] == "given up")
            # Given up, the service stays down; the bus does not stop, the others run on.
            assert not runner.done()
            assert psutil.Process(steady).status() != psutil.STATUS_ZOMBIE
            flaky = _status(tmp_path)["flaky"]
            assert (flaky["restarts"], flaky["lastExit"]) == (3, "exit code 3")
            assert _status(tmp_path)["steady"] == {
                "name": "steady",
                "pid": steady,
                "state": "running",
                "restarts": 0,
                "lastExit": None,
            }
            # `egov status` finds the supervisor's report only for the bus it runs.
            assert read_status_file(tmp_path, f"http://127.0.0.1:{free_base_port()}") is None
        assert runner.result() == 1, "a service given up is a failed run"
    assert not psutil.pid_exists(steady) or psutil.Process(steady).status() == "zombie"
    assert not (tmp_path / STATUS_FILE).exists()
    moments = [float(line) for line in starts.read_text().split()]
    gaps = [later - earlier for earlier, later in itertools.pairwise(moments)]
    assert len(moments) == 4
    assert all(gap >= wait for gap, wait in zip(gaps, (0.1, 0.2, 0.3), strict=True)), gaps
    restarting = [e for e in logs if e["event"] == "service exited; restarting it"]
    assert [e["restart_in_seconds"] for e in restarting] == [0.1, 0.2, 0.3]
    assert [e["exits_in_a_row"] for e in restarting] == [1, 2, 3]
    assert {e["exit"] for e in restarting} == {"exit code 3"}
    given_up = [e for e in logs if e["log_level"] == "error" and "given up" in e["event"]]
    assert [(e["service"], e["exits_in_a_row"]) for e in given_up] == [("flaky", 4)]


async def test_a_stop_during_the_backoff_is_a_stop_not_a_restart(tmp_path: Path) -> None:
    policy = RestartPolicy(first_delay=30, max_delay=30)
    with capture_logs() as logs:
        async with _supervised(tmp_path, policy) as (stop, runner, starts):
            await _until(lambda: _status(tmp_path)["flaky"]["state"] == "restarting")
            stop.set()
            await asyncio.wait_for(asyncio.shield(runner), 10)
    assert runner.result() == 0
    assert len(starts.read_text().split()) == 1
    assert not [e for e in logs if e["event"] == "service restarted"]


async def test_a_child_that_cannot_be_spawned_again_counts_as_an_exit(tmp_path: Path) -> None:
    """The program gone (an upgrade half done): each failed spawn is logged and backed off
    like an exit, until the service is given up; the supervisor itself does not fail."""
    programs, spawned = _commands(tmp_path / "flaky-starts"), []

    def command(service: ServiceSpec) -> list[str]:
        spawned.append(service.name)
        if spawned.count("flaky") > 1:
            return [str(tmp_path / "no-such-program")]
        return programs(service)

    policy = RestartPolicy(first_delay=0.01, max_delay=0.01, give_up_after=3)
    with capture_logs() as logs:
        async with _supervised(tmp_path, policy, command) as (_, runner, _starts):
            await _until(lambda: _status(tmp_path)["flaky"]["state"] == "given up")
            assert not runner.done()
            assert _status(tmp_path)["flaky"]["restarts"] == 0
    assert runner.result() == 1
    failed = [e for e in logs if e["event"] == "service could not be started"]
    assert [("FileNotFoundError" in e["error"]) for e in failed] == [True, True]
