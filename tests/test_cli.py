"""`egov up` starts the whole bus and stops it cleanly; `egov status` reports it.

These start real processes: the embedded default (one process, SQLite), and one process per
service against the real PostgreSQL and RabbitMQ.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import httpx
import psutil
import pytest
from typer.testing import CliRunner, Result

from egov import cli
from egov.launcher import free_base_port
from servicekit.http_clients import sync_client
from servicekit.topology import SERVICES, spec
from tests.backends import fresh_postgres, fresh_vhost
from tests.harness import ADMIN, envelope

EGOV = [sys.executable, "-m", "egov"]
HTTP = sync_client(timeout=5.0)
"""The module's calls to its buses (httpx.get's timeout)."""
IIN = "900515310005"


@contextmanager
def egov_up(tmp_path: Path, **env: str) -> Iterator[tuple[subprocess.Popen[str], int, list[str]]]:
    base = free_base_port()
    process = subprocess.Popen(
        # Fourteen interpreters starting at once take a while on a busy machine.
        [
            *EGOV,
            "up",
            "--base-port",
            str(base),
            "--data-dir",
            str(tmp_path / "data"),
            "--ready-timeout",
            "180",
        ],
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
        if HTTP.get(f"http://127.0.0.1:{port}/ready").json()["now"] == expected:
            return True
        time.sleep(0.05)
    return False


def _call_person(base: int) -> dict[str, object]:
    reply = HTTP.post(
        f"http://127.0.0.1:{base}/bip-sync/SendMessage",
        json=envelope("GBDFL_UniversalServiceSync", {"iin": IIN}),
        timeout=10,
    )
    assert reply.status_code == 200, reply.text
    data: dict[str, object] = reply.json()["responseData"]["data"]
    return data


@pytest.mark.slow
def test_embedded_bus_starts_serves_and_stops_cleanly(tmp_path: Path) -> None:
    """From nothing, as a reader's first `egov up`; stopped by Ctrl-C (SIGINT). SIGTERM stops
    the module's shared bus (`bus_port`)."""
    with egov_up(tmp_path) as (process, base, lines):
        startup = "".join(lines)
        assert f"{len(SERVICES)}/{len(SERVICES)} ready in" in startup
        for service in SERVICES:
            assert f"http://127.0.0.1:{base + service.port - 8000}" in startup
        assert _call_person(base)["found"] is True
        ready = HTTP.get(f"http://127.0.0.1:{base + 1}/ready").json()
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
        out = _stop(process, signal.SIGINT)
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


@contextmanager
def _fresh_backends() -> Iterator[tuple[str, str]]:
    """A RabbitMQ virtual host and PostgreSQL databases no other run uses, for a test that
    drives processes synchronously."""
    with asyncio.Runner() as runner:
        backends = contextlib.AsyncExitStack()
        try:
            amqp_url = runner.run(backends.enter_async_context(fresh_vhost()))
            database_url = runner.run(backends.enter_async_context(fresh_postgres()))
            yield amqp_url, database_url
        finally:
            runner.run(backends.aclose())


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_multiprocess_bus_on_postgres_and_rabbitmq(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One bus start for all of processes mode: each service its own process and database,
    the bus clock through RabbitMQ, kill -9 of a child (a registry, then the gateway) under
    the supervisor, `egov status`, and a clean stop."""
    from sqlalchemy.engine import make_url

    monkeypatch.setattr(cli.console, "width", 250)
    with _fresh_backends() as (amqp_url, database_url):
        env = {"DATABASE_URL": database_url, "AMQP_URL": amqp_url}
        with egov_up(tmp_path, **env) as (process, base, lines):
            assert "one process per service" in "".join(lines)
            assert "PostgreSQL" in "".join(lines)
            assert "RabbitMQ" in "".join(lines)
            assert f"{len(SERVICES)}/{len(SERVICES)} ready" in "".join(lines), "".join(lines)
            children = _children(process)
            assert sorted(children) == sorted(s.name for s in SERVICES)
            assert _call_person(base)["found"] is True
            for service in SERVICES:
                ready = HTTP.get(f"{_url(base, service.name)}/ready").json()
                assert (ready["database"], ready["broker"]) == ("postgresql", "rabbitmq")
            # The bus clock, moved at the gateway, reaches every process through RabbitMQ.
            frozen = HTTP.post(
                f"http://127.0.0.1:{base}/admin/clock/freeze",
                json={"at": FROZEN},
                headers=ADMIN,
            )
            assert frozen.status_code == 200, frozen.text
            assert _wait_for_clock(base + 1, FROZEN)

            # kill -9 of a registry: the supervisor starts it again, on the bus clock, and
            # the others never stop.
            _kill_and_wait_back(process, base, "gbd_fl", children)
            assert HTTP.get(f"{_url(base, 'gbd_fl')}/ready").json()["now"] == FROZEN
            assert _call_person(base)["found"] is True

            # kill -9 of the gateway: it comes back frozen at the same instant, as do all.
            _kill_and_wait_back(process, base, "gateway", children)
            clock = HTTP.get(f"http://127.0.0.1:{base}/clock").json()
            assert clock["frozen"] is True
            assert datetime.fromisoformat(clock["now"]) == datetime.fromisoformat(FROZEN)
            for service in SERVICES:
                assert _wait_for_clock(base + service.port - 8000, FROZEN), service.name
            assert _call_person(base)["found"] is True

            shown = CliRunner().invoke(
                cli.app,
                [
                    "status",
                    "--gateway",
                    f"http://127.0.0.1:{base}",
                    "--data-dir",
                    str(tmp_path / "data"),
                ],
            )
            assert shown.exit_code == 0, shown.output
            assert "bus: ok" in shown.output
            for name in ("gbd_fl", "gateway"):
                row = next(line for line in shown.output.splitlines() if f" {name} " in line)
                assert "1 (last: killed by SIGKILL)" in row, shown.output
            row = next(line for line in shown.output.splitlines() if " gbd_ul " in line)
            assert "│ 0 " in row, shown.output

            children = _children(process)
            out = _stop(process, signal.SIGTERM)
        assert process.returncode == 0, out
        # Two restarts, each logged and ready again; the stop restarted nothing.
        assert out.count("service exited; restarting it") == 2, out
        assert out.count("service restarted") == out.count("service ready again") == 2, out
        assert not any(c.is_running() and c.status() != "zombie" for c in children.values())
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
        base_db = make_url(database_url)
        for service in SERVICES:
            assert f"{base_db.database}_{service.name}" in databases


FROZEN = "2025-12-15T12:30:00Z"
"""An instant as every service writes it (CONTRIBUTING.md: UTC with `Z`)."""


def _url(base: int, name: str) -> str:
    return f"http://127.0.0.1:{base + spec(name).port - 8000}"


def _children(process: subprocess.Popen[str]) -> dict[str, psutil.Process]:
    """The live service processes of `egov up`, by service (`… egov serve NAME`)."""
    found = {}
    for child in psutil.Process(process.pid).children():
        with contextlib.suppress(psutil.ZombieProcess, psutil.NoSuchProcess):
            command = child.cmdline()
            # Just forked, a child has not yet taken its command line.
            if command[-2:-1] == ["serve"]:
                found[command[-1]] = child
    return found


def _kill_and_wait_back(
    process: subprocess.Popen[str], base: int, name: str, before: dict[str, psutil.Process]
) -> None:
    """SIGKILL the service's process; wait for its successor to be ready, and prove no other
    service process was touched."""
    before[name].kill()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, "the bus stopped"
        successor = _children(process).get(name)
        if successor is not None and successor.pid != before[name].pid:
            with contextlib.suppress(httpx.HTTPError):
                if HTTP.get(f"{_url(base, name)}/ready", timeout=1).status_code == 200:
                    break
        time.sleep(0.1)
    else:
        pytest.fail(f"{name} did not come back")
    now = _children(process)
    for other, child in before.items():
        if other != name:
            assert now[other].pid == child.pid, other
            assert child.is_running(), other
    before[name] = now[name]


# --- the commands that talk to a running bus ------------------------------------------------


@pytest.fixture(scope="module")
def bus_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A bus as `egov up` starts it (one process, SQLite), its base port. Stopped at the end
    by SIGTERM, as a service manager stops it: cleanly, as Ctrl-C does, or the module's last
    test errs."""
    with egov_up(tmp_path_factory.mktemp("cli-bus")) as (process, base, _lines):
        yield base
        out = _stop(process, signal.SIGTERM)
    assert process.returncode == 0, out
    assert "egov bus stopped" in out


def _egov(*args: str, input: str | bytes | None = None, **env: str) -> Result:
    result = CliRunner().invoke(cli.app, list(args), input=input, env={"COLUMNS": "200", **env})
    return result


@pytest.mark.slow
def test_status_finds_the_bus_by_base_port_or_gateway_and_speaks_json(bus_port: int) -> None:
    by_port = _egov("status", "--base-port", str(bus_port), "--json")
    assert by_port.exit_code == 0, by_port.output
    report = json.loads(by_port.stdout)
    assert report["status"] == "ok"
    assert {s["name"] for s in report["services"]} == {s.name for s in SERVICES}
    by_env = _egov("status", "--json", EGOV_BASE_PORT=str(bus_port))
    assert json.loads(by_env.stdout)["status"] == "ok"
    by_gateway = _egov("status", "--json", "--gateway", f"http://127.0.0.1:{bus_port}")
    assert json.loads(by_gateway.stdout)["status"] == "ok"
    # The log commands find the gateway the same way.
    verified = _egov("log", "verify", "--base-port", str(bus_port))
    assert verified.exit_code == 0, verified.output


def test_status_json_without_a_bus_says_unreachable() -> None:
    result = _egov("status", "--json", "--base-port", str(free_base_port()))
    assert result.exit_code == 2
    assert json.loads(result.stdout)["status"] == "unreachable"


@pytest.mark.slow
def test_login_prints_a_token_the_state_service_takes(bus_port: int) -> None:
    result = _egov(
        "login", "buyer", "--audience", "registration_service", EGOV_BASE_PORT=str(bus_port)
    )
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    portal = _url(bus_port, "registration_service")
    reply = HTTP.get(
        f"{portal}/cabinet/notifications", headers={"Authorization": f"Bearer {token}"}
    )
    assert reply.status_code == 200, reply.text
    office = _egov(
        "login", "buyer", "--audience", "frontoffice_service", EGOV_BASE_PORT=str(bus_port)
    )
    front = _url(bus_port, "frontoffice_service")
    reply = HTTP.get(
        f"{front}/digital-documents", headers={"Authorization": f"Bearer {office.stdout.strip()}"}
    )
    assert reply.status_code == 200, reply.text


def test_login_refuses_an_unknown_audience_or_persona() -> None:
    assert _egov("login", "buyer", "--audience", "gbd_fl").exit_code == 2
    assert _egov("login", "nobody", "--audience", "registration_service").exit_code == 2


def _signs(cms_b64: str, document: bytes) -> bool:
    """Whether the detached CMS is an intact signature over exactly `document`."""
    from servicekit.signatures import examine, read_cms

    (signer,) = read_cms(base64.b64decode(cms_b64))
    return examine(signer, document).intact


@pytest.mark.parametrize(
    "args",
    [
        ["sign", "--persona", "buyer"],
        ["login", "buyer", "--audience", "registration_service"],
        ["status"],
        ["reset"],
    ],
    ids=lambda args: args[0],
)
def test_a_command_that_talks_to_a_bus_loads_no_app_orm_or_migrations(args: list[str]) -> None:
    """Each of the walk-through's thirty commands is a process of its own: FastAPI, SQLAlchemy
    and Alembic were half of its second of CPU. They load only where a bus starts (here no
    bus answers: the command runs to its own end all the same)."""
    probe = (
        "import sys\n"
        "from egov import cli\n"
        "try:\n"
        f"    cli.app({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('fastapi', 'sqlalchemy', 'alembic')\n"
        "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", probe],
        input=b"a document",
        capture_output=True,
        env={**os.environ, "EGOV_BASE_PORT": str(free_base_port())},
        check=True,
    )
    assert ran.stderr.decode().splitlines()[-1] == "[]"


def test_sign_reads_the_document_from_stdin_as_bytes_or_base64(tmp_path: Path) -> None:
    document = "Заявление №1\n".encode()
    from_stdin = _egov("sign", "--persona", "buyer", input=document)
    assert from_stdin.exit_code == 0, from_stdin.output
    assert _signs(from_stdin.stdout.strip(), document)
    dash = _egov("sign", "-", "--persona", "buyer", input=document)
    assert _signs(dash.stdout.strip(), document)
    encoded = base64.b64encode(document).decode()
    # As the APIs give it: base64 text, perhaps wrapped and with a newline at the end.
    wrapped = "\n".join(encoded[i : i + 8] for i in range(0, len(encoded), 8)) + "\n"
    from_b64 = _egov("sign", "--persona", "buyer", "--base64-input", input=wrapped)
    assert from_b64.exit_code == 0, from_b64.output
    assert _signs(from_b64.stdout.strip(), document)
    file = tmp_path / "document.b64"
    file.write_text(encoded)
    from_file = _egov("sign", str(file), "--persona", "buyer", "--base64-input")
    assert _signs(from_file.stdout.strip(), document)
    refused = _egov("sign", "--persona", "buyer", "--base64-input", input="not base64!")
    assert refused.exit_code == 2
    assert "not base64" in refused.output


def _admin_get(base: int, service: str, path: str) -> httpx.Response:
    return HTTP.get(f"{_url(base, service)}{path}", headers=ADMIN, timeout=10)


@pytest.mark.slow
def test_mint_vehicle_writes_the_vin_into_every_registry_the_process_reads(bus_port: int) -> None:
    result = _egov(
        "mint", "vehicle", "--seller", "dealer_kokshe_auto", "--buyer", "buyer_2",
        EGOV_BASE_PORT=str(bus_port),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    vin = result.stdout.strip()
    assert re.fullmatch(r"[A-HJ-NPR-Z0-9]{17}", vin)
    (passport,) = _admin_get(bus_port, "eps_passports", f"/admin/passports?vin={vin}").json()
    assert passport["status"] == "VALID"
    assert _admin_get(bus_port, "customs", f"/admin/declarations/{vin}").status_code == 200
    assert _admin_get(bus_port, "recycling_fee", f"/admin/fees/{vin}").status_code == 200
    (contract,) = _admin_get(bus_port, "sale_contracts", f"/admin/contracts?vin={vin}").json()
    assert (contract["seller"]["bin"], contract["buyer"]["iin"]) == ("181140073105", "850308410371")


@pytest.mark.slow
def test_mint_machine_writes_an_epsm_of_the_owner(bus_port: int) -> None:
    result = _egov("mint", "machine", "--owner", "farm_bereke", "--base-port", str(bus_port))
    assert result.exit_code == 0, result.output
    vin = result.stdout.strip()
    (passport,) = _admin_get(bus_port, "eps_passports", f"/admin/passports?vin={vin}").json()
    assert (passport["kind"], passport["owner"]["bin"]) == ("EPSM", "100543088028")


def test_mint_names_an_unknown_persona() -> None:
    result = _egov("mint", "vehicle", "--buyer", "nobody", "--base-port", "18000")
    assert result.exit_code == 2
    assert "nobody" in result.output


@pytest.mark.slow
def test_reset_brings_every_service_back_to_its_seed(bus_port: int) -> None:
    env = {"EGOV_BASE_PORT": str(bus_port)}
    vin = _egov("mint", "vehicle", **env).stdout.strip()
    portal = _url(bus_port, "registration_service")
    token = _egov("login", "dealer_manager", "--audience", "registration_service", **env)
    dealer = {"Authorization": f"Bearer {token.stdout.strip()}"}
    frozen = HTTP.post(
        f"http://127.0.0.1:{bus_port}/admin/clock/freeze",
        json={"at": "2026-03-02T10:00:00+05:00"},
        headers=ADMIN,
    )
    assert frozen.status_code == 200
    started = HTTP.post(f"{portal}/dealer/applications", headers=dealer)
    assert started.status_code == 201, started.text

    refused = _egov("reset", "--admin-token", "wrong", **env)
    assert refused.exit_code == 1
    assert "ADMIN_CREDENTIAL_REQUIRED" in refused.output
    assert _admin_get(bus_port, "eps_passports", f"/admin/passports?vin={vin}").json() != []

    result = _egov("reset", **env)
    assert result.exit_code == 0, result.output
    assert _admin_get(bus_port, "eps_passports", f"/admin/passports?vin={vin}").json() == []
    seeded = _admin_get(bus_port, "eps_passports", "/admin/passports?vin=MXAJC4111TK100201")
    assert len(seeded.json()) == 1
    # The state services' seed is empty; the token made before the reset still signs in, and
    # the bus clock stays where it was.
    assert HTTP.get(f"{portal}/dealer/applications", headers=dealer).json() == []
    clock = HTTP.get(f"http://127.0.0.1:{bus_port}/clock").json()
    assert clock["localNow"] == "2026-03-02T10:00:00+05:00"
    # And the bus still works end to end after it.
    assert _call_person(bus_port)["found"] is True
    HTTP.post(f"http://127.0.0.1:{bus_port}/admin/clock/reset", headers=ADMIN)


def test_personas_json_and_names_never_cut_at_80_columns() -> None:
    from egov import personas

    result = _egov("personas", "--json")
    assert result.exit_code == 0
    listed = json.loads(result.stdout)
    assert listed["persons"][0] == {
        "persona": "buyer",
        "iin": "900515310005",
        "name": "Серикбаев Нурлан Маратович",
        "branch": "V10–V22 happy path (Almaty)",
    }
    narrow = CliRunner().invoke(cli.app, ["personas"], env={"COLUMNS": "80"})
    shown = narrow.stdout
    assert max(len(line) for line in shown.splitlines()) <= 80
    for section in personas.SECTIONS:
        for key, identifier, _name, _branch in personas.rows(section):
            assert re.search(rf"│ {re.escape(key)} +│ {identifier} ", shown), key
    assert "…" not in shown


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_demo_json_reports_each_step_and_the_outcome(bus_port: int) -> None:
    listed = _egov("demo", "vin", "--list", "--json")
    assert "v14-fines" in {b["branch"] for b in json.loads(listed.stdout)}
    result = _egov("demo", "vin", "--json", "--base-port", str(bus_port))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] is True
    (branch,) = report["branches"]
    assert branch["branch"] == "happy"
    done = [line for line in branch["lines"] if line["kind"] == "done"]
    assert done[-1]["outcome"] == "COMPLETED"
    assert {f"V{n}" for n in range(1, 23)} <= {line["step"] for line in branch["lines"]}


def test_demo_json_without_a_bus_says_so() -> None:
    result = _egov("demo", "machinery", "--json", "--base-port", str(free_base_port()))
    assert result.exit_code == 2
    assert json.loads(result.stdout)["ok"] is False
