"""The `egov` command: start the bus, ask how it is, serve one service, write a migration,
check and export the gateway's message log, play the VIN or the machinery registration on a
running bus."""

from __future__ import annotations

import asyncio
import base64
import importlib
import json
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from egov.launcher import (
    BusPlan,
    ServiceStatus,
    gateway_health_url,
    plan_ports,
    read_status_file,
    run_bus,
)
from egov.personas import PERSONA_KEY_PASSWORD
from servicekit.http_clients import async_client, sync_client
from servicekit.settings import BUS_ADMIN_TOKEN, DEFAULT_ADMIN_TOKEN
from servicekit.topology import SERVICES, local_url, spec

if TYPE_CHECKING:
    from egov.demo import Branch, Line, Outcome

app = typer.Typer(
    help="The e-government bus emulator: the ШЭП gateway, the registries, the state services.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema of a service (Alembic).", no_args_is_help=True)
app.add_typer(db_app, name="db")
log_app = typer.Typer(
    help="The gateway's message log: prove its hash chain intact, export it.",
    no_args_is_help=True,
)
app.add_typer(log_app, name="log")
demo_app = typer.Typer(
    help="Play a state service's process on a running bus (`egov up`), step by step.",
    no_args_is_help=True,
)
app.add_typer(demo_app, name="demo")
mint_app = typer.Typer(
    help="Make a new vehicle or machine on a running bus, in every registry its process reads.",
    no_args_is_help=True,
)
app.add_typer(mint_app, name="mint")
console = Console()

# One way to point every command at a bus: its base port, or its gateway's URL (the other
# services are found beside the gateway, shifted as its port is), or both.
BasePort = Annotated[
    int | None,
    typer.Option(
        "--base-port",
        envvar="EGOV_BASE_PORT",
        help="the base port the bus was started with (the gateway's port)",
    ),
]
GatewayUrl = Annotated[
    str | None,
    typer.Option(
        "--gateway",
        envvar="EGOV_GATEWAY_URL",
        help="the gateway's base URL; without --base-port its port is the base port",
    ),
]
BusHost = Annotated[str, typer.Option("--host", envvar="EGOV_HOST", help="where the bus listens")]
AdminToken = Annotated[
    str,
    typer.Option("--admin-token", envvar=BUS_ADMIN_TOKEN, help="the bus's admin bearer token"),
]
AsJson = Annotated[bool, typer.Option("--json", help="machine-readable JSON on stdout")]


def bus_url(
    gateway: str | None, base_port: int | None, host: str = "127.0.0.1"
) -> Callable[[str], str]:
    """The URL of each service of the bus the options point at."""
    if base_port == 0:
        raise typer.BadParameter(
            "0 (free ports) is for starting a bus: give the one it listens on",
            param_hint="--base-port",
        )
    if gateway is not None:
        parsed = httpx.URL(gateway)
        host = parsed.host or host
        if base_port is None:
            base_port = parsed.port or (443 if parsed.scheme == "https" else 80)
    ports = plan_ports(base_port, host)
    given = gateway.rstrip("/") if gateway is not None else None

    def url(name: str) -> str:
        if name == "gateway" and given is not None:
            return given
        return local_url(spec(name), host, ports[name])

    return url


def _run(coroutine: object) -> int:
    import uvloop

    code: int = uvloop.run(coroutine)  # type: ignore[arg-type]
    return code


@app.command()
def up(
    database_url: Annotated[
        str | None,
        typer.Option(
            envvar="DATABASE_URL",
            help="PostgreSQL server URL; each service gets its own database on it",
        ),
    ] = None,
    amqp_url: Annotated[
        str | None,
        typer.Option(envvar="AMQP_URL", help="RabbitMQ URL; with it every service is a process"),
    ] = None,
    data_dir: Annotated[
        Path, typer.Option(envvar="EGOV_DATA_DIR", help="SQLite files (embedded mode)")
    ] = Path("data"),
    host: Annotated[str, typer.Option(envvar="EGOV_HOST")] = "127.0.0.1",
    base_port: Annotated[
        int | None,
        typer.Option(
            envvar="EGOV_BASE_PORT", help="shift all ports (gateway's first); 0: any free"
        ),
    ] = None,
    log_json: Annotated[bool, typer.Option("--log-json", envvar="EGOV_LOG_JSON")] = False,
    log_level: Annotated[str, typer.Option(envvar="EGOV_LOG_LEVEL")] = "INFO",
    access_log: Annotated[bool, typer.Option("--access-log")] = False,
    ready_timeout: Annotated[float, typer.Option(help="seconds to wait for readiness")] = 60.0,
) -> None:
    """Start the whole bus in the foreground; Ctrl-C or SIGTERM stops it cleanly."""
    from servicekit.logging import configure_logging
    from servicekit.serving import long_lived

    configure_logging(level=log_level, json=log_json)
    plan = BusPlan(
        ports=plan_ports(base_port, host),
        host=host,
        data_dir=data_dir,
        database_url=database_url,
        amqp_url=amqp_url,
        log_json=log_json,
        log_level=log_level,
    )
    backend = "PostgreSQL" if database_url else f"SQLite in {data_dir}/"
    broker = "RabbitMQ" if amqp_url else "in-process bus"
    mode = "one process per service" if plan.mode == "processes" else "one process"
    console.print(f"[bold]egov bus[/]: {len(plan.services)} services, {mode}, {backend}, {broker}")

    def on_ready(statuses: list[ServiceStatus], seconds: float) -> None:
        console.print(_status_table(statuses))
        ready = sum(s.status == "ready" for s in statuses)
        console.print(
            f"{ready}/{len(statuses)} ready in {seconds:.2f} s — "
            f"gateway at {plan.url('gateway')}; Ctrl-C stops the bus"
        )

    options: dict[str, object] = {"ready_timeout": ready_timeout}
    if plan.mode == "embedded":
        options["access_log"] = access_log
    long_lived()
    code = _run(run_bus(plan, on_ready, **options))
    console.print("egov bus stopped")
    raise typer.Exit(code)


@app.command()
def serve(
    name: Annotated[str, typer.Argument(help="the service, e.g. gbd_fl")],
) -> None:
    """Run one service (settings from its prefixed environment), as a process of the bus."""
    # Here, not at the top: the commands that only talk to a bus need no app, server or ORM.
    import uvicorn

    from egov.services import build_app
    from servicekit.logging import configure_logging
    from servicekit.serving import long_lived, server_options

    service = spec(name)
    fastapi_app = build_app(service)
    settings = fastapi_app.state.settings
    configure_logging(
        level=settings.log_level, json=settings.log_json, mask=not settings.log_unmasked
    )
    long_lived()
    uvicorn.run(
        fastapi_app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        loop="uvloop",
        access_log=False,
        **server_options(fastapi_app),
    )


@app.command()
def status(
    gateway: GatewayUrl = None,
    base_port: BasePort = None,
    host: BusHost = "127.0.0.1",
    data_dir: Annotated[
        Path,
        typer.Option(envvar="EGOV_DATA_DIR", help="the data folder `egov up` was started with"),
    ] = Path("data"),
    as_json: AsJson = False,
) -> None:
    """The readiness of every service, as the gateway sees it; with `egov up` running the
    services as processes, how often each was restarted too. Exits 0 when the bus is ok, 1
    when a service is not, 2 when there is no gateway."""
    url = gateway_health_url(bus_url(gateway, base_port, host)("gateway"))
    try:
        with sync_client(timeout=5.0) as http:
            report = http.get(url).json()
    except (httpx.HTTPError, ValueError) as exc:
        if as_json:
            _print_json({"status": "unreachable", "gateway": url, "error": str(exc)})
        else:
            console.print(f"[red]the gateway at {url} does not answer:[/] {exc}")
        raise typer.Exit(2) from None
    supervised = read_status_file(data_dir, url.removesuffix("/health"))
    code = 0 if report["status"] == "ok" else 1
    if as_json:
        _print_json(
            {
                "status": report["status"],
                "services": [
                    {
                        "name": s["name"],
                        "url": s["url"],
                        "status": s["status"],
                        "latencyMs": s.get("latencyMs"),
                        "supervised": (supervised or {}).get(s["name"]),
                    }
                    for s in report.get("services", [])
                ],
            }
        )
        raise typer.Exit(code)
    statuses = [
        ServiceStatus(s["name"], s["url"], s["status"], None) for s in report.get("services", [])
    ]
    table = _status_table(
        statuses,
        latency={s["name"]: s.get("latencyMs") for s in report["services"]},
        supervised=supervised,
    )
    console.print(table)
    console.print(f"bus: [bold]{report['status']}[/]")
    raise typer.Exit(code)


@app.command()
def personas(
    markdown: Annotated[bool, typer.Option("--markdown", help="as the README's tables")] = False,
    as_json: AsJson = False,
) -> None:
    """The test personas and the branch of the processes each one exercises."""
    from egov import personas as catalogue

    if markdown:
        sys.stdout.write(catalogue.markdown() + "\n")
        return
    if as_json:
        _print_json(
            {
                section: [
                    {"persona": key, identifier: value, "name": name, "branch": branch}
                    for key, value, name, branch in catalogue.rows(section)
                ]
                for section, (_, identifier) in catalogue.SECTIONS.items()
            }
        )
        return
    for section, (title, identifier) in catalogue.SECTIONS.items():
        rows = catalogue.rows(section)
        table = Table(title=title)
        # A persona's key and identifier are what people copy into commands: never cut, at
        # any terminal width; the name and the branch wrap instead.
        for column, index in (("persona", 0), (identifier.upper(), 1)):
            table.add_column(column, no_wrap=True, min_width=max(len(r[index]) for r in rows))
        table.add_column("name", overflow="fold")
        table.add_column("branch", overflow="fold")
        for row in rows:
            table.add_row(*row)
        console.print(table)


@app.command()
def sign(
    persona: Annotated[str, typer.Option("--persona", help="e.g. dealer_manager, buyer")],
    file: Annotated[
        Path | None,
        typer.Argument(
            help="the document to sign; standard input when left out or -",
            dir_okay=False,
            allow_dash=True,
        ),
    ] = None,
    base64_input: Annotated[
        bool,
        typer.Option(
            "--base64-input",
            help="the input is base64 text (a `document` field of the APIs): its bytes are signed",
        ),
    ] = False,
    auth: Annotated[bool, typer.Option("--auth", help="with the AUTH key (to sign in)")] = False,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="DER file")] = None,
    timestamp: Annotated[
        bool,
        typer.Option(
            "--timestamp",
            help="CAdES-T: add a timestamp of the signature from НУЦ's TSA (RFC 3161), which "
            "proves when it was made",
        ),
    ] = False,
    tsp_url: Annotated[
        str | None,
        typer.Option(
            envvar="EGOV_TSP_URL", help="the TSA asked with --timestamp (default: the bus's НУЦ)"
        ),
    ] = None,
    gateway: GatewayUrl = None,
    base_port: BasePort = None,
    host: BusHost = "127.0.0.1",
) -> None:
    """A detached CMS signature of a document by a persona, as NCALayer would make it.

    The signature is over the document's bytes: an API's `document` field is base64, so sign
    it with --base64-input (or decode it first). Prints the CMS base64 (what the APIs take in
    `cms`), or writes the DER to --output.
    """
    from egov.personas import key_file
    from servicekit.signatures import TimestampRefused, sign_detached, timestamp_over_http

    try:
        p12 = key_file(persona, auth=auth)
    except KeyError as exc:
        console.print(f"[red]{exc.args[0]}[/]")
        raise typer.Exit(2) from None
    if file is None or str(file) == "-":
        document = typer.get_binary_stream("stdin").read()
    elif file.is_file():
        document = file.read_bytes()
    else:
        raise typer.BadParameter(f"no file {file}", param_hint="FILE")
    if base64_input:
        try:
            document = base64.b64decode(b"".join(document.split()), validate=True)
        except ValueError:
            raise typer.BadParameter(
                "the input is not base64", param_hint="--base64-input"
            ) from None
    tsa = tsp_url or f"{bus_url(gateway, base_port, host)('pki')}/tsp"
    try:
        signature = sign_detached(
            p12.read_bytes(),
            PERSONA_KEY_PASSWORD,
            document,
            timestamp=timestamp_over_http(tsa) if timestamp else None,
        )
    except TimestampRefused as exc:
        console.print(f"[red]no timestamp: {exc}[/]")
        raise typer.Exit(2) from None
    if output is not None:
        output.write_bytes(signature)
        console.print(f"wrote {output} ({len(signature)} bytes, signed by {p12.name})")
    else:
        sys.stdout.write(base64.b64encode(signature).decode() + "\n")


class Audience(StrEnum):
    """The state services НУЦ issues login tokens for (the ones that take `SignedIn`)."""

    registration_service = "registration_service"
    frontoffice_service = "frontoffice_service"


@app.command()
def login(
    persona: Annotated[str, typer.Argument(help="who signs in, e.g. dealer_manager, buyer")],
    audience: Annotated[
        Audience, typer.Option("--audience", help="the state service the token is for")
    ],
    gateway: GatewayUrl = None,
    base_port: BasePort = None,
    host: BusHost = "127.0.0.1",
) -> None:
    """Sign in as a persona by ЭЦП (НУЦ's challenge signed with its AUTH key) and print the
    bearer token: `Authorization: Bearer <token>`. A token lasts for its lifetime by the bus
    clock: after moving the clock on, sign in again."""
    from egov.personas import key_file
    from egov.signin import login as sign_in

    try:
        key_file(persona, auth=True)
    except KeyError as exc:
        console.print(f"[red]{exc.args[0]}[/]")
        raise typer.Exit(2) from None
    pki = bus_url(gateway, base_port, host)("pki")

    async def token() -> str:
        async with async_client(base_url=pki, timeout=30) as http:
            return await sign_in(http, persona, audience.value)

    try:
        sys.stdout.write(_run_async(token()) + "\n")
    except httpx.HTTPStatusError as exc:
        console.print(f"[red]НУЦ refused:[/] {_problem_text(exc.response)}")
        raise typer.Exit(1) from None
    except httpx.HTTPError as exc:
        console.print(f"[red]НУЦ at {pki} does not answer:[/] {exc}")
        raise typer.Exit(2) from None


@mint_app.command("vehicle")
def mint_vehicle(
    seller: Annotated[
        str, typer.Option(help="the dealer that sells it (a legal entity persona)")
    ] = "dealer_astana_motors",
    buyer: Annotated[str, typer.Option(help="the person who buys it")] = "buyer",
    gateway: GatewayUrl = None,
    base_port: BasePort = None,
    host: BusHost = "127.0.0.1",
    admin_token: AdminToken = DEFAULT_ADMIN_TOKEN,
) -> None:
    """A new VIN, ready for the VIN registration (V1–V22): its ЭПТС, customs record,
    recycling fee and a sale contract signed by the seller and the buyer, copied from the
    happy-path vehicle `vin_ok` through the registries' admin APIs. Prints the VIN."""
    from egov.vin_flow import VinClient

    url = bus_url(gateway, base_port, host)

    async def mint() -> str:
        async with async_client(timeout=30) as http:
            flow = VinClient(url, http, admin_token=admin_token)
            return await flow.new_vehicle(seller, buyer)

    sys.stdout.write(_minted(mint) + "\n")


@mint_app.command("machine")
def mint_machine(
    owner: Annotated[
        str, typer.Option(help="whose machine it is: a person or a legal entity persona")
    ] = "farmer",
    gateway: GatewayUrl = None,
    base_port: BasePort = None,
    host: BusHost = "127.0.0.1",
    admin_token: AdminToken = DEFAULT_ADMIN_TOKEN,
) -> None:
    """A new machine for the machinery registration (M5–M17): an ЭПСМ in force under a new
    VIN, owned by `owner`, copied from the tractor `tractor_mtz_farmer` through ЭПСМ's admin
    API. Prints the VIN."""
    from egov.machinery_flow import MachineryClient

    url = bus_url(gateway, base_port, host)

    async def mint() -> str:
        async with async_client(timeout=30) as http:
            flow = MachineryClient(url, http, admin_token=admin_token)
            return await flow.new_machine(owner)

    sys.stdout.write(_minted(mint) + "\n")


def _minted(mint: Callable[[], Awaitable[str]]) -> str:
    from egov.flow_client import FlowError

    try:
        return _run_async(mint())
    except KeyError as exc:
        console.print(f"[red]{exc.args[0]}[/]")
        raise typer.Exit(2) from None
    except FlowError as exc:
        console.print(f"[red]a registry refused:[/] {exc}")
        raise typer.Exit(1) from None
    except httpx.HTTPError as exc:
        console.print(f"[red]the bus does not answer:[/] {exc}")
        raise typer.Exit(2) from None


@app.command()
def reset(
    gateway: GatewayUrl = None,
    base_port: BasePort = None,
    host: BusHost = "127.0.0.1",
    admin_token: AdminToken = DEFAULT_ADMIN_TOKEN,
) -> None:
    """Bring the running bus back to its seed without a restart (`POST /admin/reset` of
    every service, with the admin token).

    Each service empties its tables and writes its seed again: the registries hold the
    personas' records only (minted vehicles and machines, added persons, reserved plates,
    invoices and fines paid are gone), the gateway its registry file's senders and services
    with no fault rules and an empty journal; the state services (the portal, the ЦОН) have
    no data of their own in their seed: they are left empty — no applications, tickets,
    documents or SMS. Kept: the bus clock, the gateway's hash-chained message log, НУЦ's
    login key (tokens stay valid), and run-time switches such as the auto-decision rule."""
    url = bus_url(gateway, base_port, host)
    failed = False
    table = Table(title="reset to the seed")
    for column in ("service", "tables emptied", "seed"):
        table.add_column(column)
    with sync_client(timeout=60, headers=_bearer(admin_token)) as http:
        for service in SERVICES:
            try:
                reply = http.post(f"{url(service.name)}/admin/reset")
            except httpx.HTTPError as exc:
                console.print(
                    f"[red]{service.name} at {url(service.name)} does not answer:[/] {exc}"
                )
                raise typer.Exit(2) from None
            if reply.status_code != 200:
                failed = True
                table.add_row(service.name, f"[red]{_problem_text(reply)}[/]", "")
                continue
            report = reply.json()
            seeded = "written again" if report["seeded"] else "none (empty)"
            table.add_row(service.name, str(len(report["emptied"])), seeded)
    console.print(table)
    raise typer.Exit(1 if failed else 0)


@app.command()
def compose() -> None:
    """Print docker-compose.yml for the current topology (redirect it into the file)."""
    from egov.compose import render

    sys.stdout.write(render())


@app.command()
def contracts() -> None:
    """Regenerate the checked-in specs under contracts/ (OpenAPI, envelope schemas, codes)."""
    from contracts import write

    for path in write():
        console.print(f"wrote {path}")


@db_app.command("revision")
def db_revision(
    name: Annotated[str, typer.Argument(help="the service, e.g. gbd_fl")],
    message: Annotated[str, typer.Option("-m", "--message")],
) -> None:
    """Write a new migration of `name` from the difference between its models and its schema."""
    import tempfile

    from alembic import command
    from alembic.config import Config

    spec(name)
    with tempfile.TemporaryDirectory() as scratch:
        config = Config()
        config.set_main_option("script_location", f"{name}:migrations")
        config.set_main_option("sqlalchemy.url", f"sqlite:///{scratch}/schema.db")
        command.upgrade(config, "head")
        # Revisions are numbered 0001, 0002…: their order reads from the file names.
        versions = (
            Path(importlib.import_module(name).__file__ or "").parent / "migrations" / "versions"
        )
        number = len(list(versions.glob("[0-9][0-9][0-9][0-9]_*.py"))) + 1
        command.revision(config, message=message, autogenerate=True, rev_id=f"{number:04d}")


LOG_TIMEOUT = httpx.Timeout(10.0, read=600.0)
"""Verifying or exporting a large log takes a while; connecting must not."""


@log_app.command("verify")
def log_verify(
    gateway: GatewayUrl = None,
    base_port: BasePort = None,
    host: BusHost = "127.0.0.1",
    admin_token: AdminToken = DEFAULT_ADMIN_TOKEN,
) -> None:
    """Prove the hash chain intact (exit 0) or name its first broken record (exit 1)."""
    gateway = bus_url(gateway, base_port, host)("gateway")
    try:
        with sync_client(timeout=LOG_TIMEOUT) as http:
            reply = http.get(
                f"{gateway.rstrip('/')}/admin/log/verify", headers=_bearer(admin_token)
            )
    except httpx.HTTPError as exc:
        console.print(f"[red]the gateway at {gateway} does not answer:[/] {exc}")
        raise typer.Exit(2) from None
    if reply.status_code != 200:
        console.print(f"[red]the gateway refused:[/] {_problem_text(reply)}")
        raise typer.Exit(2)
    report = reply.json()
    broken = report["firstBroken"]
    table = Table(title="message log", show_header=False)
    table.add_row("chain", "[green]intact[/]" if report["ok"] else "[red]broken[/]")
    table.add_row("records checked", str(report["checked"]))
    if broken is not None:
        table.add_row("first broken record", f"[red]{broken['seq']}[/]")
        table.add_row("reason", f"{broken['reason']}: {broken['detail']}")
    console.print(table)
    raise typer.Exit(0 if report["ok"] else 1)


@log_app.command("export")
def log_export(
    start: Annotated[
        str, typer.Option("--from", help="ISO-8601 with offset, e.g. 2026-11-22T00:00:00+05:00")
    ],
    end: Annotated[str, typer.Option("--to", help="exclusive end, ISO-8601 with offset")],
    output: Annotated[Path, typer.Option("-o", "--output", help="the JSON Lines file to write")],
    gateway: GatewayUrl = None,
    base_port: BasePort = None,
    host: BusHost = "127.0.0.1",
    admin_token: AdminToken = DEFAULT_ADMIN_TOKEN,
) -> None:
    """Write the records of [from, to) as JSON Lines, each line verifiable offline."""
    gateway = bus_url(gateway, base_port, host)("gateway")
    records = 0
    try:
        with (
            sync_client(timeout=LOG_TIMEOUT) as http,
            http.stream(
                "GET",
                f"{gateway.rstrip('/')}/admin/log/export",
                params={"from": start, "to": end},
                headers=_bearer(admin_token),
            ) as reply,
        ):
            if reply.status_code != 200:
                reply.read()
                console.print(f"[red]the gateway refused:[/] {_problem_text(reply)}")
                raise typer.Exit(1)
            with output.open("wb") as file:
                for chunk in reply.iter_bytes():
                    file.write(chunk)
                    records += chunk.count(b"\n")
    except httpx.HTTPError as exc:
        output.unlink(missing_ok=True)  # half an export would pass for a quiet period
        console.print(f"[red]the gateway at {gateway} does not answer:[/] {exc}")
        raise typer.Exit(2) from None
    console.print(f"wrote {records} records to {output}")


DemoBranch = Annotated[
    str, typer.Option("--branch", "-b", help="the branch to play (see --list), or all")
]
DemoList = Annotated[bool, typer.Option("--list", help="list the branches, one line each")]
DemoRun = Callable[..., Awaitable[Sequence["Outcome"]]]
"""A demo module's `run(url, branch names, reporter, admin_token=…)`."""


@demo_app.command("vin")
def demo_vin(
    branch: DemoBranch = "happy",
    list_branches: DemoList = False,
    gateway: GatewayUrl = None,
    base_port: BasePort = None,
    host: BusHost = "127.0.0.1",
    admin_token: AdminToken = DEFAULT_ADMIN_TOKEN,
    as_json: AsJson = False,
) -> None:
    """The VIN registration (V1–V22) played by the dealer, the buyer, the police and the ЦОН:
    the happy path, or a refusal branch. Exits 1 if a step did not go as expected, 2 if there
    is no bus."""
    from egov import vin_demo

    url = bus_url(gateway, base_port, host)
    _demo("vin", vin_demo.BRANCHES, vin_demo.run, branch, list_branches, url, admin_token, as_json)


@demo_app.command("machinery")
def demo_machinery(
    branch: DemoBranch = "happy",
    list_branches: DemoList = False,
    gateway: GatewayUrl = None,
    base_port: BasePort = None,
    host: BusHost = "127.0.0.1",
    admin_token: AdminToken = DEFAULT_ADMIN_TOKEN,
    as_json: AsJson = False,
) -> None:
    """The machinery registration through a ЦОН (M4–M17) played by the front-office worker,
    the applicant, the akimat officer and the head of the front office: the happy path from
    the ticket to the SMS, the digital document and, a month later, the archive handover; or
    a refusal branch. Exits 1 if a step did not go as expected, 2 if there is no bus."""
    from egov import machinery_demo

    _demo(
        "machinery",
        machinery_demo.BRANCHES,
        machinery_demo.run,
        branch,
        list_branches,
        bus_url(gateway, base_port, host),
        admin_token,
        as_json,
    )


def _demo(
    name: str,
    branches: Mapping[str, Branch[Any]],
    run: DemoRun,
    branch: str,
    list_branches: bool,
    url: Callable[[str], str],
    admin_token: str,
    as_json: bool,
) -> None:
    from egov.demo import NoBus
    from egov.flow_client import FlowError

    if list_branches and as_json:
        _print_json(
            [{"branch": b.name, "step": b.step, "summary": b.summary} for b in branches.values()]
        )
        return
    if list_branches:
        table = Table(title=f"egov demo {name} --branch …")
        for column in ("branch", "step", "what happens"):
            table.add_column(column)
        for known in branches.values():
            table.add_row(known.name, known.step, known.summary)
        console.print(table)
        return
    if branch != "all" and branch not in branches:
        raise typer.BadParameter(
            f"no branch {branch!r}; there are: all, {', '.join(branches)}",
            param_hint="--branch",
        )
    names = list(branches) if branch == "all" else [branch]
    reporter = _JsonReport() if as_json else _DemoReport()

    async def play() -> int:
        try:
            outcomes = await run(url, names, reporter, admin_token=admin_token)
        except NoBus as exc:
            _say_failure(as_json, "no bus", str(exc))
            return 2
        except (FlowError, httpx.HTTPError) as exc:
            _say_failure(as_json, "set-up", f"the demo could not set the bus up, or back: {exc}")
            return 1
        if isinstance(reporter, _JsonReport):
            _print_json(reporter.document(outcomes))
            return 0 if all(outcome.ok for outcome in outcomes) else 1
        if len(outcomes) > 1:
            table = Table(title="branches")
            for column in ("branch", "outcome", "seconds"):
                table.add_column(column)
            for outcome in outcomes:
                shown = Text("as expected", "green") if outcome.ok else Text("FAILED", "red")
                table.add_row(outcome.branch, shown, f"{outcome.seconds:.1f}")
            console.print(table)
        return 0 if all(outcome.ok for outcome in outcomes) else 1

    raise typer.Exit(_run(play()))


class _DemoReport:
    """Each step on its own line as it happens: the flow waits for the bus now and then."""

    def begin(self, branch: Branch[Any]) -> None:
        console.rule(Text.assemble((branch.name, "bold"), f" — {branch.summary}"))

    def line(self, line: Line) -> None:
        style = {"done": "green", "refused": "yellow", "note": "dim"}[line.kind]
        text = Text.assemble(
            (f"{line.step:<4} ", "bold"), (f"{line.actor:<26} ", "cyan"), line.action
        )
        if line.outcome:
            text.append("  →  ")
            text.append(line.outcome, style)
        console.print(text)

    def end(self, outcome: Outcome) -> None:
        if outcome.ok:
            console.print(
                Text(f"✓ {outcome.branch}: as expected ({outcome.seconds:.1f} s)", "bold green")
            )
        else:
            console.print(Text(f"✗ {outcome.branch}: {outcome.failure}", "bold red"))


class _JsonReport:
    """The demo as one JSON document at the end: each branch with its lines and outcome; what
    the demo does before the first branch (the bus clock) is under `setUp`."""

    def __init__(self) -> None:
        self.lines: dict[str, list[dict[str, str]]] = {}
        self._current = ""

    def begin(self, branch: Branch[Any]) -> None:
        self._current = branch.name
        self.lines[branch.name] = []

    def line(self, line: Line) -> None:
        self.lines.setdefault(self._current, []).append(
            {
                "step": line.step,
                "actor": line.actor,
                "action": line.action,
                "outcome": line.outcome,
                "kind": line.kind,
            }
        )

    def end(self, outcome: Outcome) -> None:
        pass

    def document(self, outcomes: Sequence[Outcome]) -> dict[str, Any]:
        return {
            "ok": all(outcome.ok for outcome in outcomes),
            "setUp": self.lines.get("", []),
            "branches": [
                {
                    "branch": outcome.branch,
                    "ok": outcome.ok,
                    "failure": outcome.failure,
                    "seconds": round(outcome.seconds, 3),
                    "lines": self.lines.get(outcome.branch, []),
                }
                for outcome in outcomes
            ],
        }


def _say_failure(as_json: bool, kind: str, text: str) -> None:
    if as_json:
        _print_json({"ok": False, "error": kind, "detail": text})
    else:
        console.print(Text(text, style="red"))


def _print_json(document: object) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def _run_async(coroutine: Awaitable[str]) -> str:
    async def wrapped() -> str:
        return await coroutine

    return asyncio.run(wrapped())


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _problem_text(reply: httpx.Response) -> str:
    try:
        problem = reply.json()
    except ValueError:
        return f"HTTP {reply.status_code}"
    detail = problem.get("detail") if isinstance(problem, dict) else None
    return f"{problem.get('code', reply.status_code)}: {detail}" if detail else reply.text


def _status_table(
    statuses: list[ServiceStatus],
    latency: dict[str, float | None] | None = None,
    supervised: dict[str, dict[str, Any]] | None = None,
) -> Table:
    table = Table(title="services")
    table.add_column("service")
    table.add_column("url")
    table.add_column("status")
    table.add_column("ready after" if latency is None else "latency")
    if supervised is not None:
        table.add_column("restarts")
    for status_ in statuses:
        colour = "green" if status_.status == "ready" else "red"
        if latency is None:
            timing = f"{status_.seconds:.2f} s" if status_.seconds is not None else "—"
        else:
            value = latency.get(status_.name)
            timing = f"{value:.1f} ms" if value is not None else "—"
        row = [status_.name, status_.url, f"[{colour}]{status_.status}[/]", timing]
        if supervised is not None:
            row.append(_restarts(supervised.get(status_.name)))
        table.add_row(*row)
    return table


def _restarts(child: dict[str, Any] | None) -> str:
    if child is None:
        return "—"
    shown = str(child["restarts"])
    if child["lastExit"]:
        shown += f" (last: {child['lastExit']})"
    if child["state"] != "running":
        shown += f" [red]{child['state']}[/]"
    return shown


def main() -> None:
    if len(sys.argv) == 1:
        sys.argv.append("--help")
    app()


__all__ = ["SERVICES", "app", "main"]
