"""Fault campaign: does the bus stay consistent when a registry fails at any step, or a service
dies mid-step? Prints what it found, run by run.

Starts the bus as `egov up --database-url … --amqp-url …` does (bench/real_bus.py: one process
per service, fresh databases and a virtual host of its own, removed at the end; the police
desk's auto-decision rule on, the bus clock frozen on a day inside both pilots). Then:

- **Faults.** For every registry each flow calls (V1–V22 through `egov.vin_flow.VinClient`,
  M5–M15 through `egov.machinery_flow.MachineryClient`), every fault kind and every step that
  calls that registry, one registration with the fault active during that step:
  - `timeout`: the gateway holds the call longer than the caller waits (the state services'
    `gateway_timeout_seconds` is set low for the run) and then forwards it, so the registry
    does the work while the caller has given up — the window where effects get lost or doubled;
  - `error`: the gateway answers a 500 fault (a provider's failure, not its verdict);
  - `drop`: the gateway cuts the connection.
  The fault is a gateway fault rule (POST /admin/faults, by serviceId). Steps of a portal
  request carry their run's `X-Test-Run-Id`, which the portal passes on, so those runs go on
  side by side, each with its own rule; the ЦОН does not pass it on and the bus's consumers
  act on no request, so their steps run one at a time with a rule for everyone. A request's
  fault heals after the request's first answer; a consumer's lasts `--outage` seconds (longer
  than the old retry budget of the consumers, about 25 s). Then the registration goes on to
  its end as a patient user would: a "try again" (5xx, a cut connection) is sent again with the
  same Idempotency-Key, a bus step is waited for, within `--patience` seconds per step.
- **kill -9.** For every service, a few registrations at once and the service's process
  killed as one of them enters a step that calls it (drawn at random), then back: `egov up`
  restarts it when the launcher supervises its children; where it does not (it then stops the
  whole bus), this script runs the processes itself, with the same command line, and starts
  the killed one again.
- **Audit.** Through the services' admin and read APIs: plates БМГ issued per VIN and per
  machine (exactly 1 for a completed registration, never 2), paid invoices per application and
  applications per paid invoice (ПШЭП), decisions per application (the police's V19 in the
  cabinet's notifications, the akimat's M10.4 in the SMS centre), messages parked (the broker's
  dead-letter queues, the gateway's dead letters, the services' own lists where they have them)
  and applications stranded in a state only the bus could move them out of.

Prints a table: runs, runs that ended consistent, the counts, and every inconsistent run with
its case. `--quick` runs a handful of cases; `--only SERVICE` the cases of one registry (its
faults) or service (its kill), `--only kills` or `--only faults` one half. Run:

    .venv/bin/python bench/fault_campaign.py [--quick] [--only number_bank] [-c 4]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import inspect
import os
import random
import signal
import sys
import tempfile
import time
import uuid
from abc import ABC, abstractmethod
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

import httpx
import yaml
from real_bus import (
    ADMIN,
    freeze_clock,
    fresh_backends,
    output_to,
    processes,
    progress,
    rabbitmqctl,
    running_bus,
)

from egov import launcher
from egov.flow_client import FRONTOFFICE, PORTAL, FlowError, Json, persona
from egov.launcher import BusPlan, ReadyCallback, wait_ready
from egov.machinery_flow import MachineryClient, applicant, photo, scan_png
from egov.signin import sign_b64
from egov.vin_flow import VinClient
from servicekit.gateway_client import GatewayClient
from servicekit.http_clients import async_client
from servicekit.settings import ServiceSettings
from servicekit.topology import SERVICES

PILOT_DAY = "2025-10-20T10:00:00+05:00"
"""A Monday in working hours inside both pilots (VIN from 2025-10-15, machinery to 2025-12-31)."""
ISSUE_AT = "2025-10-21T11:00:00+05:00"
"""M11: when the machinery documents are handed out (after the frozen day)."""
DEALER, SELLER = "dealer_manager", "dealer_astana_motors"
BUYERS = {
    "buyer": ("ALM-ALMALY", "frontoffice_worker_almaty"),
    "buyer_2": ("ALM-ALMALY", "frontoffice_worker_almaty"),
    "buyer_kostanay": ("KST-KOSTANAY", "frontoffice_worker_kostanay"),
}
"""VIN buyers, each with the ЦОН of their region and its worker (V15, V20–V22)."""
M_APPLICANT, M_OFFICE, M_WORKER, M_OFFICER, M_REGION = (
    "buyer",
    "ALM-ALMALY",
    "frontoffice_worker_almaty",
    "akimat_officer_almaty",
    "02",
)
REGISTRATION, FRONT = "registration_service", "frontoffice_service"

T = TypeVar("T")
Kind = Literal["timeout", "error", "drop"]
KINDS: tuple[Kind, ...] = ("timeout", "error", "drop")

DEADLINE_SETTING = "gateway_timeout_seconds"
"""The state services' wait for a gateway answer, where the kit has it as a setting."""
SHORT_DEADLINE = 3.0


def caller_deadline() -> float:
    """How long the state services wait for the gateway in this run: short where the setting
    exists, else the client's built-in wait."""
    if DEADLINE_SETTING in ServiceSettings.model_fields:
        return SHORT_DEADLINE
    default = inspect.signature(GatewayClient.__init__).parameters["timeout"].default
    return float(default)


# --- the steps and the cases ----------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    flow: Literal["V", "M"]
    name: str
    ids: str
    registries: tuple[str, ...]
    """The gateway services (serviceId) the step calls."""
    sender: str
    isolated: bool = False
    """A portal request: its rule can be the run's own (X-Test-Run-Id), and runs go side by
    side. Otherwise the rule is everyone's and the run goes alone."""
    background: bool = False
    """Done by a consumer after the step before: the fault is set before that step and lasts
    the outage window."""
    passes: tuple[str, ...] = ()
    """Registries the step before also calls once: its call is let through (a one-shot rule
    ahead of the fault), so the fault meets the consumer's call."""


V_STEPS = (
    Step("V", "start", "V1", ("GBDUL_UniversalServiceSync",), REGISTRATION, isolated=True),
    Step(
        "V",
        "vin",
        "V2–V5",
        ("EPTS_PassportByVin", "CUSTOMS_PaymentsByVin", "RECYCLING_FeeByVin"),
        REGISTRATION,
        isolated=True,
    ),
    Step(
        "V",
        "buyer",
        "V6–V8",
        ("GBDFL_UniversalServiceSync", "EDO_SaleContract"),
        REGISTRATION,
        isolated=True,
    ),
    Step("V", "dealer sign", "V9", ("PKI_VerifyCms",), REGISTRATION, isolated=True),
    Step(
        "V",
        "accept",
        "V10–V14",
        ("GBDFL_UniversalServiceSync", "EPTS_PassportByVin", "EDO_SaleContract", "ERAP_FinesByIin"),
        REGISTRATION,
        isolated=True,
    ),
    Step("V", "pickup", "V15", (), REGISTRATION, isolated=True),
    Step(
        "V",
        "plate offer",
        "V16",
        ("BMG_ReservedNumber", "BMG_FreeNumbers"),
        REGISTRATION,
        isolated=True,
    ),
    Step(
        "V",
        "plate",
        "V16–V17",
        ("BMG_ReservedNumber", "BMG_Reserve", "PAYMENTS_CreateInvoice"),
        REGISTRATION,
        isolated=True,
    ),
    Step("V", "pay", "V17 ПШЭП", (), REGISTRATION, isolated=True),
    Step("V", "payment-check", "V17", ("PAYMENTS_InvoiceStatus",), REGISTRATION, isolated=True),
    Step("V", "buyer sign", "V18", ("PKI_VerifyCms",), REGISTRATION, isolated=True),
    Step("V", "decision", "V19", ("BMG_Issue",), REGISTRATION, background=True),
    Step("V", "reception", "V20", ("GBDFL_UniversalServiceSync",), FRONT),
    Step("V", "hand-over", "V21–V22", ("GBDFL_UniversalServiceSync",), FRONT),
)
M_STEPS = (
    Step(
        "M",
        "open",
        "M5–M6.1",
        ("GBDFL_UniversalServiceSync", "GBDFL_BiometricVerification"),
        FRONT,
    ),
    Step("M", "package", "M6.2", (), FRONT),
    Step("M", "fees unpaid", "M6.3", ("PAYMENTS_CheckByPayerPurpose",), FRONT),
    Step(
        "M",
        "fees invoice",
        "M6.3",
        ("PAYMENTS_CheckByPayerPurpose", "PAYMENTS_CreateInvoice"),
        FRONT,
    ),
    Step("M", "fees paid", "M6.3", ("PAYMENTS_CheckByPayerPurpose",), FRONT),
    Step("M", "scans", "M6.4", (), FRONT),
    Step("M", "sign", "M6.5–M9", ("PKI_VerifyCms",), FRONT),
    Step(
        "M",
        "arrival",
        "M3, M10.1–M10.3",
        ("PKI_VerifyCms", "EPSM_PassportByVin", "GBDFL_UniversalServiceSync"),
        FRONT,
        background=True,
        passes=("PKI_VerifyCms",),
    ),
    Step("M", "decision", "M10.4", ("PKI_VerifyCms",), FRONT),
    Step("M", "entry", "M12, M11, M15", ("BMG_PlateStatus", "BMG_Issue"), FRONT),
)
STEPS = {"V": V_STEPS, "M": M_STEPS}


@dataclass(frozen=True)
class Case:
    flow: Literal["V", "M"]
    step: Step | None = None
    registry: str = ""
    kind: Kind | None = None
    killed: str = ""
    """kill -9 of this service (a kill case has no fault)."""

    @property
    def label(self) -> str:
        if self.killed:
            return f"kill -9 {self.killed}"
        assert self.step is not None
        return f"{self.step.ids} {self.step.name} × {self.registry} × {self.kind}"


def fault_cases() -> list[Case]:
    """Every registry × fault kind × step of both flows that calls it."""
    return [
        Case(step.flow, step, registry, kind)
        for steps in STEPS.values()
        for step in steps
        for registry in step.registries
        for kind in KINDS
    ]


QUICK = (
    ("dealer sign", "PKI_VerifyCms", "error"),
    ("plate", "BMG_Reserve", "timeout"),
    ("decision", "BMG_Issue", "drop"),
    ("reception", "GBDFL_UniversalServiceSync", "error"),
    ("fees invoice", "PAYMENTS_CreateInvoice", "drop"),
    ("arrival", "PKI_VerifyCms", "error"),
    ("entry", "BMG_Issue", "timeout"),
)
QUICK_KILLS = ("number_bank",)


def providers() -> dict[str, str]:
    """serviceId → the registry that answers it, from the gateway's registry of interactions."""
    path = Path(__file__).resolve().parents[1] / "gateway" / "registry.yaml"
    document = yaml.safe_load(path.read_text())
    return {entry["serviceId"]: entry["provider"] for entry in document["services"]}


def chosen_cases(quick: bool, only: str | None) -> tuple[list[Case], list[str]]:
    """The fault cases and the services to kill, for the options given."""
    cases, kills = fault_cases(), [s.name for s in SERVICES]
    if quick:
        cases = [c for c in cases if c.step and (c.step.name, c.registry, c.kind) in QUICK]
        kills = list(QUICK_KILLS)
    if only == "kills":
        cases = []
    elif only == "faults":
        kills = []
    elif only:
        owner = providers()
        cases = [c for c in cases if only in (owner.get(c.registry), c.registry)]
        kills = [k for k in kills if k == only]
    return cases, kills


def rule_body(case: Case, late_ms: int) -> Json:
    """The gateway fault rule of a case."""
    assert case.step is not None
    body: Json = {
        "serviceId": case.registry,
        "operation": "SendMessage",
        "senderId": case.step.sender,
    }
    if case.kind == "timeout":
        return {**body, "kind": "latency", "latencyMs": late_ms}
    if case.kind == "error":
        return {**body, "kind": "error", "status": 500, "errorCode": "PROVIDER_ERROR"}
    return {**body, "kind": "drop"}


# --- one registration -----------------------------------------------------------------------


class FlowFailed(Exception):
    """The registration could not go on: the step and what came back."""


class TryAgain(FlowFailed):
    """A 5xx: the service (or a registry behind it) is away for now."""


@dataclass
class Run:
    case: Case
    flow: Literal["V", "M"]
    subject: str = ""
    """The VIN of the vehicle, or of the machine."""
    app_id: str = ""
    number: str = ""
    current: str = ""
    end: str = ""
    """The application's state when the run stopped driving it."""
    failure: str = ""
    seen: list[str] = field(default_factory=list)
    """Every answer on the way that was not a success, in order."""
    seconds: float = 0.0
    fired: int = 0
    """Calls the case's fault met: a fault that met none tried nothing."""
    problems: list[str] = field(default_factory=list)
    """What the audit found wrong with this run."""

    @property
    def expected_end(self) -> str:
        return "COMPLETED" if self.flow == "V" else "ISSUED"

    @property
    def consistent(self) -> bool:
        return not self.problems


@dataclass
class Settings:
    deadline: float
    outage: float
    patience: float

    @property
    def late_ms(self) -> int:
        """A fault's delay: past the caller's deadline, so the registry answers a gone caller."""
        return int((self.deadline + 1.5) * 1000)


class Fault:
    """A case's fault rule at the gateway: set, and healed once."""

    def __init__(self, http: httpx.AsyncClient, gateway: str, case: Case, run_id: str) -> None:
        assert case.step is not None
        self.http, self.gateway, self.case = http, gateway, case
        self.headers = {**ADMIN, **({"X-Test-Run-Id": run_id} if case.step.isolated else {})}
        self.rules: list[str] = []
        self.fired = 0
        """Calls the fault met before it healed."""

    async def set(self, late_ms: int) -> None:
        assert self.case.step is not None
        for registry in self.case.step.passes:
            if registry == self.case.registry:
                # One call let through, ahead of the fault: the oldest matching rule wins.
                await self._add(
                    {
                        "serviceId": registry,
                        "operation": "SendMessage",
                        "kind": "latency",
                        "latencyMs": 1,
                        "count": 1,
                    }
                )
        await self._add(rule_body(self.case, late_ms))

    async def _add(self, body: Json) -> None:
        reply = await self.http.post(
            f"{self.gateway}/admin/faults", json=body, headers=self.headers
        )
        reply.raise_for_status()
        self.rules.append(reply.json()["id"])

    async def heal(self) -> None:
        if self.rules:
            with contextlib.suppress(httpx.HTTPError):
                reply = await self.http.get(f"{self.gateway}/admin/faults", headers=self.headers)
                fault = self.rules[-1]
                self.fired += sum(r["fired"] for r in reply.json() if r["id"] == fault)
        while self.rules:
            rule = self.rules.pop()
            # A rule with a count may be gone already, and a restarted gateway forgot them all.
            with contextlib.suppress(httpx.HTTPError):
                await self.http.delete(f"{self.gateway}/admin/faults/{rule}", headers=self.headers)


class Driver(ABC):
    """One registration driven to its end as patient people would drive it."""

    def __init__(
        self,
        run: Run,
        url: Callable[[str], str],
        http: httpx.AsyncClient,
        settings: Settings,
    ) -> None:
        self.run, self.url, self.http, self.settings = run, url, http, settings
        self.fault: Fault | None = None
        self.healer: asyncio.Task[None] | None = None

    async def drive(self, steps: tuple[Step, ...]) -> None:
        case, started = self.run.case, time.monotonic()
        try:
            for index, step in enumerate(steps):
                self.run.current = f"{step.ids} {step.name}"
                ahead = steps[index + 1] if index + 1 < len(steps) else None
                if case.step == step and not step.background:
                    await self._arm()
                if case.step is not None and case.step == ahead and ahead.background:
                    # A consumer's step follows this one: the fault is there when it runs.
                    await self._arm()
                    self.healer = asyncio.create_task(self._heal_after(self.settings.outage))
                await self.step(step.name)
                if self.healer is None:
                    await self.heal()
        except FlowFailed as exc:
            self.run.failure = f"{self.run.current}: {exc}"[:400]
        except (httpx.HTTPError, FlowError, KeyError, ValueError) as exc:
            self.run.failure = f"{self.run.current}: {type(exc).__name__} {exc}"[:400]
        finally:
            if self.healer is not None:
                self.healer.cancel()
            await self.heal()
            self.run.fired = self.fault.fired if self.fault is not None else 0
            self.run.seconds = time.monotonic() - started
            self.run.end = await self.state()

    @abstractmethod
    async def step(self, name: str) -> None:
        """Play the flow's step `name` as its person would."""

    @abstractmethod
    async def state(self) -> str:
        """Where the registration stands now, as its service says."""

    async def _arm(self) -> None:
        self.fault = Fault(self.http, self.url("gateway"), self.run.case, self.run_id)
        await self.fault.set(self.settings.late_ms)

    async def _heal_after(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        await self.heal()

    async def heal(self) -> None:
        if self.fault is not None:
            await self.fault.heal()

    @property
    def run_id(self) -> str:
        return f"campaign-{id(self.run):x}"

    async def patient(
        self, what: str, send: Callable[[], Awaitable[httpx.Response]]
    ) -> httpx.Response:
        """The first answer that is not a "try again", asking again (the caller keeps the
        request, its Idempotency-Key included) after a 5xx or a cut connection. A request's
        own fault heals after its first answer: the person tries again later."""
        deadline, pause = time.monotonic() + self.settings.patience, 0.2
        while True:
            try:
                reply = await send()
            except httpx.HTTPError as exc:
                # A cut connection, or a service away (the sign-in on the way included).
                self.run.seen.append(f"{what}: {type(exc).__name__}")
            else:
                if reply.status_code < 500:
                    return reply
                self.run.seen.append(f"{what}: {reply.status_code} {_code(reply)}")
            if self.healer is None:
                await self.heal()
            if time.monotonic() > deadline:
                raise FlowFailed(f"{what}: still failing after {self.settings.patience:.0f} s")
            await asyncio.sleep(pause)
            pause = min(pause * 2, 2.0)

    async def pay(self, invoice: str, what: str) -> None:
        """The applicant pays the invoice on ПШЭП's page (one key for every try)."""
        key = str(uuid.uuid4())

        async def pay() -> httpx.Response:
            return await self.http.post(
                f"{self.url('payments')}/payments/invoices/{invoice}/pay",
                json={"method": "CARD"},
                headers={"Idempotency-Key": key},
            )

        ok(await self.patient(what, pay))

    async def until(
        self, what: str, look: Callable[[], Awaitable[str | None]], seconds: float
    ) -> str:
        """Wait for the bus: `look()` until it gives a value, within `seconds`."""
        deadline, pause = time.monotonic() + seconds, 0.1
        while True:
            try:
                found = await look()
            except (httpx.TransportError, TryAgain) as exc:
                self.run.seen.append(f"{what}: {exc or type(exc).__name__}")
            else:
                if found is not None:
                    return found
            if time.monotonic() > deadline:
                raise FlowFailed(f"{what}: not within {seconds:.0f} s")
            await asyncio.sleep(pause)
            pause = min(pause * 2, 1.0)


async def persistently(call: Callable[[], Awaitable[T]], patience: float) -> T:
    """What a tester's look-up through a registry's admin API gives, asked again while the
    registry is away (a kill may land on it): set-up around the flow, not a step of it."""
    deadline = time.monotonic() + patience
    while True:
        try:
            return await call()
        except (httpx.HTTPError, FlowError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(1.0)


def _problem(reply: httpx.Response) -> Json:
    try:
        found = reply.json()
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _code(reply: httpx.Response) -> str:
    return str(_problem(reply).get("code", ""))


def ok(reply: httpx.Response, *statuses: int) -> Any:
    """The JSON of a reply with one of `statuses` (200 unless given), else FlowFailed."""
    if reply.status_code not in (statuses or (200,)):
        detail = _problem(reply).get("title") or reply.text[:200]
        failed = TryAgain if reply.status_code >= 500 else FlowFailed
        raise failed(f"{reply.status_code} {_code(reply)}: {detail}")
    return reply.json()


def state_is(app: Json, wanted: str, key: str = "state") -> Json:
    if app.get(key) != wanted:
        refusal = app.get("refusal") or {}
        why = f" ({refusal.get('step')} {refusal.get('code')})" if refusal else ""
        raise FlowFailed(f"expected {wanted}, got {app.get(key)}{why}")
    return app


class VinDriver(Driver):
    """V1–V22: the dealer, the buyer, the police's auto-decision, the ЦОН."""

    def __init__(self, run: Run, client: VinClient, buyer: str, **kw: Any) -> None:
        super().__init__(run, **kw)
        self.client, self.buyer = client, buyer
        self.iin: str = persona(buyer)["iin"]
        self.centre, self.worker = BUYERS[buyer]
        self.app: Json = {}
        self.plate: str | None = None
        self.ticket: Json = {}

    async def send(
        self,
        who: str,
        method: str,
        path: str,
        body: Any = None,
        *,
        service: str = PORTAL,
        what: str,
    ) -> httpx.Response:
        key = str(uuid.uuid4())
        return await self.patient(
            what, lambda: self.client.call(who, method, path, body, service=service, key=key)
        )

    @property
    def path(self) -> str:
        return f"/applications/{self.app['id']}"

    async def step(self, name: str) -> None:
        await getattr(self, "_" + name.replace(" ", "_").replace("-", "_"))()

    async def state(self) -> str:
        if not self.app:
            return "—"
        with contextlib.suppress(httpx.HTTPError, FlowFailed):
            reply = await self.client.call(self.buyer, "GET", f"/cabinet{self.path}")
            return str(ok(reply)["state"])
        return "?"

    async def _start(self) -> None:
        reply = await self.send(DEALER, "POST", "/dealer/applications", what="V1")
        self.app = state_is(ok(reply, 201, 200), "V2_AWAITING_VIN")
        self.run.app_id, self.run.number = self.app["id"], self.app["number"]

    async def _vin(self) -> None:
        body = {"vin": self.run.subject}
        reply = await self.send(DEALER, "PUT", f"/dealer{self.path}/vin", body, what="V2")
        state_is(ok(reply), "V6_AWAITING_BUYER")

    async def _buyer(self) -> None:
        body = {"iin": self.iin}
        reply = await self.send(DEALER, "PUT", f"/dealer{self.path}/buyer", body, what="V6")
        state_is(ok(reply), "V9_AWAITING_SELLER_SIGNATURE")

    async def _signed(self, who: str, base: str, what: str) -> httpx.Response:
        document = ok(await self.send(who, "GET", f"{base}/document", what=what))
        cms = sign_b64(who, document["document"])
        return await self.send(who, "POST", f"{base}/signature", {"cms": cms}, what=what)

    async def _dealer_sign(self) -> None:
        reply = await self._signed(DEALER, f"/dealer{self.path}", "V9")
        state_is(ok(reply), "V10_AWAITING_BUYER_CONSENT")

    async def _accept(self) -> None:
        reply = await self.send(self.buyer, "POST", f"/cabinet{self.path}/accept", what="V10")
        state_is(ok(reply), "V15_AWAITING_PICKUP_CHOICE")

    async def _pickup(self) -> None:
        body = {"centreId": self.centre, "plateType": "STANDARD"}
        reply = await self.send(self.buyer, "PUT", f"/cabinet{self.path}/pickup", body, what="V15")
        state_is(ok(reply), "V16_AWAITING_PLATE")

    async def _plate_offer(self) -> None:
        offer = ok(await self.send(self.buyer, "GET", f"/cabinet{self.path}/plates", what="V16"))
        self.plate = offer["reserved"] or random.choice(offer["free"])

    async def _plate(self) -> None:
        for _ in range(5):
            body = {"plate": self.plate}
            reply = await self.send(
                self.buyer, "PUT", f"/cabinet{self.path}/plate", body, what="V16"
            )
            if reply.status_code == 409 and _code(reply) == "PLATE_ALREADY_TAKEN":
                await self._plate_offer()
                continue
            self.app = state_is(ok(reply), "V17_AWAITING_PAYMENT")
            return
        raise FlowFailed("V16: five numbers in a row were taken")

    async def _pay(self) -> None:
        await self.pay(self.app["invoice"]["number"], "V17 ПШЭП")

    async def _payment_check(self) -> None:
        path = f"/cabinet{self.path}/payment-check"
        state_is(
            ok(await self.send(self.buyer, "POST", path, what="V17")),
            "V18_AWAITING_BUYER_SIGNATURE",
        )

    async def _buyer_sign(self) -> None:
        reply = await self._signed(self.buyer, f"/cabinet{self.path}", "V18")
        state_is(ok(reply), "V19_AWAITING_DECISION")

    async def _decision(self) -> None:
        """V19 by the auto-decision rule, then the printing centre: both on the bus."""

        async def look() -> str | None:
            state = await self.state()
            return None if state in ("V19_AWAITING_DECISION", "V19_PRINTING", "?") else state

        seconds = self.settings.outage + self.settings.patience
        state = await self.until("V19 the police and the printing centre", look, seconds)
        if state != "V20_READY_FOR_PICKUP":
            raise FlowFailed(f"V19: {state}")

    async def _reception(self) -> None:
        office = f"/offices/{self.centre}"
        listed = f"{office}/pickups?ownerIin={self.iin}&status=READY&limit=500"

        async def look() -> str | None:
            reply = await self.client.call(self.worker, "GET", listed, service=FRONTOFFICE)
            ready = ok(reply)
            return (
                "ready" if any(p["applicationNumber"] == self.run.number for p in ready) else None
            )

        await self.until("V20 the documents at the ЦОН", look, self.settings.patience)
        ask = {
            "kind": "VIN_PICKUP",
            "visitorIin": self.iin,
            "identification": {"kind": "DIGITAL_DOCUMENT"},
        }
        reply = await self.send(
            self.worker, "POST", f"{office}/queue/tickets", ask, service=FRONTOFFICE, what="V20"
        )
        self.ticket = ok(reply, 201, 200)
        path = f"{office}/queue/tickets/{self.ticket['id']}/call"
        ok(
            await self.send(
                self.worker, "POST", path, {"window": 1}, service=FRONTOFFICE, what="V20"
            )
        )

    async def _hand_over(self) -> None:
        body = {
            "ticketId": self.ticket["id"],
            "applicationNumber": self.run.number,
            "visitorIin": self.iin,
            "identification": {"kind": "DIGITAL_DOCUMENT"},
        }
        path = f"/offices/{self.centre}/pickups/hand-over"
        ok(await self.send(self.worker, "POST", path, body, service=FRONTOFFICE, what="V21"))

        async def look() -> str | None:
            state = await self.state()
            return state if state == "COMPLETED" else None

        await self.until("V22 COMPLETED", look, self.settings.patience)


class MachineryDriver(Driver):
    """M5–M15: the worker at the desk, the applicant paying, the akimat's officer."""

    def __init__(self, run: Run, client: MachineryClient, **kw: Any) -> None:
        super().__init__(run, **kw)
        self.client = client
        self.app: Json = {}
        self.invoice = ""

    async def send(
        self, who: str, method: str, path: str, body: Any = None, *, what: str, **kw: Any
    ) -> httpx.Response:
        key = str(uuid.uuid4())
        return await self.patient(
            what, lambda: self.client.call(who, method, path, body, key=key, **kw)
        )

    @property
    def desk(self) -> str:
        return f"/offices/{M_OFFICE}/machinery/applications/{self.run.number}"

    @property
    def provider(self) -> str:
        return f"/provider/machinery/applications/{self.run.number}"

    async def step(self, name: str) -> None:
        await getattr(self, "_" + name.replace(" ", "_"))()

    async def state(self) -> str:
        if not self.run.number:
            return "—"
        with contextlib.suppress(httpx.HTTPError, FlowFailed):
            return str(ok(await self.client.call(M_WORKER, "GET", self.desk))["status"])
        return "?"

    async def _open(self) -> None:
        base = f"/offices/{M_OFFICE}/queue/tickets"
        ticket = ok(
            await self.send(M_WORKER, "POST", base, {"kind": "SUBMISSION"}, what="M5"), 201, 200
        )
        path = f"{base}/{ticket['id']}/call"
        ok(await self.send(M_WORKER, "POST", path, {"window": 2}, what="M5"))
        body = {
            "ticketId": ticket["id"],
            "action": "REGISTRATION",
            "firstRegistration": True,
            "applicant": applicant(M_APPLICANT),
            "phone": "+77015550101",
            "visitor": {
                "iin": persona(M_APPLICANT)["iin"],
                "role": "APPLICANT",
                "identification": {"kind": "DIGITAL_DOCUMENT"},
                "photo": photo(),
            },
            "machine": {"kind": "TRACTOR", "id": self.run.subject},
        }
        reply = await self.send(
            M_WORKER, "POST", f"/offices/{M_OFFICE}/machinery/applications", body, what="M6.1"
        )
        self.app = state_is(ok(reply, 201, 200), "IDENTIFIED", "status")
        self.run.app_id, self.run.number = self.app["id"], self.app["number"]

    async def _package(self) -> None:
        documents = [
            {"code": item["code"], "present": True, "valid": True} for item in self.app["checklist"]
        ]
        reply = await self.send(
            M_WORKER, "PUT", f"{self.desk}/package", {"documents": documents}, what="M6.2"
        )
        self.app = state_is(ok(reply), "PACKAGE_ACCEPTED", "status")

    async def _fees_unpaid(self) -> None:
        reply = await self.send(M_WORKER, "POST", f"{self.desk}/fees/check", what="M6.3")
        if reply.status_code == 200:
            # A payment of the applicant no application counted yet served this one.
            self.app = state_is(ok(reply), "FEES_CONFIRMED", "status")
        elif _code(reply) != "FEES_NOT_PAID":
            ok(reply)

    async def _fees_invoice(self) -> None:
        if self.app["status"] == "FEES_CONFIRMED":
            return
        reply = await self.send(M_WORKER, "POST", f"{self.desk}/fees/invoice", what="M6.3")
        await self.pay(ok(reply, 201, 200)["number"], "M6.3 ПШЭП")

    async def _fees_paid(self) -> None:
        if self.app["status"] == "FEES_CONFIRMED":
            return
        reply = await self.send(M_WORKER, "POST", f"{self.desk}/fees/check", what="M6.3")
        self.app = state_is(ok(reply), "FEES_CONFIRMED", "status")

    async def _scans(self) -> None:
        for document in self.app["package"] or []:
            if not document["present"]:
                continue
            code: str = document["code"]

            def upload(code: str = code) -> Awaitable[httpx.Response]:
                return self.client.upload(M_WORKER, self.app, code, scan_png(1))

            ok(await self.patient("M6.4", upload), 200, 201)

    async def _sign(self) -> None:
        document = ok(await self.send(M_WORKER, "GET", f"{self.desk}/document", what="M6.5"))
        cms = sign_b64(M_WORKER, document["document"])
        reply = await self.send(
            M_WORKER, "POST", f"{self.desk}/signature", {"cms": cms}, what="M6.5"
        )
        state_is(ok(reply), "SENT", "status")

    async def _arrival(self) -> None:
        async def look() -> str | None:
            reply = await self.client.call(M_OFFICER, "GET", self.provider)
            if reply.status_code == 404:
                status = await self.state()
                return None if status in ("SENT", "?") else status
            status = str(ok(reply)["status"])
            return None if status == "SENT" else status

        seconds = self.settings.outage + self.settings.patience
        status = await self.until("M3 the arrival at АРМ ГО", look, seconds)
        if status != "RECEIVED":
            raise FlowFailed(f"M3: {status}")

    async def _decision(self) -> None:
        query = "?approve=true"
        for _ in range(2):
            document = ok(
                await self.send(
                    M_OFFICER, "GET", f"{self.provider}/decision-document{query}", what="M10.4"
                )
            )
            cms = sign_b64(M_OFFICER, document["document"])
            body = {"approve": True, "reason": None, "cms": cms}
            reply = await self.send(
                M_OFFICER, "POST", f"{self.provider}/decision", body, what="M10.4"
            )
            if reply.status_code == 409 and _code(reply) == "MACHINERY_CHECKS_FAILED":
                # The officer runs the checks again once, as the desk offers.
                self.run.seen.append(
                    f"M10.4: 409 MACHINERY_CHECKS_FAILED {reply.json().get('failed')}"
                )
                ok(await self.send(M_OFFICER, "POST", f"{self.provider}/checks", what="M10.1"))
                continue
            state_is(ok(reply), "APPROVED", "status")
            return
        raise FlowFailed("M10.4: the checks still fail")

    async def _entry(self) -> None:
        passport = f"AL 1{self.run.subject[-6:]}"
        for _ in range(3):
            plate = await persistently(
                lambda: self.client.free_plate(M_REGION), self.settings.patience
            )
            body = {
                "machineId": self.run.subject,
                "technicalPassport": passport,
                "plate": plate,
                "issueAt": ISSUE_AT,
            }
            reply = await self.send(M_OFFICER, "POST", f"{self.provider}/entry", body, what="M12")
            if 400 <= reply.status_code < 500 and "PLATE" in _code(reply):
                # The officer types another free number.
                self.run.seen.append(f"M12: {reply.status_code} {_code(reply)}")
                continue
            state_is(ok(reply), "ISSUED", "status")
            return
        raise FlowFailed("M12: three plates refused")


# --- the bus's processes --------------------------------------------------------------------

SUPERVISED = hasattr(launcher, "RestartPolicy")
"""Whether `egov up` restarts a child that exits (else it stops the whole bus)."""
RESTARTER = "egov up" if SUPERVISED else "the campaign (egov up does not)"


def child_pid(name: str) -> int | None:
    """The pid of the service's process (`egov serve NAME`, a child of this process)."""
    for found in processes():
        if found.parent == os.getpid() and found.serves == name:
            return found.pid
    return None


class OwnChildren:
    """The bus's processes run by this script when `egov up` would stop the whole bus at one
    child's exit: the launcher's command line and environment, and a killed child started
    again. Its signature is `egov.launcher.run_processes`'s."""

    def __init__(self) -> None:
        self.plan: BusPlan | None = None
        self.processes: dict[str, asyncio.subprocess.Process] = {}

    async def run(
        self,
        plan: BusPlan,
        stop: asyncio.Event,
        on_ready: ReadyCallback,
        *,
        ready_timeout: float = 60.0,
    ) -> int:
        self.plan, started = plan, time.monotonic()
        for service in plan.services:
            await self.spawn(service.name)
        on_ready(await wait_ready(plan, started, ready_timeout, stop), time.monotonic() - started)
        await stop.wait()
        for process in self.processes.values():
            if process.returncode is None:
                process.terminate()
        waiting = asyncio.gather(*(p.wait() for p in self.processes.values()))
        try:
            await asyncio.wait_for(waiting, 10)
        except TimeoutError:
            for process in self.processes.values():
                if process.returncode is None:
                    process.kill()
            await asyncio.gather(*(p.wait() for p in self.processes.values()))
        return 0

    async def spawn(self, name: str) -> None:
        assert self.plan is not None
        service = next(s for s in self.plan.services if s.name == name)
        self.processes[name] = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "egov",
            "serve",
            name,
            env={**os.environ, **self.plan.environment(service)},
        )


# --- the campaign ---------------------------------------------------------------------------


@dataclass
class Campaign:
    plan: BusPlan
    admin: httpx.AsyncClient
    settings: Settings
    children: OwnChildren | None
    vhost: str
    runs: list[Run] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What the bus did that no single run shows (a clock lost on a restart, a kill's moment)."""

    def client_http(self) -> httpx.AsyncClient:
        # A request may wait for a registry's deadline several times over.
        return async_client(timeout=3 * self.settings.deadline + 30)

    async def vin_run(self, case: Case, buyer: str, client: VinClient) -> Run:
        run = Run(case, "V")
        self.runs.append(run)
        run.subject = await persistently(
            lambda: client.new_vehicle(SELLER, buyer), self.settings.patience
        )
        driver = VinDriver(
            run, client, buyer, url=self.plan.url, http=client.http, settings=self.settings
        )
        client.headers = {"X-Test-Run-Id": driver.run_id}
        await driver.drive(STEPS["V"])
        return run

    async def machinery_run(self, case: Case, client: MachineryClient) -> Run:
        run = Run(case, "M")
        self.runs.append(run)
        run.subject = await persistently(
            lambda: client.new_machine(M_APPLICANT), self.settings.patience
        )
        driver = MachineryDriver(
            run, client, url=self.plan.url, http=client.http, settings=self.settings
        )
        await driver.drive(STEPS["M"])
        return run

    async def faults(self, cases: list[Case], concurrency: int) -> None:
        """The isolated cases side by side, `concurrency` at a time; the others one by one."""
        side_by_side = [c for c in cases if c.step and c.step.isolated]
        alone = [c for c in cases if not (c.step and c.step.isolated)]
        total, done = len(cases), 0
        buyers = list(BUYERS)

        async def one(case: Case, vin: VinClient, machinery: MachineryClient) -> None:
            nonlocal done
            if case.flow == "V":
                run = await self.vin_run(case, buyers[done % len(buyers)], vin)
            else:
                run = await self.machinery_run(case, machinery)
            done += 1
            outcome = "ok" if run.end == run.expected_end else f"ended {run.end}"
            outcome += f", the fault met {run.fired} calls"
            failure = f" — {run.failure}" if run.failure else ""
            progress(f"[{done}/{total}] {case.label}: {outcome} in {run.seconds:.1f} s{failure}")

        queue: asyncio.Queue[Case] = asyncio.Queue()
        for case in side_by_side:
            queue.put_nowait(case)

        async def worker() -> None:
            async with self.client_http() as http:
                vin, machinery = (
                    VinClient(self.plan.url, http),
                    MachineryClient(self.plan.url, http),
                )
                while not queue.empty():
                    await one(queue.get_nowait(), vin, machinery)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        async with self.client_http() as http:
            vin, machinery = VinClient(self.plan.url, http), MachineryClient(self.plan.url, http)
            for case in alone:
                await one(case, vin, machinery)

    async def kills(self, services: list[str], concurrency: int) -> None:
        """For each service: `concurrency` VIN registrations and one machinery registration at
        once, the service killed inside one of their steps, then back."""
        buyers = list(BUYERS)
        for index, name in enumerate(services):
            case_v, case_m = Case("V", killed=name), Case("M", killed=name)
            async with contextlib.AsyncExitStack() as stack:
                https = [
                    await stack.enter_async_context(self.client_http())
                    for _ in range(concurrency + 1)
                ]
                started = time.monotonic()
                runs = [
                    self.vin_run(case_v, buyers[i % len(buyers)], VinClient(self.plan.url, h))
                    for i, h in enumerate(https[:-1])
                ]
                runs.append(self.machinery_run(case_m, MachineryClient(self.plan.url, https[-1])))
                before = len(self.runs)
                killing = asyncio.create_task(self.kill(name, before, concurrency + 1))
                finished = await asyncio.gather(*runs)
                await killing
            bad = [r for r in finished if r.end != r.expected_end]
            progress(
                f"[kill {index + 1}/{len(services)}] {name}: {len(finished) - len(bad)} of "
                f"{len(finished)} registrations ended as expected in "
                f"{time.monotonic() - started:.1f} s"
                + "".join(f"\n    {r.flow} {r.number}: {r.end} — {r.failure}" for r in bad)
            )

    async def kill(self, name: str, first_run: int, count: int) -> None:
        """Kill the service once one of the VIN runs has entered a step drawn at random among
        those that call it (any step for a service no step calls through the gateway), and a
        moment more, to land inside it; then wait for the service to be back."""
        owner = providers()
        calling = [s for s in V_STEPS if any(owner.get(r) == name for r in s.registries)]
        step = random.choice(calling or V_STEPS)
        point = f"{step.ids} {step.name}"
        deadline = time.monotonic() + self.settings.patience
        while time.monotonic() < deadline:
            batch = self.runs[first_run : first_run + count]
            ended = len(batch) == count and all(r.end for r in batch)
            if ended or any(r.current == point for r in batch):
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(random.uniform(0.0, 0.05))  # a step takes 50–300 ms
        at = [f"{r.flow} {r.current}" for r in self.runs[first_run : first_run + count]]
        pid = child_pid(name)
        if pid is None:
            self.notes.append(f"kill -9 {name}: no process found")
            return
        os.kill(pid, signal.SIGKILL)
        self.notes.append(
            f"kill -9 {name} (pid {pid}) aimed at {point}; the runs were at {', '.join(at)}"
        )
        for _ in range(200):  # the kernel reaps it at once; the loop only guards a slow reap
            if child_pid(name) != pid:
                break
            await asyncio.sleep(0.05)
        if self.children is not None:
            await self.children.processes[name].wait()
            await self.children.spawn(name)
        spec = next(s for s in self.plan.services if s.name == name)
        started = time.monotonic()
        (status,) = await wait_ready(_replace_services(self.plan, spec), started, 90)
        back = (
            f"back in {time.monotonic() - started:.1f} s"
            if status.status == "ready"
            else "NOT back"
        )
        by = "egov up restarted it" if self.children is None else "restarted by the campaign"
        self.notes.append(f"  {name} {back} ({by})")
        if name == "gateway":
            await self.clock_kept()

    async def clock_kept(self) -> None:
        """The bus clock after a gateway restart: still frozen where it was, or lost."""
        reply = await self.admin.get(f"{self.plan.url('gateway')}/clock")
        now = str(reply.json()["now"]) if reply.status_code == 200 else str(reply.status_code)
        with contextlib.suppress(ValueError):
            if datetime.fromisoformat(now) == datetime.fromisoformat(PILOT_DAY):
                return
        self.notes.append(
            f"  the bus clock was lost when the gateway restarted: {now} instead of "
            f"{PILOT_DAY}; frozen again for the rest of the campaign"
        )
        await freeze_clock(self.admin, self.plan, PILOT_DAY)


async def clock_reached(plan: BusPlan, http: httpx.AsyncClient) -> None:
    """Once the frozen clock has reached the services over the bus: until then V1 refuses
    PILOT_NOT_ACTIVE (a probe application is left at V2, waiting for its dealer)."""
    client = VinClient(plan.url, http)
    for _ in range(100):
        if (await client.call(DEALER, "POST", "/dealer/applications")).status_code == 201:
            return
        await asyncio.sleep(0.1)
    raise RuntimeError("the services did not take the frozen clock within 10 s")


def _replace_services(plan: BusPlan, *services: Any) -> BusPlan:
    return replace(plan, services=tuple(services))


# --- the audit ------------------------------------------------------------------------------

REGISTERED = {"V19_PRINTING", "V20_READY_FOR_PICKUP", "COMPLETED"}
"""The police approved: БМГ has issued the plate."""
BUS_AWAITED = {"V19_AWAITING_DECISION", "V19_PRINTING", "SENT"}
"""States only the bus moves an application out of (the others wait for a person)."""
DECIDED = {"REGISTRATION_APPROVED", "REGISTRATION_REFUSED"}
INCIDENTS = "/admin/bus/dead-letters"
"""Where a service lists its parked messages, once the kit has that admin API."""


@dataclass
class Audit:
    plates_per_vin: Counter[str] = field(default_factory=Counter)
    plates_per_machine: Counter[str] = field(default_factory=Counter)
    paid_per_application: Counter[str] = field(default_factory=Counter)
    """PAID invoices in ПШЭП by the application they reference (its number)."""
    applications_per_invoice: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    """The applications that took one paid invoice (its receipts) as theirs."""
    decisions: Counter[str] = field(default_factory=Counter)
    """V19 decision notifications by application id, M10.4 decision SMS by number."""
    documents: Counter[str] = field(default_factory=Counter)
    """СРТС and machinery digital documents by application."""
    parked: dict[str, int] = field(default_factory=dict)
    incidents: dict[str, int | None] = field(default_factory=dict)
    foreign_fees: dict[str, str] = field(default_factory=dict)
    """Applications that took as theirs a fee paid on another application's invoice."""
    stranded: Counter[str] = field(default_factory=Counter)
    """Applications of the bus (not only the campaign's runs) in a state only the bus leaves."""


async def paged(fetch: Callable[[str | None], Awaitable[list[Json]]], key: str) -> list[Json]:
    """Every item of a listing read page by page after the last item's `key`."""
    items: list[Json] = []
    after: str | None = None
    while True:
        page = await fetch(after)
        items += page
        if not page:
            return items
        after = str(page[-1][key])


async def audit(campaign: Campaign) -> Audit:
    found = Audit()
    plan, http = campaign.plan, campaign.admin
    vin = VinClient(plan.url, http)
    machinery = MachineryClient(plan.url, http)

    async def plates(after: str | None) -> list[Json]:
        query: Json = {"status": "ISSUED", "limit": 1000, **({"after": after} if after else {})}
        reply = await http.get(
            f"{plan.url('number_bank')}/admin/plates", params=query, headers=ADMIN
        )
        page: list[Json] = ok(reply)
        return page

    for plate in await paged(plates, "plate"):
        if plate.get("vin"):
            found.plates_per_vin[plate["vin"]] += 1
        if plate.get("machineId"):
            found.plates_per_machine[plate["machineId"]] += 1

    invoice_of: dict[str, str] = {}
    payers = {persona(b)["iin"] for b in (*BUYERS, M_APPLICANT)}
    for iin in payers:
        reply = await http.get(
            f"{plan.url('payments')}/admin/invoices", params={"payerIin": iin}, headers=ADMIN
        )
        for invoice in ok(reply):
            invoice_of[invoice["number"]] = invoice.get("reference") or ""
            if invoice["status"] == "PAID":
                found.paid_per_application[invoice.get("reference") or "—"] += 1

    for buyer in BUYERS:
        after = 0
        while True:
            reply = await vin.call(buyer, "GET", f"/cabinet/notifications?after={after}")
            items = ok(reply)
            for notification in items:
                if notification["kind"] in DECIDED:
                    found.decisions[notification["applicationId"]] += 1
            if not items:
                break
            after = items[-1]["id"]
        for document in ok(await vin.call(buyer, "GET", "/cabinet/documents")):
            found.documents[document["applicationId"]] += 1
    reply = await http.get(
        f"{plan.url(FRONTOFFICE)}/sms/messages", params={"phone": "+77015550101"}
    )
    for sms in ok(reply):
        if str(sms.get("reference", "")).startswith("M-"):
            found.decisions[sms["reference"]] += 1
    for document in ok(await machinery.call(M_APPLICANT, "GET", "/digital-documents")):
        found.documents[document["applicationNumber"]] += 1

    offset = 0
    while True:
        reply = await vin.call(DEALER, "GET", f"/dealer/applications?limit=200&offset={offset}")
        items = ok(reply)
        found.stranded.update(a["state"] for a in items if a["state"] in BUS_AWAITED)
        if len(items) < 200:
            break
        offset += 200
    for office, worker in set(BUYERS.values()):
        path = f"/offices/{office}/machinery/applications?limit=500"
        for app in ok(await machinery.call(worker, "GET", path)):
            if app["status"] in BUS_AWAITED:
                found.stranded[app["status"]] += 1
            for fee in app.get("fees") or []:
                found.applications_per_invoice[fee["invoiceNumber"]].add(app["number"])
                owner = invoice_of.get(fee["invoiceNumber"], app["number"])
                if owner != app["number"]:
                    found.foreign_fees[app["number"]] = f"{fee['invoiceNumber']} of {owner}"

    await _parked(campaign, found)
    await _judge_runs(campaign, found, vin, machinery)
    return found


async def _parked(campaign: Campaign, found: Audit) -> None:
    listing = await rabbitmqctl("list_queues", "-p", campaign.vhost, "name", "messages")
    for line in listing.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].endswith(".dlq") and parts[1].isdigit() and int(parts[1]):
            found.parked[parts[0]] = int(parts[1])
    reply = await campaign.admin.get(
        f"{campaign.plan.url('gateway')}/admin/async/dead-letters", headers=ADMIN
    )
    if reply.status_code == 200 and reply.json():
        found.parked["gateway dead letters"] = len(reply.json())
    for service in SERVICES:
        reply = await campaign.admin.get(
            f"{campaign.plan.url(service.name)}{INCIDENTS}",
            params={"limit": 1000},
            headers=ADMIN,
        )
        if reply.status_code == 200:
            found.incidents[service.name] = len(reply.json())


async def _judge_runs(
    campaign: Campaign, found: Audit, vin: VinClient, machinery: MachineryClient
) -> None:
    for run in campaign.runs:
        problems = run.problems
        if run.end != run.expected_end:
            stranded = " (stranded: only the bus could move it)" if run.end in BUS_AWAITED else ""
            problems.append(f"ended {run.end or '—'}{stranded}: {run.failure or 'no error seen'}")
        if any(": 500" in seen for seen in run.seen):
            problems.append("answered 500: " + "; ".join(s for s in run.seen if ": 500" in s))
        if run.flow == "V":
            plates = found.plates_per_vin[run.subject]
            want = 1 if run.end in REGISTERED else 0
            if plates != want:
                problems.append(f"{plates} plates issued for the VIN (БМГ), {want} expected")
            paid = found.paid_per_application[run.number] if run.number else 0
            if paid > 1:
                problems.append(f"{paid} paid invoices for one application (ПШЭП)")
            if found.decisions[run.app_id] > 1:
                problems.append(f"{found.decisions[run.app_id]} police decisions (V19)")
            if found.documents[run.app_id] > 1:
                problems.append(f"{found.documents[run.app_id]} СРТС for one application")
        else:
            plates = found.plates_per_machine[run.subject]
            want = 1 if run.end == "ISSUED" else 0
            if plates != want:
                problems.append(f"{plates} plates issued for the machine (БМГ), {want} expected")
            if found.decisions[run.number] > 1:
                problems.append(f"{found.decisions[run.number]} akimat decisions (M10.4 SMS)")
            if found.documents[run.number] > 1:
                problems.append(f"{found.documents[run.number]} digital documents (M15)")
            if run.number in found.foreign_fees:
                problems.append(f"took the fee invoice {found.foreign_fees[run.number]} (M6.3)")
            shared = [
                invoice
                for invoice, numbers in found.applications_per_invoice.items()
                if run.number in numbers and len(numbers) > 1
            ]
            if shared:
                problems.append(f"shares a paid fee invoice with another application: {shared}")


# --- the report -----------------------------------------------------------------------------


def distribution(counts: Counter[str], keys: list[str]) -> str:
    """How many of `keys` have 0, 1, 2… in `counts`, and the most."""
    spread = Counter(counts[k] for k in keys)
    most = max(spread, default=0)
    return f"max {most}; " + ", ".join(f"{n}: {spread[n]}" for n in sorted(spread))


def report(campaign: Campaign, found: Audit, args: argparse.Namespace, seconds: float) -> None:
    runs = campaign.runs
    settings = campaign.settings
    print(
        f"\nfault campaign: {len(SERVICES)} services, one process each, PostgreSQL + RabbitMQ; "
        f"clock frozen at {PILOT_DAY}; callers wait {settings.deadline:.0f} s for the gateway "
        f"(a timeout holds the call {settings.late_ms / 1000:.1f} s), a consumer's fault lasts "
        f"{settings.outage:.0f} s, a person's patience {settings.patience:.0f} s a step; "
        f"killed services restarted by {RESTARTER}; "
        f"{seconds / 60:.1f} min\n"
    )
    groups: dict[str, list[Run]] = defaultdict(list)
    for run in runs:
        kind = "kill -9" if run.case.killed else f"faults {run.case.kind}"
        groups[f"{'VIN V1–V22' if run.flow == 'V' else 'machinery M5–M15'}, {kind}"].append(run)
    print(f"{'runs':<40}{'total':>7}{'consistent':>12}")
    for name in sorted(groups):
        group = groups[name]
        print(f"{name:<40}{len(group):>7}{sum(r.consistent for r in group):>12}")
    print(f"{'all':<40}{len(runs):>7}{sum(r.consistent for r in runs):>12}\n")
    owner, by_registry = providers(), defaultdict(list)
    for run in runs:
        by_registry[run.case.killed or owner.get(run.case.registry, run.case.registry)].append(run)
    print(
        "by registry faulted or service killed (consistent/total): "
        + ", ".join(
            f"{name} {sum(r.consistent for r in group)}/{len(group)}"
            for name, group in sorted(by_registry.items())
        )
        + "\n"
    )

    vins = [r.subject for r in runs if r.flow == "V"]
    machines = [r.subject for r in runs if r.flow == "M"]
    completed = [r.subject for r in runs if r.flow == "V" and r.end == "COMPLETED"]
    print(
        "plates per VIN (БМГ, issued; ≤1, exactly 1 when completed): "
        + distribution(found.plates_per_vin, vins)
    )
    print(f"  of completed registrations: {distribution(found.plates_per_vin, completed)}")
    print(f"plates per machine (БМГ, issued): {distribution(found.plates_per_machine, machines)}")
    numbers = [r.number for r in runs if r.flow == "V" and r.number]
    print(
        "paid invoices per VIN application (ПШЭП; ≤1): "
        + distribution(found.paid_per_application, numbers)
    )
    taken = Counter({k: len(v) for k, v in found.applications_per_invoice.items()})
    print(
        f"applications per paid fee invoice (ПШЭП, machinery M6.3; ≤1): "
        f"{distribution(taken, list(taken))}"
    )
    ids = [r.app_id for r in runs if r.flow == "V" and r.app_id]
    print(f"decisions per application, police V19 (≤1): {distribution(found.decisions, ids)}")
    m_numbers = [r.number for r in runs if r.flow == "M" and r.number]
    print(
        "decisions per application, akimat M10.4 (SMS; ≤1): "
        + distribution(found.decisions, m_numbers)
    )
    parked = sum(found.parked.values())
    where = ", ".join(f"{q} {n}" for q, n in found.parked.items())
    print(f"messages parked (must be 0 once healed): {parked}" + (f" ({where})" if where else ""))
    if found.incidents:
        print(f"  parked messages the services list at {INCIDENTS}: {found.incidents}")
    else:
        print(f"  (no service lists its parked messages at {INCIDENTS} in this checkout)")
    stranded = sum(found.stranded.values())
    states = ", ".join(f"{s} {n}" for s, n in found.stranded.items())
    print(
        f"applications stranded (in a state only the bus leaves): {stranded}"
        + (f" ({states})" if states else "")
    )

    if campaign.notes:
        print("\nnotes:")
        for note in campaign.notes:
            print(f"  {note}")
    missed = [r for r in runs if r.case.step is not None and not r.fired]
    faulted = [r for r in runs if r.case.step is not None]
    print(f"\nfaults that met a call: {len(faulted) - len(missed)} of {len(faulted)} cases")
    for run in missed:
        print(f"  never met a call: {run.case.label}")
    bad = [r for r in runs if not r.consistent]
    print(f"\ninconsistent runs: {len(bad)}")
    for run in bad:
        print(f"  {run.case.label} [{run.flow} {run.number or '—'}, {run.subject}]")
        for problem in run.problems:
            print(f"      {problem}")
    print(f"\nservice log: {args.log}")


# --- the run --------------------------------------------------------------------------------


@contextlib.contextmanager
def console(log: Path) -> Iterator[None]:
    """The services' output (inherited descriptors, restarted ones too) goes to `log` for the
    whole run; this script's own prints go to the terminal."""
    saved = sys.stdout, sys.stderr
    sys.stdout = os.fdopen(os.dup(1), "w", buffering=1)
    sys.stderr = os.fdopen(os.dup(2), "w", buffering=1)
    try:
        with output_to(log):
            yield
    finally:
        sys.stdout.close()
        sys.stderr.close()
        sys.stdout, sys.stderr = saved


async def campaign_run(args: argparse.Namespace) -> None:
    main, loop = asyncio.current_task(), asyncio.get_running_loop()
    assert main is not None
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, main.cancel)
    cases, kills = chosen_cases(args.quick, args.only)
    settings = Settings(caller_deadline(), args.outage, args.patience)
    children = None if SUPERVISED else OwnChildren()
    runner = launcher.run_processes if children is None else children.run
    extra: dict[str, dict[str, Any]] = {
        "registration_service": {"auto_decision": True, DEADLINE_SETTING: settings.deadline},
        "frontoffice_service": {DEADLINE_SETTING: settings.deadline},
        "number_bank": {"max_reservations_per_person": 1000},
    }
    started = time.monotonic()
    with console(args.log):
        async with (
            fresh_backends() as (database_url, amqp_url),
            running_bus(database_url, amqp_url, args.log, extra, runner, 300) as plan,
            async_client(timeout=60) as admin,
        ):
            progress(
                f"bus ready ({args.log}); {len(cases)} fault cases, kill -9 of {len(kills)} "
                f"services; callers wait {settings.deadline:.0f} s"
            )
            await freeze_clock(admin, plan, PILOT_DAY)
            await clock_reached(plan, admin)
            vhost = amqp_url.rsplit("/", 1)[1]
            campaign = Campaign(plan, admin, settings, children, vhost)
            await campaign.faults(cases, args.concurrency)
            await campaign.kills(kills, args.concurrency)
            progress("auditing")
            await asyncio.sleep(3.0)  # outboxes and consumers finish what is under way
            found = await audit(campaign)
            report(campaign, found, args, time.monotonic() - started)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a handful of cases")
    parser.add_argument(
        "--only",
        help="the cases of one registry (number_bank, pki…) or one service's kill; `kills`: "
        "every service's kill; `faults`: every fault case",
    )
    parser.add_argument("-c", "--concurrency", type=int, default=3)
    parser.add_argument(
        "--outage",
        type=float,
        default=45.0,
        help="seconds a consumer's fault lasts (the consumers used to give up after ~25 s)",
    )
    parser.add_argument(
        "--patience", type=float, default=60.0, help="seconds a person keeps at one step"
    )
    args = parser.parse_args()
    args.log = Path(tempfile.mkdtemp(prefix="egovcampaign-")) / "services.log"
    import uvloop

    try:
        uvloop.run(campaign_run(args))
    except asyncio.CancelledError:
        sys.exit("interrupted: the bus is stopped and its databases and vhost are removed")


if __name__ == "__main__":
    main()
