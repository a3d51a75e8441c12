"""Consumers that wait out an outage (issue 15): a registry down for longer than the old retry
budget (5 attempts, about 25 s) delays an application, never strands it.

- V19, the police consumer: БМГ faulted while the auto-decision issues the plate, on
  RabbitMQ with a test-sized backoff (milliseconds: the folder's impatient bus), so the outage
  is many attempts but little wall time; healed, the application goes on to the printing and
  the ЦОН.
- M9/M3, the provider's machinery consumer: НУЦ faulted while the application arrives, on the
  in-process bus (the folder's embedded bus), whose retries follow the bus clock: the test
  advances the clock through the outage instead of waiting. Healed after 12 minutes, the
  application is received by itself; faulted past the outage budget, it is parked as an
  incident (metric, admin list) and a redrive brings it in once НУЦ is back.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.exc import OperationalError

from egov.flow_client import answer
from egov.launcher import BusPlan
from egov.machinery_flow import MachineryClient
from egov.machinery_flow import expect as mexpect
from egov.vin_flow import VinClient, expect
from servicekit.clock import ALMATY, bus_clock
from servicekit.envelope import ErrorInfo
from servicekit.errors import Problem, StepRefusal
from servicekit.events import temporary
from servicekit.gateway_client import GatewayFault, GatewayUnreachable
from servicekit.http_clients import async_client
from tests.fixtures.clock import VIN_PILOT_DAY
from tests.fixtures.flows import farmers_new_tractor
from tests.harness import ADMIN, eventually

OLD_ATTEMPTS = 5
"""The old policy parked a message after this many failed attempts."""
PROVIDER_QUEUE = "frontoffice.provider.machinery"
WORKER, OFFICER, OFFICE = "frontoffice_worker_kostanay", "akimat_officer_kostanay", "KST-KOSTANAY"


def _fault(status: int) -> GatewayFault:
    error = ErrorInfo(error_code="PROVIDER_ERROR", error_message="…", error_date=VIN_PILOT_DAY)
    return GatewayFault(status, error, {})


def _refusal() -> GatewayFault:
    """БМГ's own 409 about the data it was sent, relayed by the gateway."""
    problem = {"code": "PLATE_TAKEN", "status": 409, "field": "requestData.data.plate"}
    sub = ErrorInfo(
        error_code="PLATE_TAKEN", error_message="…", error_date=VIN_PILOT_DAY, error_data=problem
    )
    error = ErrorInfo(
        error_code="PROVIDER_ERROR", error_message="…", error_date=VIN_PILOT_DAY, sub_error=sub
    )
    return GatewayFault(409, error, {})


def _chained(cause: Exception) -> Exception:
    try:
        raise cause
    except Exception as exc:
        try:
            raise RuntimeError("while receiving the application") from exc
        except RuntimeError as outer:
            return outer


@pytest.mark.parametrize(
    ("failure", "waited_out"),
    [
        (GatewayUnreachable("connection refused"), True),
        (_fault(503), True),
        (_fault(500), True),
        (StepRefusal("REGISTRY_UNAVAILABLE", "V19", status=503, registry="БМГ"), True),
        (OperationalError("SELECT 1", {}, ConnectionRefusedError()), True),
        (TimeoutError(), True),
        (_chained(GatewayUnreachable("reset")), True),
        # Not the registry's own refusal: a failure, never a verdict (credentials rotated…).
        (_fault(401), True),
        (_refusal(), False),
        (Problem("PLATE_TAKEN", status=409), False),
        (ValueError("a bug"), False),
    ],
)
def test_what_a_consumer_waits_out_and_what_it_does_not(
    failure: Exception, waited_out: bool
) -> None:
    """A registry, the gateway or the database away: the outage budget. Anything else: a few
    attempts, then an incident."""
    assert temporary(failure) is waited_out


class Faults:
    """The gateway's fault rules: a registry made unavailable, and healed."""

    def __init__(self, http: httpx.AsyncClient, plan: BusPlan) -> None:
        self.http, self.base = http, f"{plan.url('gateway')}/admin/faults"

    async def add(self, service_id: str, **rule: Any) -> str:
        body = {"serviceId": service_id, "operation": "SendMessage", **rule}
        reply = await self.http.post(self.base, json=body, headers=ADMIN)
        assert reply.status_code == 201, reply.text
        rule_id: str = reply.json()["id"]
        return rule_id

    async def unavailable(self, service_id: str) -> str:
        return await self.add(
            service_id, kind="error", status=503, errorCode="PROVIDER_UNAVAILABLE"
        )

    async def fired(self, rule_id: str) -> int:
        rules = (await self.http.get(self.base, headers=ADMIN)).json()
        fired: int = next(r["fired"] for r in rules if r["id"] == rule_id)
        return fired

    async def fired_more(self, rule_id: str, than: int) -> bool:
        return await self.fired(rule_id) > than

    async def heal(self, rule_id: str) -> None:
        reply = await self.http.delete(f"{self.base}/{rule_id}", headers=ADMIN)
        assert reply.status_code == 204, reply.text


async def parked(http: httpx.AsyncClient, plan: BusPlan, service: str) -> list[dict[str, Any]]:
    reply = await http.get(f"{plan.url(service)}/admin/bus/dead-letters", headers=ADMIN)
    assert reply.status_code == 200, reply.text
    found: list[dict[str, Any]] = reply.json()
    return found


async def metric(http: httpx.AsyncClient, plan: BusPlan, service: str, sample: str) -> float:
    """The value of one sample (name and labels as exposed) on the service's /metrics."""
    text = (await http.get(f"{plan.url(service)}/metrics")).text
    values = [line.rsplit(" ", 1)[1] for line in text.splitlines() if line.startswith(sample)]
    return float(values[0]) if values else 0.0


@asynccontextmanager
async def auto_decision(http: httpx.AsyncClient, plan: BusPlan) -> AsyncIterator[None]:
    """The police desk's auto-decision rule on (V19), and off again."""
    policy = f"{plan.url('registration_service')}/admin/policy"
    turned_on = await http.put(policy, json={"autoDecision": True}, headers=ADMIN)
    assert turned_on.status_code == 200, turned_on.text
    try:
        yield
    finally:
        await http.put(policy, json={"autoDecision": False}, headers=ADMIN)


async def test_v19_bmg_down_longer_than_the_old_budget_delays_the_auto_decision(
    impatient_bus: BusPlan,
) -> None:
    """The impatient bus (conftest): its portal retries a failed message after milliseconds."""
    bus_clock.freeze(VIN_PILOT_DAY)  # tests/conftest.py puts the clock back
    plan = impatient_bus
    async with async_client(timeout=30) as http, auto_decision(http, plan):
        flow, faults = VinClient(plan.url, http), Faults(http, plan)
        vin = await flow.new_vehicle("dealer_astana_motors", "buyer")
        app = await flow.signed_by_dealer("dealer_manager", vin, "900515310005")
        app = await flow.to_payment("buyer", app, "ALM-ALMALY")
        await flow.pay(app)
        app = (await flow.cabinet("buyer", app, "payment-check")).json()
        retries = 'egov_bus_retries_total{cause="unavailable",queue="registration.police"}'
        retried_before = await metric(http, plan, "registration_service", retries)
        bmg_down = await faults.unavailable("BMG_Issue")
        expect((await flow.buyer_sign("buyer", app)).json(), "V19_AWAITING_DECISION")

        # Four times the old budget's attempts, and the case still waits for БМГ, not parked.
        await eventually(functools.partial(faults.fired_more, bmg_down, 4 * OLD_ATTEMPTS))
        waiting = await flow.until("buyer", app, ["V19_AWAITING_DECISION"])
        assert waiting["state"] == "V19_AWAITING_DECISION"
        assert await parked(http, plan, "registration_service") == []
        retried = await metric(http, plan, "registration_service", retries) - retried_before
        assert retried >= 4 * OLD_ATTEMPTS - 1

        await faults.heal(bmg_down)
        ready = await flow.until("buyer", app, ["V20_READY_FOR_PICKUP"])
        assert ready["decision"]["rule"] == "AUTO_CLEAN_APPLICATION"
        assert await parked(http, plan, "registration_service") == []


async def _advance_until(
    check: Callable[[], Awaitable[bool]], step: timedelta, within: float = 5.0
) -> None:
    """Move the bus clock on by `step` until `check` holds (the retries wait for the clock)."""
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "not within the clock steps"
        bus_clock.advance(step)
        await asyncio.sleep(0.1)


async def test_an_embedded_bus_has_a_broker_of_its_own(embedded_bus: BusPlan) -> None:
    """Its services talk through the broker of its plan (each plan makes its own), not one of
    the process: what an earlier test's bus left unconsumed or parked is not the next one's."""
    assert embedded_bus.broker.queue(PROVIDER_QUEUE).consumers  # the front office consumes it


async def test_m9_nuc_down_delays_the_provider_consumer_and_past_the_budget_parks_it(
    embedded_bus: BusPlan,
) -> None:
    """The in-process bus: the clock drives the retries (the default backoff, 1 s doubling to
    60 s, and the default one-hour budget)."""
    day = datetime(2025, 10, 21, 10, 0, tzinfo=ALMATY)
    bus_clock.freeze(day)
    plan = embedded_bus
    async with async_client(timeout=30) as http:
        flow, faults = MachineryClient(plan.url, http), Faults(http, plan)

        async def sent_while_nuc_is_down() -> tuple[dict[str, Any], str]:
            """M5–M9 with НУЦ answering the worker's own check (M6.5), and away from then on:
            the application is SENT, and the provider's consumer meets the outage (M3)."""
            opened = await flow.open(WORKER, OFFICE, **await farmers_new_tractor(flow))
            app = answer(await flow.package(WORKER, answer(opened, 201)))
            app = await flow.fees(WORKER, app)
            await flow.scan_all(WORKER, app)
            # Rules apply oldest first: the worker's check takes the harmless one.
            await faults.add("PKI_VerifyCms", kind="latency", latencyMs=1, count=1)
            rule = await faults.unavailable("PKI_VerifyCms")
            return mexpect(answer(await flow.sign(WORKER, app)), "SENT"), rule

        async def status(app: dict[str, Any]) -> str:
            path = f"/offices/{OFFICE}/machinery/applications/{app['number']}"
            found: str = (await flow.ok(WORKER, "GET", path))["status"]
            return found

        # НУЦ down for twelve minutes of bus time: more than twice the old budget's attempts.
        first, nuc_down = await sent_while_nuc_is_down()
        for _ in range(12):
            fired = await faults.fired(nuc_down)
            await _advance_until(
                functools.partial(faults.fired_more, nuc_down, fired), timedelta(minutes=1)
            )
        assert await faults.fired(nuc_down) > 2 * OLD_ATTEMPTS
        assert bus_clock.now() - day >= timedelta(minutes=12)
        assert await status(first) == "SENT"
        assert await parked(http, plan, "frontoffice_service") == []
        await faults.heal(nuc_down)
        bus_clock.advance(timedelta(minutes=1))
        received = await flow.received(OFFICER, first, seconds=5)
        assert received["status"] == "RECEIVED"

        # Down for longer than the outage budget: parked, and seen as an incident.
        second, nuc_down = await sent_while_nuc_is_down()
        await _advance_until(
            lambda: _parked_in(http, plan, PROVIDER_QUEUE), timedelta(minutes=10), within=10
        )
        [incident] = await parked(http, plan, "frontoffice_service")
        assert incident["reason"] == "outage-budget"
        assert incident["body"]["applicationNumber"] == second["number"]
        # Shown as the message log shows a body: ИИН masked, the signature as its digest.
        assert incident["body"]["workerIin"].count("*") == 5
        assert set(incident["body"]["cms"]) == {"sha256", "bytes"}
        assert "PROVIDER_UNAVAILABLE" in incident["error"]
        gauge = f'egov_bus_parked_messages{{queue="{PROVIDER_QUEUE}"}}'
        assert await metric(http, plan, "frontoffice_service", gauge) == 1
        assert await status(second) == "SENT"

        office = plan.url("frontoffice_service")
        assert (await http.get(f"{office}/admin/bus/dead-letters")).status_code == 401
        wrong = await http.post(
            f"{office}/admin/bus/dead-letters/redrive", json={"queue": "nope"}, headers=ADMIN
        )
        assert (wrong.status_code, wrong.json()["code"]) == (404, "BUS_QUEUE_NOT_FOUND")
        wrong = await http.post(
            f"{office}/admin/bus/dead-letters/redrive", json={"messageId": "nope"}, headers=ADMIN
        )
        assert (wrong.status_code, wrong.json()["code"]) == (404, "DEAD_LETTER_NOT_FOUND")

        # НУЦ back, the operator redrives it: received, nothing parked any more.
        await faults.heal(nuc_down)
        redrive = await http.post(
            f"{plan.url('frontoffice_service')}/admin/bus/dead-letters/redrive",
            json={"queue": PROVIDER_QUEUE, "messageId": incident["messageId"]},
            headers=ADMIN,
        )
        assert redrive.json() == {"redriven": {PROVIDER_QUEUE: 1}}, redrive.text
        received = await flow.received(OFFICER, second, seconds=5)
        assert received["status"] == "RECEIVED"
        assert await parked(http, plan, "frontoffice_service") == []
        assert await metric(http, plan, "frontoffice_service", gauge) == 0


async def _parked_in(http: httpx.AsyncClient, plan: BusPlan, queue: str) -> bool:
    return any(p["queue"] == queue for p in await parked(http, plan, "frontoffice_service"))
