"""How many VIN registrations (V1–V22) the bus carries per second, and what each step costs.

Starts the bus as `egov up --database-url … --amqp-url …` does (one process per service, on a
fresh set of PostgreSQL databases and a RabbitMQ virtual host of its own, both removed at the
end), with the police desk's auto-decision rule on and the bus clock frozen inside the pilot.
Mints every vehicle first (setup, not measured), then runs N registrations, C at a time, from
this process through `egov.vin_flow.VinClient`, as the dealer, the buyer and the ЦОН worker
would: start, VIN, buyer, dealer's signature, the buyer's consent, the ЦОН, the plate, payment,
the buyer's signature, the wait for the police and the printing centre, and — unless
`--no-pickup` — the hand-over at the ЦОН and the wait for COMPLETED. The waits follow the
application on the cabinet's live notifications (one streamed request from the submission to
the end), and a last look at the application checks the state the bus left; only the ЦОН's
list of ready documents is asked again (with growing pauses) until the documents are there.

A few buyers run many registrations at once, so БМГ's limit of live reservations per person
(`max_reservations_per_person`, 2 by default) is raised to the concurrency for the run.

In the same run, a FastAPI `GET /hello` in its own uvicorn process (the services' uvicorn
settings) is loaded by an httpx client set up as the users' (a fresh one, its pool holding none
of the bus's connections) with the same concurrency, as the yardstick of what this machine can
serve at all: two rounds of 5 s just before the registrations and two just after, each pair
once the bus has gone quiet and after a round not counted. Each simulated user has a client
of its own, as a browser would.

Prints registrations/s, p50/p99 of every step, the HTTP requests one registration makes —
client side, and in all: every request any service of the bus answered during the timed run
(the client's to the portal, the ЦОН and ПШЭП, the state services' to the gateway, the
gateway's to the registries, any other), read from each service's own request counter and
divided by the registrations, with a breakdown by service and route — hello's requests/s (the
mean of its rounds, as registrations/s is the mean of theirs), the ratio registrations/s ×
requests per registration *in all* ÷ hello requests/s against the 40 % target (the client-side
ratio and the ratio against hello's best round are printed beside it), and the CPU each
process spent per registration. Run:

    .venv/bin/python bench/vin_registrations.py [-n 200] [-c 12] [--no-pickup]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import multiprocessing
import os
import random
import re
import signal
import socket
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
from prometheus_client.parser import text_string_to_metric_families
from real_bus import ADMIN, TICK, freeze_clock, fresh_backends, processes, progress, running_bus
from sqlalchemy.engine import make_url

from egov.flow_client import FRONTOFFICE, FlowError, Json, answer, persona
from egov.launcher import BusPlan
from egov.vin_flow import Notifications, VinClient, expect
from servicekit.http_clients import async_client
from servicekit.topology import SERVICES

PILOT_DAY = "2026-03-02T10:00:00+05:00"
"""Inside the pilot (2025-10-15..2026-08-31): V1 refuses applications outside it."""
DEALER, SELLER = "dealer_manager", "dealer_astana_motors"


@dataclass(frozen=True)
class Buyer:
    persona: str
    iin: str
    """Looked up once, before the timed run: a catalogue lookup is the load generator's work,
    not the bus's."""
    centre: str
    worker: str
    """The ЦОН worker of `centre`, who hands the documents over (V20–V22)."""


ALMATY = ("ALM-ALMALY", "frontoffice_worker_almaty")
KOSTANAY = ("KST-KOSTANAY", "frontoffice_worker_kostanay")
BUYERS = ("buyer", "buyer_2", "buyer_kostanay")


def buyer(key: str) -> Buyer:
    """A catalogue person as a buyer, at the ЦОН of their region (Kostanay's by name)."""
    return Buyer(key, persona(key)["iin"], *(KOSTANAY if "kostanay" in key else ALMATY))


STEPS = {
    "start": "V1",
    "vin": "V2–V5",
    "buyer": "V6–V8",
    "dealer sign": "V9",
    "accept": "V10–V14",
    "pickup": "V15",
    "plate offer": "V16",
    "plate": "V16–V17",
    "pay": "ПШЭП",
    "payment-check": "V17",
    "buyer sign": "V18",
    "police": "V19",
    "printing": "V19",
    "police+printing": "V19",
    "pick-up": "V20–V22",
    "completion": "V22",
    "final look": "V20/V22",
}
"""The timed steps, in order, with the steps of processes.md each covers."""
DECIDED = {"REGISTRATION_APPROVED", "REGISTRATION_REFUSED"}
"""The notifications of the police desk's decision (V19)."""

T = TypeVar("T")


# --- figures ------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest rank, as the gateway's operational data computes it."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1] if ordered else 0.0


@dataclass
class Figures:
    latencies_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    requests: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    """Requests made in each step, over every registration that reached it."""
    completed: list[int] = field(default_factory=list)
    """The requests each completed registration made."""
    failures: list[str] = field(default_factory=list)
    plates_taken: int = 0
    """Free numbers another buyer reserved between the offer and the choice (chosen again)."""
    polls: int = 0
    """Requests that only asked again whether the bus had moved on (the ЦОН's list of ready
    documents), over every registration that finished."""


class Registration:
    """One registration on one worker's client: each step timed, and its requests counted from
    the client's counter (a worker runs its registrations one after another, so the counter's
    difference over a step is that step's)."""

    def __init__(self, client: VinClient, figures: Figures) -> None:
        self.client, self.figures = client, figures
        self.current = "start"

    async def step(self, name: str, call: Awaitable[T]) -> T:
        self.current = name
        requests, started = self.client.requests, time.perf_counter()
        answer = await call
        self.figures.latencies_ms[name].append((time.perf_counter() - started) * 1000)
        self.figures.requests[name] += self.client.requests - requests
        return answer

    async def run(self, vin: str, buyer: Buyer, pickup: bool) -> None:
        c, step, who = self.client, self.step, buyer.persona
        polls = c.polls
        app = await step("start", c.start(DEALER))
        app = expect(await step("vin", c.enter_vin(DEALER, app, vin)), "V6_AWAITING_BUYER")
        app = await step("buyer", c.enter_buyer(DEALER, app, buyer.iin))
        expect(app, "V9_AWAITING_SELLER_SIGNATURE")
        app = checked(await step("dealer sign", c.dealer_sign(DEALER, app)))
        expect(app, "V10_AWAITING_BUYER_CONSENT")
        app = checked(await step("accept", c.cabinet(who, app, "accept")))
        expect(app, "V15_AWAITING_PICKUP_CHOICE")
        app = expect(
            await step("pickup", c.choose_pickup(who, app, buyer.centre)), "V16_AWAITING_PLATE"
        )
        app = await self.choose_plate(who, app)
        await step("pay", c.pay(app))
        app = checked(await step("payment-check", c.cabinet(who, app, "payment-check")))
        expect(app, "V18_AWAITING_BUYER_SIGNATURE")
        app = checked(await step("buyer sign", c.buyer_sign(who, app)))
        expect(app, "V19_AWAITING_DECISION")
        submitted = time.perf_counter()
        async with contextlib.AsyncExitStack() as streams:
            # From here the bus moves the application on: the buyer's page follows it on the
            # cabinet's live notifications (one request, opened in the police step), rather
            # than asking for the application again and again.
            async def decision() -> tuple[Notifications, Json]:
                feed = await streams.enter_async_context(c.following(who, app))
                return feed, await feed.next(DECIDED, seconds=60)

            feed, decided = await step("police", decision())
            if decided["kind"] != "REGISTRATION_APPROVED":
                raise FlowError(f"V19 {decided['kind']}: {decided['messages']['en']}")
            await step("printing", feed.next({"DOCUMENTS_READY"}, seconds=60))
            waited = (time.perf_counter() - submitted) * 1000
            self.figures.latencies_ms["police+printing"].append(waited)
            end = "V20_READY_FOR_PICKUP"
            if pickup:
                # Includes asking the reception again until the ЦОН has the documents (an
                # event away from the portal's V20).
                await step("pick-up", c.pick_up(buyer.worker, buyer.centre, who, app))
                await step("completion", feed.next({"HANDED_OVER"}, seconds=60))
                end = "COMPLETED"
        # One look at the application itself, as the buyer would: the state the bus left.
        expect(await step("final look", c.application(who, app)), end)
        self.figures.polls += c.polls - polls

    async def choose_plate(self, who: str, app: Json) -> Json:
        """V16 as a person does it: any of the free numbers offered, and another one if someone
        else took it meanwhile (workers choosing the first one would all collide)."""
        for _ in range(5):
            offer = await self.step("plate offer", self.client.plate_offer(who, app))
            plate = offer["reserved"] or random.choice(offer["free"])
            reply = await self.step("plate", self.client.choose_plate(who, app, plate))
            if reply.status_code == 409 and reply.json().get("code") == "PLATE_ALREADY_TAKEN":
                self.figures.plates_taken += 1
                continue
            return expect(checked(reply), "V17_AWAITING_PAYMENT")
        raise FlowError("V16: five free numbers in a row were taken")


def checked(reply: httpx.Response) -> Json:
    found: Json = answer(reply, 200, 201)
    return found


# --- CPU: where the time goes -------------------------------------------------------------

MACHINE = "machine, all processes"


def cpu_seconds(database: str = "") -> dict[str, float]:
    """CPU time so far, from /proc: this process (the load), each service and the hello server
    (our children, by command line), the PostgreSQL backends of `database`'s databases (a
    backend's command line names its database) and the server's shared processes, RabbitMQ
    (the whole broker), and the machine's total, so that other work on it shows."""
    used: dict[str, float] = defaultdict(float)
    me = os.getpid()
    for process in processes():
        command, argv, seconds = process.command, process.argv, process.cpu_seconds
        if process.pid == me:
            used["load generator (this process)"] += seconds
        elif process.parent == me and process.serves:
            used[process.serves] += seconds
        elif process.parent == me and b"--multiprocessing-fork" in argv:
            used["hello server"] += seconds
        elif command == "postgres" and database and database.encode() in argv[0]:
            used["PostgreSQL, our databases"] += seconds
        elif command == "postgres" and b"postgres: postgres " not in argv[0]:
            used["PostgreSQL, shared processes"] += seconds
        elif command in ("beam.smp", "erl_child_setup", "epmd"):
            used["RabbitMQ"] += seconds
    # user nice system idle iowait irq softirq steal: all but idle and iowait is busy.
    ticks = [int(t) for t in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    used[MACHINE] = (sum(ticks) - ticks[3] - ticks[4]) / TICK
    return used


def cpu_used(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {name: after[name] - before.get(name, 0.0) for name in after}


# --- the bus ------------------------------------------------------------------------------


def bus_settings(concurrency: int) -> dict[str, dict[str, Any]]:
    return {
        "registration_service": {"auto_decision": True},
        "number_bank": {"max_reservations_per_person": max(2, concurrency)},
    }


# --- the yardstick ------------------------------------------------------------------------


def serve_hello(port: int) -> None:
    """The trivial FastAPI endpoint, served as `egov serve` serves a service."""
    import uvicorn
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/hello")
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        log_config=None,
        loop="uvloop",
        http="httptools",
        access_log=False,
    )


@contextlib.asynccontextmanager
async def hello_server(http: httpx.AsyncClient, concurrency: int) -> AsyncIterator[str]:
    """GET /hello's URL, served by its own process (idle while the bus works), the client's
    pool and the server warmed up."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = multiprocessing.get_context("spawn").Process(target=serve_hello, args=(port,))
    server.start()
    url = f"http://127.0.0.1:{port}/hello"
    try:
        for _ in range(200):
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get(url)).status_code == 200:
                    break
            await asyncio.sleep(0.05)
        await _hammer(http, url, 1.0, concurrency)
        yield url
    finally:
        server.terminate()
        server.join(10)


async def quiet(database: str, most: float = 0.15, within: float = 30.0) -> float:
    """Seconds waited (at most `within`) until the bus is all but idle (its processes, the
    broker and PostgreSQL below `most` of a core over a second): what its work leaves running
    after it — PostgreSQL's autovacuum of the rows just written, the broker's and the
    services' after-work — is not hello's to carry."""

    def busy() -> float:
        return sum(v for name, v in cpu_seconds(database).items() if name != MACHINE)

    started = time.perf_counter()
    while time.perf_counter() - started < within:
        before = busy()
        await asyncio.sleep(1.0)
        if busy() - before < most:
            break
    return time.perf_counter() - started


@dataclass
class Hello:
    """GET /hello's rounds: their rates, and the CPU the client, the server and the machine
    spent in them."""

    rounds: list[float] = field(default_factory=list)
    seconds: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)

    async def rounds_of(
        self, http: httpx.AsyncClient, url: str, seconds: float, concurrency: int, count: int
    ) -> None:
        """`count` rounds after one not counted: the first round after the bus's work ran
        10–30 % slower than the next in 27 of 28 pairs, the bus quiet or not."""
        await _hammer(http, url, seconds, concurrency)
        for _ in range(count):
            await self._round(http, url, seconds, concurrency)

    async def _round(
        self, http: httpx.AsyncClient, url: str, seconds: float, concurrency: int
    ) -> None:
        before, started = cpu_seconds(), time.perf_counter()
        count = await _hammer(http, url, seconds, concurrency)
        elapsed = time.perf_counter() - started
        used = cpu_used(before, cpu_seconds())
        self.rounds.append(count / elapsed)
        self.seconds += elapsed
        for name in ("load generator (this process)", "hello server", MACHINE):
            self.cpu[name] = self.cpu.get(name, 0.0) + used.get(name, 0.0)

    @property
    def rate(self) -> float:
        """The mean of the rounds, half of them taken just before the registrations and half
        just after: a yardstick from the same stretch of time as the registrations' own
        rate, which is their run's average (this host's speed drifts by a third within
        minutes, and a best round against an average would count the drift as the bus's)."""
        return sum(self.rounds) / len(self.rounds) if self.rounds else 0.0


async def _hammer(http: httpx.AsyncClient, url: str, seconds: float, concurrency: int) -> int:
    deadline, count = time.perf_counter() + seconds, 0

    async def worker() -> None:
        nonlocal count
        while time.perf_counter() < deadline:
            (await http.get(url)).raise_for_status()
            count += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return count


# --- the run ------------------------------------------------------------------------------


Counts = dict[tuple[str, str], float]
"""Requests answered, by service and route ("GET /cabinet/applications/{application_id}")."""


async def bus_requests(http: httpx.AsyncClient, plan: BusPlan) -> Counts:
    """Every service's own count of the HTTP requests it has answered (the kit's
    `egov_http_requests_total` on its /metrics): whoever sent them — this process, a state
    service calling the gateway, the gateway calling a registry — each request is counted
    once, by the service that answered it. The benchmark's own reads of /metrics are left out."""
    counts: Counts = defaultdict(float)

    async def read(service: str) -> None:
        reply = await http.get(f"{plan.url(service)}/metrics")
        reply.raise_for_status()
        for family in text_string_to_metric_families(reply.text):
            if family.name != "egov_http_requests":
                continue
            for sample in family.samples:
                route = sample.labels["route"]
                if sample.name.endswith("_total") and route != "/metrics":
                    counts[service, f"{sample.labels['method']} {route}"] += sample.value

    await asyncio.gather(*(read(s.name) for s in plan.services))
    return counts


def counted_since(before: Counts, after: Counts) -> Counts:
    return {key: n - before.get(key, 0.0) for key, n in after.items() if n > before.get(key, 0.0)}


async def gateway_hops(http: httpx.AsyncClient, plan: BusPlan) -> int:
    reply = await http.get(f"{plan.url('gateway')}/admin/operational", headers=ADMIN)
    reply.raise_for_status()
    return sum(int(service["count"]) for service in reply.json())


async def bounded(limit: int, calls: list[Awaitable[T]]) -> list[T]:
    gate = asyncio.Semaphore(limit)

    async def one(call: Awaitable[T]) -> T:
        async with gate:
            return await call

    return await asyncio.gather(*(one(call) for call in calls))


async def sign_in_all(client: VinClient, buyers: list[Buyer]) -> None:
    """Every token a worker will use, before the clock starts: a login is setup, not a step."""
    await client.token(DEALER)
    for someone in buyers:
        await client.token(someone.persona)
        await client.token(someone.worker, FRONTOFFICE)


def http_client() -> httpx.AsyncClient:
    """The client of one simulated user (and of hello): httpcore looks over every connection
    of its pool on each request, so one pool shared by all the users would cost the load
    generator time for each other user's connections, and leave them in hello's pool too."""
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    return async_client(timeout=60, limits=limits)


async def first_client(http: httpx.AsyncClient, plan: BusPlan, buyers: list[Buyer]) -> VinClient:
    """A signed-in client once the frozen clock has reached the services over the bus: until
    then V1 refuses PILOT_NOT_ACTIVE, and a token may be judged by the real time."""
    for _ in range(50):
        client = VinClient(plan.url, http)
        try:
            await sign_in_all(client, buyers)
            expect(await client.start(DEALER), "V2_AWAITING_VIN")
            return client
        except (FlowError, httpx.HTTPStatusError):
            await asyncio.sleep(0.1)
    raise RuntimeError("the services did not take the frozen clock within 5 s")


@dataclass
class Run:
    figures: Figures
    seconds: float
    requests: int
    hops: int
    bus: Counts
    """The requests every service answered during the timed run."""
    cpu: dict[str, float]
    hello: Hello
    log: Path


async def drive(
    clients: list[VinClient], jobs: list[tuple[str, Buyer]], pickup: bool
) -> tuple[Figures, float]:
    """The jobs, each client running one registration after another."""
    figures = Figures()
    queue: asyncio.Queue[tuple[str, Buyer]] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)

    async def worker(client: VinClient) -> None:
        while not queue.empty():
            vin, someone = queue.get_nowait()
            registration = Registration(client, figures)
            before = client.requests
            try:
                await registration.run(vin, someone, pickup)
                figures.completed.append(client.requests - before)
            except (FlowError, httpx.HTTPError) as exc:
                text = f"{registration.current}: {exc}"
                figures.failures.append(f"{vin} ({someone.persona}) at {text}"[:300])

    started = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in clients))
    return figures, time.perf_counter() - started


async def run(args: argparse.Namespace) -> Run:
    buyers = [buyer(key) for key in args.buyers.split(",")]
    # Ctrl-C or a kill ends the run through the context managers below, so the services stop
    # and their databases and virtual host are removed rather than left behind.
    main, loop = asyncio.current_task(), asyncio.get_running_loop()
    assert main is not None
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, main.cancel)
    log = Path(tempfile.mkdtemp(prefix="egovbench-")) / "services.log"
    async with (
        fresh_backends() as (database_url, amqp_url),
        running_bus(database_url, amqp_url, log, bus_settings(args.concurrency)) as plan,
        http_client() as http,
        contextlib.AsyncExitStack() as users,
        http_client() as fresh,
        hello_server(fresh, args.concurrency) as hello_url,
    ):
        progress(f"bus ready, log in {log}")
        await freeze_clock(http, plan, PILOT_DAY)
        pools = [await users.enter_async_context(http_client()) for _ in range(args.concurrency)]
        clients = [await first_client(pools[0], plan, buyers)]
        clients += [VinClient(plan.url, pool) for pool in pools[1:]]
        await asyncio.gather(*(sign_in_all(c, buyers) for c in clients[1:]))

        total = args.registrations + args.warmup
        assigned = [buyers[i % len(buyers)] for i in range(total)]
        minter = VinClient(plan.url, http)
        vins = await bounded(
            args.concurrency, [minter.new_vehicle(SELLER, b.persona) for b in assigned]
        )
        progress(f"{len(vins)} vehicles minted; warming up")
        jobs = list(zip(vins, assigned, strict=True))
        # Warm the services' pools and caches (keys, registry, prepared statements) first.
        await drive(clients[: args.warmup], jobs[: args.warmup], args.pickup)

        hello = Hello()
        database = make_url(database_url).database or ""
        waited = await quiet(database)
        progress(f"timing GET /hello (after {waited:.0f} s for the bus to go quiet)")
        await hello.rounds_of(
            fresh, hello_url, args.hello_seconds, args.concurrency, args.hello_rounds // 2
        )

        requests, hops = sum(c.requests for c in clients), await gateway_hops(http, plan)
        answered = await bus_requests(http, plan)
        cpu = cpu_seconds(database)
        progress(f"timing {args.registrations} registrations")
        figures, seconds = await drive(clients, jobs[args.warmup :], args.pickup)
        requests = sum(c.requests for c in clients) - requests
        # The counters first: the read of the gateway's figures is not the registrations' work.
        answered = counted_since(answered, await bus_requests(http, plan))
        hops = await gateway_hops(http, plan) - hops
        cpu = cpu_used(cpu, cpu_seconds(database))
        waited = await quiet(database)
        progress(f"timing GET /hello again (after {waited:.0f} s for the bus to go quiet)")
        await hello.rounds_of(
            fresh,
            hello_url,
            args.hello_seconds,
            args.concurrency,
            args.hello_rounds - args.hello_rounds // 2,
        )
    return Run(figures, seconds, requests, hops, answered, cpu, hello, log)


def report(args: argparse.Namespace, run: Run) -> None:
    figures, done = run.figures, len(run.figures.completed)
    end = "COMPLETED (ЦОН hand-over included)" if args.pickup else "V20_READY_FOR_PICKUP"
    print(
        f"bus: {len(SERVICES)} services, one process each, PostgreSQL + RabbitMQ; "
        f"auto-decision on; clock frozen at {PILOT_DAY}; {os.cpu_count()} cores"
    )
    print(
        f"{args.registrations} registrations (after {args.warmup} to warm up), concurrency "
        f"{args.concurrency}, buyers {args.buyers}; timed from dealer start to {end}\n"
    )
    rate = done / run.seconds if run.seconds else 0.0
    print(f"registrations/s: {rate:.2f} ({done} done in {run.seconds:.1f} s)")
    print(f"failed: {len(figures.failures)}")
    for failure in figures.failures[:10]:
        print(f"  {failure}")
    if figures.plates_taken:
        print(f"free numbers taken by another buyer before the choice: {figures.plates_taken}")

    print(f"\n{'step':<26}{'n':>5}{'p50 ms':>10}{'p99 ms':>10}{'req/step':>10}")
    for name, ids in STEPS.items():
        values = figures.latencies_ms.get(name, [])
        if values:
            requests = figures.requests.get(name)
            print(
                f"{f'{name} {ids}':<26}{len(values):>5}{percentile(values, 0.5):>10.1f}"
                f"{percentile(values, 0.99):>10.1f}"
                f"{'' if requests is None else f'{requests / len(values):.1f}':>10}"
            )
    attempted = max(done + len(figures.failures), 1)
    per_registration = sum(figures.completed) / done if done else 0.0
    polls = figures.polls / done if done else 0.0
    print(
        f"\nHTTP requests per registration (client side, completed ones): {per_registration:.1f}"
        f", of them {polls:.1f} polls (asking again whether the bus has moved on)"
    )
    print(
        f"all client requests in the timed run: {run.requests} ({run.requests / attempted:.1f}"
        " per registration attempted)"
    )
    print(f"gateway hops per registration (operational data): {run.hops / attempted:.1f}")
    in_all = sum(run.bus.values()) / attempted
    print(
        f"HTTP requests per registration in all, across the bus (each service's count of the "
        f"requests it answered ÷ registrations attempted): {in_all:.1f}"
    )
    by_service: dict[str, float] = defaultdict(float)
    for (service, _), n in run.bus.items():
        by_service[service] += n
    for service, n in sorted(by_service.items(), key=lambda item: -item[1]):
        routes = sorted(
            ((route, m) for (s, route), m in run.bus.items() if s == service),
            key=lambda item: -item[1],
        )
        print(f"  {service:<22}{n / attempted:>6.1f}")
        for route, m in routes:
            print(f"      {m / attempted:>5.2f}  {route}")

    cores = os.cpu_count() or 1
    print(f"\nCPU during the timed run ({run.seconds:.1f} s, {cores} cores):")
    ours = {name: seconds for name, seconds in run.cpu.items() if name != MACHINE}
    for name, seconds in sorted(ours.items(), key=lambda item: -item[1]):
        if seconds >= 0.05:
            print(
                f"  {name:<32}{seconds:>7.1f} s {seconds / run.seconds:>6.0%} of a core"
                f"{seconds / max(done, 1) * 1000:>8.0f} ms/registration"
            )
    machine = run.cpu.get(MACHINE, 0.0)
    others = machine - sum(ours.values())
    print(f"  {'all of the above':<32}{sum(ours.values()):>7.1f} s")
    print(f"  {'other work on the machine':<32}{others:>7.1f} s (kernel, other users' runs)")
    print(
        f"  machine busy {machine / run.seconds / cores:.0%} of {cores} cores"
        " (a service is one process, one event loop: at most 100 % of a core each)"
    )

    hello = run.hello
    hello_cpu = ", ".join(
        f"{k} {v / hello.seconds:.0%} of a core" for k, v in hello.cpu.items() if hello.seconds
    ).replace(MACHINE, "whole machine")
    before = len(hello.rounds) // 2
    rounds = (
        f"{' / '.join(f'{r:.0f}' for r in hello.rounds[:before])} before the registrations, "
        f"{' / '.join(f'{r:.0f}' for r in hello.rounds[before:])} after"
    )
    print(
        f"\nhello (FastAPI GET /hello, own uvicorn process, a fresh httpx client, "
        f"{args.concurrency} at once): {hello.rate:.0f} req/s, the mean of {rounds} "
        f"({hello_cpu})"
    )
    client_ratio = rate * per_registration / hello.rate if hello.rate else 0.0
    print(
        f"(client side only: {rate:.2f} reg/s × {per_registration:.1f} req/reg ÷ "
        f"{hello.rate:.0f} hello req/s = {client_ratio:.1%})"
    )
    best = max(hello.rounds, default=0.0)
    against_best = rate * in_all / best if best else 0.0
    print(f"(against hello's best round, {best:.0f} req/s: {against_best:.1%})")
    ratio = rate * in_all / hello.rate if hello.rate else 0.0
    verdict = "PASS" if ratio >= 0.40 else "FAIL"
    print(
        f"ratio: {rate:.2f} reg/s × {in_all:.1f} req/reg in all ÷ {hello.rate:.0f} hello "
        f"req/s = {ratio:.1%} (target ≥ 40 %): {verdict}"
    )
    print(f"service log: {run.log} ({errors_in(run.log)} warning/error lines)")


def errors_in(log: Path) -> int:
    text = log.read_text(errors="replace") if log.exists() else ""
    return len(re.findall(r"(?im)^.*(warning|error|traceback).*$", text))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("-n", "--registrations", type=int, default=200)
    parser.add_argument("-c", "--concurrency", type=int, default=12)
    parser.add_argument("--warmup", type=int, default=3, help="registrations before timing")
    parser.add_argument(
        "--no-pickup",
        dest="pickup",
        action="store_false",
        help="stop at V20_READY_FOR_PICKUP (default: hand over at the ЦОН, wait for COMPLETED)",
    )
    parser.add_argument(
        "--buyers",
        default=",".join(BUYERS),
        help="catalogue persons who buy, in turn (alive, no fines, nothing reserved in БМГ)",
    )
    parser.add_argument("--hello-seconds", type=float, default=5.0, help="one round of hello")
    parser.add_argument(
        "--hello-rounds",
        type=int,
        default=4,
        help="hello's rate is their mean; half are run before the registrations, half after",
    )
    args = parser.parse_args()
    import uvloop

    try:
        outcome = uvloop.run(run(args))
    except asyncio.CancelledError:
        sys.exit("interrupted: the bus is stopped and its databases and vhost are removed")
    report(args, outcome)


if __name__ == "__main__":
    main()
