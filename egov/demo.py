"""What `egov demo` plays its processes with: a branch (a story its people play against a bus
that is already running, `egov up`), the lines a branch reports (each step with its step ID),
the bus clock a demo stops inside its pilot and puts back, and the run of branches one after
another. The processes are `egov.vin_demo` and `egov.machinery_demo`; the CLI prints the lines.

Every branch checks what the service must answer: the state, or the exact refusal code and its
step. What goes otherwise is the branch's failure, not an error, and the next branch still runs.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, Literal, Protocol, TypeVar

import httpx

from egov.flow_client import FlowClient, FlowError, Json, answer
from servicekit.clock import ALMATY
from servicekit.topology import SERVICES

WAIT_SECONDS = 20.0
"""How long a demo waits for what crosses the bus (the police desk, printing, the ЦОН, SMS)."""
READY_SECONDS = 10.0
"""How long a demo waits for a bus that answers but is not all ready."""

Kind = Literal["done", "refused", "note"]


@dataclass(frozen=True, slots=True)
class Line:
    """One reported step: `step` is V1…V22 or M3…M17, or "·" for what the demo itself does."""

    step: str
    actor: str
    action: str
    outcome: str
    kind: Kind = "done"
    """done: the step went as expected; refused: the expected refusal; note: the demo's own."""


@dataclass(frozen=True, slots=True)
class Outcome:
    branch: str
    failure: str | None
    """What did not happen as expected; None when everything did."""
    seconds: float

    @property
    def ok(self) -> bool:
        return self.failure is None


class Reporter(Protocol):
    def begin(self, branch: Branch[Any]) -> None: ...

    def line(self, line: Line) -> None: ...

    def end(self, outcome: Outcome) -> None: ...


class NoBus(Exception):
    """The bus does not answer, or not all of it is ready."""


D = TypeVar("D")


@dataclass(frozen=True, slots=True)
class Branch(Generic[D]):
    """A story a demo plays on its demo object (a `Demo` of its process)."""

    name: str
    step: str
    summary: str
    play: Callable[[D], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Pilot:
    """The days a process is given on, and the one its demo stops the bus clock on when today
    is not one of them."""

    start: date
    end: date
    day: datetime


C = TypeVar("C", bound=FlowClient)


class Demo(Generic[C]):
    """The people of one run (through the process's flow client, `C`), the testers' admin
    APIs, the bus clock and the report."""

    def __init__(self, flow: C, reporter: Reporter) -> None:
        self.flow, self.reporter = flow, reporter
        self.clock = BusClock(flow.http, flow.url, flow.admin, self.note)
        self.quiet = False
        """Set while a branch prepares what it needs with steps already shown elsewhere."""

    def say(self, step: str, actor: str, action: str, outcome: str, kind: Kind = "done") -> None:
        if not self.quiet or kind == "note":
            self.reporter.line(Line(step, actor, action, outcome, kind))

    def note(self, actor: str, action: str, outcome: str = "") -> None:
        self.say("·", actor, action, outcome, "note")

    async def admin(self, service: str, method: str, path: str, json: Any = None) -> Any:
        reply = await self.flow.http.request(
            method, self.flow.url(service) + path, json=json, headers=self.flow.admin
        )
        return answered(reply)


P = TypeVar("P", bound=Demo[Any])


async def play_branches(
    demo: P, branches: Mapping[str, Branch[P]], names: Sequence[str], pilot: Pilot
) -> list[Outcome]:
    """Play `names` (of `branches`) one after another, inside the pilot.

    Raises NoBus when the bus is not there; a branch that goes wrong is an Outcome with its
    failure, and the next branch still runs. The bus clock is put back at the end.
    """
    await bus_ready(demo.flow.http, demo.flow.url)
    put_back = await demo.clock.inside(pilot.start, pilot.end, pilot.day)
    try:
        return [await play(demo, branches[name], demo.reporter) for name in names]
    finally:
        await put_back()


async def play(demo: D, branch: Branch[D], reporter: Reporter) -> Outcome:
    """Play one branch: what did not go as expected is its outcome's failure, not an error."""
    reporter.begin(branch)
    started = time.monotonic()
    try:
        await branch.play(demo)
    except (FlowError, httpx.HTTPError) as exc:
        failure: str | None = str(exc) or type(exc).__name__
    else:
        failure = None
    outcome = Outcome(branch.name, failure, time.monotonic() - started)
    reporter.end(outcome)
    return outcome


async def bus_ready(
    http: httpx.AsyncClient, url: Callable[[str], str], seconds: float = READY_SECONDS
) -> None:
    """NoBus unless the gateway answers and reports every service ready. A bus that answers
    but is not all ready yet (still starting, or too busy to answer the gateway's probes at
    once) is given `seconds` to get there."""
    gateway = url("gateway")
    deadline = time.monotonic() + seconds
    while True:
        try:
            report = (await http.get(f"{gateway}/health", timeout=5)).json()
        except (httpx.HTTPError, ValueError) as exc:
            raise NoBus(f"no bus answers at {gateway} ({exc}): start it with `egov up`") from None
        services = report.get("services", [])
        waiting = [s["name"] for s in services if s.get("status") != "ready"]
        if not waiting:
            return
        if time.monotonic() > deadline:
            raise NoBus(f"the bus at {gateway} is not ready: {', '.join(waiting)}")
        await asyncio.sleep(0.5)


class BusClock:
    """The bus clock as a demo moves it: through the gateway's admin API, waiting until every
    service follows, and put back as it was at the end."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        url: Callable[[str], str],
        admin: dict[str, str],
        note: Callable[[str, str, str], None],
    ) -> None:
        self.http, self.url, self.admin, self.note = http, url, admin, note

    async def _admin(self, method: str, path: str, json: Any = None) -> Json:
        reply = await self.http.request(
            method, self.url("gateway") + path, json=json, headers=self.admin
        )
        found: Json = answered(reply)
        return found

    async def freeze(self, at: datetime) -> None:
        await self._admin("POST", "/admin/clock/freeze", {"at": at.isoformat()})
        await self._followed(at)

    async def inside(self, start: date, end: date, day: datetime) -> Callable[[], Awaitable[None]]:
        """Stop the clock at `day` unless today is within `start`..`end`; returns what puts
        the clock back."""
        before = await self._admin("GET", "/clock")
        today = datetime.fromisoformat(before["localNow"]).date()
        if start <= today <= end:
            self.note("bus clock", f"{today} is inside the pilot ({start}..{end})", "")
            return _nothing
        await self.freeze(day)
        self.note(
            "bus clock",
            f"{today} is outside the pilot ({start}..{end}): frozen at "
            f"{day:%Y-%m-%d %H:%M} Asia/Almaty for the demo",
            "",
        )
        return functools.partial(self._put_back, before)

    async def _put_back(self, before: Json) -> None:
        if before["frozen"]:
            await self._admin("POST", "/admin/clock/freeze", {"at": before["now"]})
        else:
            now = (await self._admin("POST", "/admin/clock/reset"))["now"]
            if before["offsetSeconds"]:
                # A running clock keeps its shift from real time: set it as far from now.
                shifted = datetime.fromisoformat(now).timestamp() + before["offsetSeconds"]
                at = datetime.fromtimestamp(shifted, ALMATY).isoformat()
                await self._admin("POST", "/admin/clock/set", {"at": at})
        self.note("bus clock", "put back", _clock_text(before))

    async def _followed(self, at: datetime) -> None:
        """Services apply the gateway's clock as its message reaches them (at once in one
        process, a moment later through RabbitMQ): wait until each one's /ready tells `at`."""
        deadline = time.monotonic() + WAIT_SECONDS
        for service in SERVICES:
            while True:
                ready = (await self.http.get(f"{self.url(service.name)}/ready")).json()
                if datetime.fromisoformat(ready["now"]) == at:
                    break
                if time.monotonic() > deadline:
                    raise FlowError(f"{service.name} did not follow the bus clock: {ready['now']}")
                await asyncio.sleep(0.05)


def _clock_text(view: Json) -> str:
    if view["frozen"]:
        return f"frozen at {view['localNow']}"
    if view["offsetSeconds"]:
        return f"running, {view['offsetSeconds']:+.0f} s from real time"
    return "real time"


async def _nothing() -> None:
    return None


def answered(reply: httpx.Response) -> Any:
    """The answer of a call that must succeed (200 or 201); FlowError otherwise."""
    return answer(reply, 200, 201)


def expect_problem(reply: httpx.Response, status: int, code: str, step: str) -> Json:
    """The 4xx the step must answer (a problem changes nothing)."""
    body: Json = reply.json() if reply.headers.get("content-type", "").endswith("json") else {}
    if (reply.status_code, body.get("code"), body.get("step")) != (status, code, step):
        raise FlowError(
            f"expected {status} {code} at {step}; {reply.request.method} "
            f"{reply.request.url.path} answered {reply.status_code} {reply.text}"
        )
    return body


def expect_refusal(
    app: Json, code: str, step: str, *, field: str = "status", state: str = "REFUSED"
) -> Json:
    """The kept refusal the step must make: the application's `field` is `state`, its refusal
    has `code` and `step`; the refusal."""
    refusal: Json = app.get("refusal") or {}
    if (app.get(field), refusal.get("code"), refusal.get("step")) != (state, code, step):
        raise FlowError(f"expected {state} {code} at {step}, got {app.get(field)}: {refusal}")
    return refusal


def english(messages: dict[str, str] | None) -> str:
    return (messages or {}).get("en", "")
