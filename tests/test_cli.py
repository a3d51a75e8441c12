"""`egov up` starts the whole bus and stops it cleanly; `egov status` reports it.

These start real processes: the embedded default (one process, SQLite), and one process per
service against the real PostgreSQL and RabbitMQ.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil
import pytest

from egov.launcher import free_base_port
from servicekit.topology import SERVICES
from tests.backends import AMQP_URL, require_postgres, require_rabbitmq
from tests.harness import ADMIN, envelope

EGOV = [sys.executable, "-m", "egov"]
IIN = "900515310005"


@contextmanager
def egov_up(tmp_path: Path, **env: str) -> Iterator[tuple[subprocess.Popen[str], int, list[str]]]:
    base = free_base_port()
    process = subprocess.Popen(
        [*EGOV, "up", "--base-port", str(base), "--data-dir", str(tmp_path / "data")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200", **env},
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if " ready in " in line:
                break
        else:
            pytest.fail("egov up ended before the bus was ready:\n" + "".join(lines))
        yield process, base, lines
    finally:
        # A failed test leaves the bus running: its service processes go with the parent, or
        # they would load the machine and the shared broker for every later test.
        if process.poll() is None:
            children = psutil.Process(process.pid).children(recursive=True)
            process.kill()
            process.wait()
            for child in children:
                with contextlib.suppress(psutil.NoSuchProcess):
                    child.kill()
            psutil.wait_procs(children, timeout=10)


def _stop(process: subprocess.Popen[str], sig: signal.Signals) -> str:
    process.send_signal(sig)
    out, _ = process.communicate(timeout=30)
    return out


def _wait_for_clock(port: int, expected: str) -> bool:
    """Whether the service on `port` reports `expected` as its time within a few seconds."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if httpx.get(f"http://127.0.0.1:{port}/ready").json()["now"] == expected:
            return True
        time.sleep(0.05)
    return False


def _call_person(base: int) -> dict[str, object]:
    reply = httpx.post(
        f"http://127.0.0.1:{base}/bip-sync/SendMessage",
        json=envelope("GBDFL_UniversalServiceSync", {"iin": IIN}),
        timeout=10,
    )
    assert reply.status_code == 200, reply.text
    data: dict[str, object] = reply.json()["responseData"]["data"]
    return data


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_embedded_bus_starts_serves_and_stops_cleanly(tmp_path: Path, sig: signal.Signals) -> None:
    with egov_up(tmp_path) as (process, base, lines):
        startup = "".join(lines)
        assert f"{len(SERVICES)}/{len(SERVICES)} ready in" in startup
        for service in SERVICES:
            assert f"http://127.0.0.1:{base + service.port - 8000}" in startup
        assert _call_person(base)["found"] is True
        ready = httpx.get(f"http://127.0.0.1:{base + 1}/ready").json()
        assert (ready["database"], ready["broker"]) == ("sqlite", "in-process")
        status = subprocess.run(
            [*EGOV, "status", "--gateway", f"http://127.0.0.1:{base}"],
            capture_output=True,
            text=True,
            timeout=30,
            env={**os.environ, "COLUMNS": "200"},
        )
        assert status.returncode == 0, status.stdout + status.stderr
        assert "bus: ok" in status.stdout
        started = time.monotonic()
        out = _stop(process, sig)
    assert process.returncode == 0, out
    assert "egov bus stopped" in out
    assert time.monotonic() - started < 10
    assert (tmp_path / "data" / "gbd_fl.db").exists()


def test_status_without_a_gateway_says_so() -> None:
    status = subprocess.run(
        [*EGOV, "status", "--gateway", f"http://127.0.0.1:{free_base_port()}"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert status.returncode == 2
    assert "does not answer" in status.stdout


@pytest.mark.slow
def test_multiprocess_bus_on_postgres_and_rabbitmq(tmp_path: Path) -> None:
    require_rabbitmq()
    from sqlalchemy.engine import make_url

    base_db = make_url(require_postgres()).set(database=f"egovtest_cli_{os.getpid()}")
    env = {
        "DATABASE_URL": base_db.render_as_string(hide_password=False),
        "AMQP_URL": AMQP_URL,
    }
    try:
        with egov_up(tmp_path, **env) as (process, base, lines):
            assert "one process per service" in "".join(lines)
            assert "PostgreSQL" in "".join(lines)
            assert "RabbitMQ" in "".join(lines)
            assert f"{len(SERVICES)}/{len(SERVICES)} ready" in "".join(lines), "".join(lines)
            children = psutil.Process(process.pid).children()
            assert len(children) == len(SERVICES)
            assert _call_person(base)["found"] is True
            for service in SERVICES:
                ready = httpx.get(f"http://127.0.0.1:{base + service.port - 8000}/ready").json()
                assert (ready["database"], ready["broker"]) == ("postgresql", "rabbitmq")
            # The bus clock, moved at the gateway, reaches every process through RabbitMQ.
            frozen = httpx.post(
                f"http://127.0.0.1:{base}/admin/clock/freeze",
                json={"at": "2025-12-15T12:30:00+00:00"},
                headers=ADMIN,
            )
            assert frozen.status_code == 200, frozen.text
            assert _wait_for_clock(base + 1, "2025-12-15T12:30:00+00:00")
            out = _stop(process, signal.SIGTERM)
        assert process.returncode == 0, out
        assert not any(child.is_running() and child.status() != "zombie" for child in children)
        assert not (tmp_path / "data" / "gbd_fl.db").exists()
        # Each service got its own database on the server.
        databases = subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-Atc",
                "SELECT datname FROM pg_database",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        for service in SERVICES:
            assert f"{base_db.database}_{service.name}" in databases
    finally:
        import asyncio

        from servicekit.db import drop_postgres_database

        async def drop() -> None:
            for service in SERVICES:
                await drop_postgres_database(
                    base_db.set(database=f"{base_db.database}_{service.name}")
                )

        asyncio.run(drop())
