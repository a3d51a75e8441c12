"""Start the whole bus: every service on its own port, in one process or one process each.

Embedded (the default, nothing configured): every service runs in this process on its own port,
with SQLite files under the data folder and the in-process bus; one Ctrl-C stops them all.
With a broker URL the services run as separate processes (`egov serve NAME`), against
PostgreSQL when a database URL is given too — the same topology as docker-compose; the
launcher supervises them: a process that exits is started again, with growing backoff.

The `egov` commands that only talk to a running bus (sign, login, mint, status) import this
module for the bus's ports: the apps, SQLAlchemy and Alembic are imported where a bus starts,
not here (they were half of each such command's second of CPU).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import sys
import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import httpx
import structlog
import uvicorn

from servicekit.http_clients import async_client
from servicekit.topology import DESKS, GATEWAY, SERVICES, ServiceSpec, local_url

if TYPE_CHECKING:
    from servicekit.bus.memory import InMemoryBroker

log = structlog.get_logger(__name__)

Mode = Literal["embedded", "processes"]


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    url: str
    status: str
    seconds: float | None


def _new_broker() -> InMemoryBroker:
    from servicekit.bus.memory import InMemoryBroker

    return InMemoryBroker()


@dataclass(frozen=True)
class BusPlan:
    """Where every service listens and what it runs against."""

    ports: dict[str, int]
    host: str = "127.0.0.1"
    data_dir: Path = Path("data")
    database_url: str | None = None
    amqp_url: str | None = None
    log_json: bool = False
    log_level: str = "INFO"
    services: tuple[ServiceSpec, ...] = SERVICES
    extra: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Further settings per service (tests use it), by field name."""
    hostnames: dict[str, str] = field(default_factory=dict)
    """How services reach each other when not on `host` (docker-compose: by service name)."""
    sockets: dict[str, socket.socket] = field(default_factory=dict)
    """Listening sockets bound before start (embedded mode on free ports): a port chosen by
    binding and closing can be taken by an outgoing connection before the server binds it."""
    broker: InMemoryBroker = field(default_factory=_new_broker)
    """The in-process broker of the embedded mode: the services of this bus talk through it,
    and no other bus in the process sees their messages (two test buses, one after another)."""

    @property
    def mode(self) -> Mode:
        # Separate processes need a broker between them; one process shares the in-process bus.
        return "processes" if self.amqp_url else "embedded"

    def url(self, name: str) -> str:
        return f"http://{self.hostnames.get(name, self.host)}:{self.ports[name]}"

    def settings(self, service: ServiceSpec) -> dict[str, Any]:
        """The settings `service` runs with, by field name."""
        values: dict[str, Any] = {
            "host": self.host,
            "port": self.ports[service.name],
            "data_dir": str(self.data_dir),
            "gateway_url": self.url(GATEWAY),
            "log_json": self.log_json,
            "log_level": self.log_level,
        }
        if self.database_url:
            from servicekit.db import service_database_url

            values["database_url"] = service_database_url(self.database_url, service.name)
        if self.amqp_url:
            values["amqp_url"] = self.amqp_url
        if self.ports[service.name] != service.port:
            # A bus moved off the documented ports (tests, benchmarks, two buses on one
            # machine) cannot hold a documented second port either: any free one.
            values.update({setting: 0 for setting, _port in service.extra_ports})
        if service.name == GATEWAY:
            values["providers"] = {
                s.name: self.url(s.name) for s in self.services if s.name != GATEWAY
            }
        if service.name == DESKS:
            # The pages ask every service itself (its /ready, its parked messages).
            values["services"] = {s.name: self.url(s.name) for s in self.services}
        values.update(self.extra.get(service.name, {}))
        return values

    def environment(self, service: ServiceSpec) -> dict[str, str]:
        """The same settings as environment variables with the service's prefix."""
        return {
            f"{service.env_prefix}{name.upper()}": _env_value(value)
            for name, value in self.settings(service).items()
        }


def _env_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def listening_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A TCP socket bound for a server to listen on (port 0: a free one).

    The protocol is named, not left 0: asyncio turns Nagle's algorithm off only on accepted
    sockets whose protocol says TCP. Without it a small answer, whose head and body uvicorn
    writes apart, waits for the client's delayed ACK: 44 ms for a 1 ms answer on Linux, at
    every hop between the services of a bus started on such sockets."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


def bind_free(host: str = "127.0.0.1") -> dict[str, socket.socket]:
    """A socket bound to a free port for every service, kept open for the servers to use."""
    return {service.name: listening_socket(host) for service in SERVICES}


def _ephemeral_start() -> int:
    """Where the kernel starts handing out ports to outgoing connections."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def free_base_port(host: str = "127.0.0.1") -> int:
    """A base port with a free port for every service after it, below the ports the kernel
    gives outgoing connections: there one of the bus's own connections (to PostgreSQL, to
    RabbitMQ, between services) could take a service's port between this probe and the
    service's bind, and that service would exit as the others come up."""
    for _ in range(100):
        base = random.randint(20000, _ephemeral_start() - len(SERVICES) - 1)
        try:
            for offset in range(len(SERVICES)):
                with socket.socket() as probe:
                    probe.bind((host, base + offset))
        except OSError:
            continue
        return base
    raise RuntimeError("no block of free ports")


def plan_ports(base_port: int | None, host: str = "127.0.0.1") -> dict[str, int]:
    """The documented ports shifted to `base_port`; 0 shifts them to a free block (parallel
    test runs, benchmarks)."""
    if base_port == 0:
        base_port = free_base_port(host)
    shift = 0 if base_port is None else base_port - SERVICES[0].port
    return {s.name: s.port + shift for s in SERVICES}


async def wait_ready(
    plan: BusPlan, started: float, within: float, stopped: asyncio.Event | None = None
) -> list[ServiceStatus]:
    """Poll every service's /ready until all answer 200 or `within` seconds pass."""
    ready_at: dict[str, float] = {}
    deadline = time.monotonic() + within
    async with async_client(timeout=1.0) as client:
        while len(ready_at) < len(plan.services) and time.monotonic() < deadline:
            if stopped is not None and stopped.is_set():
                break
            for service in plan.services:
                if service.name in ready_at:
                    continue
                with contextlib.suppress(httpx.HTTPError):
                    reply = await client.get(f"{plan.url(service.name)}/ready")
                    if reply.status_code == 200:
                        ready_at[service.name] = time.monotonic() - started
            await asyncio.sleep(0.05)
    return [
        ServiceStatus(
            s.name,
            plan.url(s.name),
            "ready" if s.name in ready_at else "not ready",
            ready_at.get(s.name),
        )
        for s in plan.services
    ]


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signals to the launcher, which stops all servers at once."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)


ReadyCallback = Callable[[list[ServiceStatus], float], None]


async def run_embedded(
    plan: BusPlan,
    stop: asyncio.Event,
    on_ready: ReadyCallback,
    *,
    ready_timeout: float = 60.0,
    access_log: bool = False,
) -> int:
    from egov.services import build_app
    from servicekit.serving import served

    started = time.monotonic()
    servers = [
        _Server(
            served(
                build_app(service, broker=plan.broker, **plan.settings(service)),
                host=plan.host,
                port=plan.ports[service.name],
                log_config=None,
                access_log=access_log,
                lifespan="on",
            )
        )
        for service in plan.services
    ]
    serving = [
        asyncio.create_task(
            server.serve(sockets=[plan.sockets[s.name]] if s.name in plan.sockets else None),
            name=f"uvicorn:{s.name}",
        )
        for s, server in zip(plan.services, servers, strict=True)
    ]
    statuses = await wait_ready(plan, started, ready_timeout, stop)
    on_ready(statuses, time.monotonic() - started)
    stopping = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait([stopping, *serving], return_when=asyncio.FIRST_COMPLETED)
    crashed = stopping not in done
    for server in servers:
        server.should_exit = True
    await asyncio.gather(*serving, return_exceptions=True)
    stopping.cancel()
    return 1 if crashed else 0


@dataclass(frozen=True)
class RestartPolicy:
    """How `egov up` brings back a service process that exited (processes mode).

    The n-th exit in a row waits `first_delay · 2ⁿ⁻¹` seconds, at most `max_delay`, before the
    restart. An exit counts in a row when the process ran less than `stable_after` seconds;
    after `give_up_after` of them the service is left down, loudly, and the rest of the bus
    runs on: a service that cannot start (its port taken, its settings wrong) would otherwise
    fill the log forever, and stopping the others would punish the services that work.
    """

    first_delay: float = 0.5
    max_delay: float = 30.0
    stable_after: float = 60.0
    give_up_after: int = 8

    def delay(self, exits_in_a_row: int) -> float:
        return float(min(self.first_delay * 2 ** (exits_in_a_row - 1), self.max_delay))


def serve_command(service: ServiceSpec) -> list[str]:
    return [sys.executable, "-m", "egov", "serve", service.name]


STATUS_FILE = "egov-up.json"
"""Written to the data folder while `egov up` supervises processes; `egov status` reads it."""

ChildState = Literal["running", "restarting", "given up"]


@dataclass
class _Child:
    service: ServiceSpec
    process: asyncio.subprocess.Process
    started: float
    restarts: int = 0
    state: ChildState = "running"
    last_exit: str | None = None
    readiness: asyncio.Task[None] | None = None


class Supervisor:
    """Runs every service of `plan` as a process and restarts one that exits, until `stop`."""

    def __init__(
        self,
        plan: BusPlan,
        stop: asyncio.Event,
        policy: RestartPolicy,
        command: Callable[[ServiceSpec], list[str]],
        ready_timeout: float,
    ) -> None:
        self.plan, self.stop, self.policy = plan, stop, policy
        self.command, self.ready_timeout = command, ready_timeout
        self.children: dict[str, _Child] = {}
        self.status_file = plan.data_dir / STATUS_FILE

    async def start(self) -> None:
        for service in self.plan.services:
            self.children[service.name] = _Child(
                service, await self._spawn(service), time.monotonic()
            )
        self._write_status()

    async def watch(self, name: str) -> None:
        """Restart the service whenever its process exits, until stopped or given up."""
        child = self.children[name]
        in_a_row = 0
        while True:
            code = await self._exit_unless_stopped(child.process)
            if child.readiness is not None:
                child.readiness.cancel()
            if code is None:
                return
            in_a_row = (
                in_a_row + 1 if time.monotonic() - child.started < self.policy.stable_after else 1
            )
            child.last_exit = _describe_exit(code)
            if in_a_row >= self.policy.give_up_after:
                child.state = "given up"
                self._write_status()
                log.error(
                    "service keeps exiting: given up, the rest of the bus runs on; "
                    "fix it and start the bus again",
                    service=name,
                    exits_in_a_row=in_a_row,
                    last_exit=child.last_exit,
                )
                return
            delay = self.policy.delay(in_a_row)
            child.state = "restarting"
            self._write_status()
            log.warning(
                "service exited; restarting it",
                service=name,
                exit=child.last_exit,
                exits_in_a_row=in_a_row,
                restart_in_seconds=delay,
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), delay)
            if self.stop.is_set():
                return
            child.started = time.monotonic()
            try:
                child.process = await self._spawn(child.service)
            except OSError as exc:
                # Counted as one more exit in a row: the exited process answers at once.
                log.error("service could not be started", service=name, error=repr(exc))
                continue
            child.restarts += 1
            child.state = "running"
            self._write_status()
            log.info(
                "service restarted", service=name, pid=child.process.pid, restarts=child.restarts
            )
            child.readiness = asyncio.create_task(self._announce_ready(child))

    @property
    def given_up(self) -> list[str]:
        return [name for name, child in self.children.items() if child.state == "given up"]

    async def terminate(self, grace: float) -> None:
        await _terminate([child.process for child in self.children.values()], grace)
        self.status_file.unlink(missing_ok=True)

    async def _spawn(self, service: ServiceSpec) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            *self.command(service), env={**os.environ, **self.plan.environment(service)}
        )

    async def _exit_unless_stopped(self, process: asyncio.subprocess.Process) -> int | None:
        exited = asyncio.create_task(process.wait())
        stopping = asyncio.create_task(self.stop.wait())
        await asyncio.wait([exited, stopping], return_when=asyncio.FIRST_COMPLETED)
        exited.cancel()
        stopping.cancel()
        # Ctrl-C reaches the children too: an exit that comes with the stop is not a crash.
        return None if self.stop.is_set() else process.returncode

    async def _announce_ready(self, child: _Child) -> None:
        started, url = time.monotonic(), f"{self.plan.url(child.service.name)}/ready"
        async with async_client(timeout=1.0) as client:
            while time.monotonic() - started < self.ready_timeout:
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(url)).status_code == 200:
                        log.info(
                            "service ready again",
                            service=child.service.name,
                            seconds=round(time.monotonic() - started, 2),
                        )
                        return
                await asyncio.sleep(0.1)
        log.error("restarted service not ready", service=child.service.name, url=url)

    def _write_status(self) -> None:
        report = {
            "launcher": os.getpid(),
            "gateway": self.plan.url(GATEWAY),
            "services": [
                {
                    "name": name,
                    "pid": child.process.pid,
                    "state": child.state,
                    "restarts": child.restarts,
                    "lastExit": child.last_exit,
                }
                for name, child in self.children.items()
            ],
        }
        self.status_file.parent.mkdir(parents=True, exist_ok=True)
        partial = self.status_file.with_suffix(".tmp")
        partial.write_text(json.dumps(report, indent=2))
        partial.replace(self.status_file)


def _describe_exit(code: int) -> str:
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


def read_status_file(data_dir: Path, gateway_url: str) -> dict[str, dict[str, Any]] | None:
    """The services as the `egov up` that runs the bus at `gateway_url` supervises them, by
    name; None when no such launcher runs (embedded mode, docker-compose, another bus)."""
    try:
        report = json.loads((data_dir / STATUS_FILE).read_text())
        os.kill(int(report["launcher"]), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if str(report.get("gateway", "")).rstrip("/") != gateway_url.rstrip("/"):
        return None
    return {str(s["name"]): s for s in report.get("services", [])}


async def run_processes(
    plan: BusPlan,
    stop: asyncio.Event,
    on_ready: ReadyCallback,
    *,
    ready_timeout: float = 60.0,
    grace: float = 10.0,
    policy: RestartPolicy | None = None,
    command: Callable[[ServiceSpec], list[str]] = serve_command,
) -> int:
    """Run until `stop`, restarting a service whose process exits (see `RestartPolicy`); 1
    if a service was given up, else 0."""
    started = time.monotonic()
    supervisor = Supervisor(plan, stop, policy or RestartPolicy(), command, ready_timeout)
    await supervisor.start()
    watching = [asyncio.create_task(supervisor.watch(s.name)) for s in plan.services]
    statuses = await wait_ready(plan, started, ready_timeout, stop)
    on_ready(statuses, time.monotonic() - started)
    await stop.wait()
    await asyncio.gather(*watching)
    await supervisor.terminate(grace)
    return 1 if supervisor.given_up else 0


async def _terminate(processes: Sequence[asyncio.subprocess.Process], grace: float) -> None:
    for process in processes:
        if process.returncode is None:
            process.terminate()
    try:
        await asyncio.wait_for(asyncio.gather(*(p.wait() for p in processes)), grace)
    except TimeoutError:
        for process in processes:
            if process.returncode is None:
                process.kill()
        await asyncio.gather(*(p.wait() for p in processes))


async def run_bus(plan: BusPlan, on_ready: ReadyCallback, **options: Any) -> int:
    """Run until SIGINT/SIGTERM; the exit code. In one process, a server that ends stops the
    bus; as processes, one that exits is restarted."""
    stop = asyncio.Event()
    _stop_on_signals(stop)
    if plan.mode == "embedded":
        return await run_embedded(plan, stop, on_ready, **options)
    return await run_processes(plan, stop, on_ready, **options)


def gateway_health_url(base: str | None = None) -> str:
    return f"{(base or local_url(SERVICES[0])).rstrip('/')}/health"
