"""`egov demo vin` on a bus in this process: the happy path (decided by the officer and by the
auto-decision rule) and every branch go as expected, again on the same bus; the bus clock is
frozen inside the pilot and put back when today is outside it; a step that goes wrong is a
failure that says what; the command lists the branches and says when there is no bus."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator

import pytest
from typer.testing import CliRunner

from egov import demo, vin_demo
from egov.cli import app
from egov.launcher import BusPlan, free_base_port
from servicekit.clock import bus_clock
from servicekit.http_clients import async_client
from tests.fixtures.buses import bus_fixture
from tests.fixtures.clock import AFTER_THE_PILOTS
from tests.harness import ADMIN, Recorder, played

bus = bus_fixture("sqlite", scope="module")
pytestmark = pytest.mark.usefixtures("pilot_day")


@pytest.fixture
async def auto_decision(bus: BusPlan) -> AsyncIterator[None]:
    policy = f"{bus.url('registration_service')}/admin/policy"
    async with async_client() as http:
        await http.put(policy, json={"autoDecision": True}, headers=ADMIN)
        try:
            yield
        finally:
            await http.put(policy, json={"autoDecision": False}, headers=ADMIN)


async def test_happy_path_reports_every_step_from_v1_to_v22(bus: BusPlan) -> None:
    lines = await played(vin_demo.run, bus, "happy")
    assert {f"V{n}" for n in range(1, 23)} <= {line.step for line in lines if line.kind == "done"}
    assert not [line for line in lines if line.kind == "refused"]
    (decision,) = [line for line in lines if line.step == "V19" and "approves" in line.action]
    assert decision.actor == "police_officer_almaty"
    assert lines[-1].outcome == "COMPLETED"


@pytest.mark.usefixtures("auto_decision")
async def test_auto_decision_is_reported_and_the_refusal_branch_turns_it_off_for_a_while(
    bus: BusPlan,
) -> None:
    """v21 registers two vehicles on its way, both approved by the rule."""
    lines = await played(vin_demo.run, bus, "v21-wrong-person", "v19-police-refusal")
    assert any(line.step == "V19" and "auto-decision" in line.action for line in lines)
    refused = {line.step for line in lines if line.kind == "refused"}
    assert refused == {"V21", "V19"}
    notes = [line.action for line in lines if line.kind == "note"]
    assert "turns the police desk's auto-decision rule off" in notes
    assert "turns the auto-decision rule back on" in notes
    async with async_client() as http:
        reply = await http.get(f"{bus.url('registration_service')}/admin/policy", headers=ADMIN)
    assert reply.json() == {"autoDecision": True}


AGAIN = {"v14-fines", "v16-reserved-plate"}
"""Branches that change the registries' data (fines paid, a reservation taken): played twice,
to show that the next run finds what it needs."""
HALFWAY = {"v17-unpaid", "v18-wrong-signer"}
"""Branches that leave their application holding a number: БМГ holds two a person at most, and
the demo's frozen clock never lets them lapse, so the number must go back."""


@pytest.mark.parametrize(
    "branch",
    [n for n in vin_demo.BRANCHES if n not in ("happy", "v19-police-refusal", "v21-wrong-person")],
)
async def test_branch_answers_as_expected_at_its_step(bus: BusPlan, branch: str) -> None:
    lines = await played(vin_demo.run, bus, *[branch] * (2 if branch in AGAIN else 1))
    if branch == "v16-reserved-plate":
        assert any(line.step == "V16" and "RESERVED_FOR_BUYER" in line.action for line in lines)
    else:
        refused = {line.step for line in lines if line.kind == "refused"}
        assert vin_demo.BRANCHES[branch].step in refused
    if branch in HALFWAY:
        query = {"iin": "900515310005", "status": "RESERVED"}
        async with async_client() as http:
            url = f"{bus.url('number_bank')}/admin/plates"
            assert (await http.get(url, params=query, headers=ADMIN)).json() == []


@pytest.mark.parametrize("frozen", [True, False])
async def test_outside_the_pilot_the_clock_is_frozen_inside_and_put_back(
    bus: BusPlan, frozen: bool
) -> None:
    if frozen:
        bus_clock.freeze(AFTER_THE_PILOTS)
    else:
        bus_clock.reset()
        bus_clock.set(AFTER_THE_PILOTS)
    lines = await played(vin_demo.run, bus, "v3-no-epts")
    assert "frozen at 2026-03-02 10:00" in lines[0].action
    assert lines[-1].action == "put back"
    if frozen:
        assert bus_clock.state.frozen_at == AFTER_THE_PILOTS
    else:
        assert bus_clock.state.frozen_at is None
        assert abs((bus_clock.now() - AFTER_THE_PILOTS).total_seconds()) < 60


async def test_a_step_that_goes_wrong_fails_the_branch_and_says_what(bus: BusPlan) -> None:
    rule = {
        "kind": "error",
        "serviceId": "EPTS_PassportByVin",
        "errorCode": "PROVIDER_UNAVAILABLE",
        "status": 503,
        "count": 1,
    }
    async with async_client() as http:
        added = await http.post(f"{bus.url('gateway')}/admin/faults", json=rule, headers=ADMIN)
    assert added.status_code in (200, 201), added.text
    (outcome,) = await vin_demo.run(bus.url, ["v3-no-epts"], Recorder())
    assert not outcome.ok
    assert outcome.failure is not None
    assert "503" in outcome.failure
    assert "REGISTRY_UNAVAILABLE" in outcome.failure


async def test_no_bus_is_said_so() -> None:
    with pytest.raises(demo.NoBus, match="egov up"):
        await vin_demo.run(lambda _: "http://127.0.0.1:9", ["happy"], Recorder())


def test_list_names_every_branch() -> None:
    result = CliRunner().invoke(app, ["demo", "vin", "--list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for name in vin_demo.BRANCHES:
        assert name in result.output


def test_an_unknown_branch_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["demo", "vin", "--branch", "v99-nothing"])
    assert result.exit_code == 2


def test_the_command_exits_2_without_a_bus() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "egov", "demo", "vin", "--base-port", str(free_base_port())],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=60,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "start it with `egov up`" in result.stdout
