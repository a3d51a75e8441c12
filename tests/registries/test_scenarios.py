"""`X-Test-Scenario` on every registry: each declares its scenarios with its provider, an
undeclared one under its name is refused with the known ones named (called directly and through
the gateway), and the gateway refuses one that names no registry at all."""

from __future__ import annotations

import importlib
import uuid
from typing import Any

import pytest

from egov.launcher import BusPlan
from gateway import scenarios as gateway_scenarios
from gateway.registry import Registry
from servicekit.http_clients import async_client
from servicekit.provider import SyncProvider
from servicekit.scenarios import Scenarios
from servicekit.topology import SERVICES
from tests.fixtures.buses import bus_fixture
from tests.harness import envelope, send


def _providers() -> dict[str, SyncProvider]:
    found = {}
    for service in SERVICES:
        try:
            routes = importlib.import_module(f"{service.name}.routes")
        except ModuleNotFoundError:
            continue
        provider = getattr(routes, "provider", None)
        if isinstance(provider, SyncProvider):
            found[service.name] = provider
    return found


PROVIDERS = _providers()


bus = bus_fixture("sqlite", scope="module")


def test_every_registry_declares_its_scenarios_under_its_own_name() -> None:
    assert set(PROVIDERS) == {
        "gbd_fl",
        "gbd_ul",
        "eps_passports",
        "customs",
        "recycling_fee",
        "erap_fines",
        "number_bank",
        "sale_contracts",
        "payments",
        "pki",
        "notary",
    }
    for name, provider in PROVIDERS.items():
        assert provider.scenarios.registry == name
    assert "gbd_fl.biometrics_fail" in PROVIDERS["gbd_fl"].scenarios.branches
    with pytest.raises(ValueError, match=r"customs\.<branch>"):
        Scenarios("customs", {"gbd_fl.not_found": "another registry's"})


def _assert_refused(problem: dict[str, Any], scenario: str, known: list[str]) -> None:
    assert problem["code"] == "UNKNOWN_SCENARIO"
    assert problem["field"] == "X-Test-Scenario"
    assert set(problem["messages"]) == {"ru", "kk", "en"}
    for text in problem["messages"].values():
        assert scenario in text
        for name in known:
            assert name in text


@pytest.mark.parametrize("registry", sorted(PROVIDERS))
async def test_unknown_scenario_of_a_registry_is_refused_when_called_directly(
    bus: BusPlan, registry: str
) -> None:
    provider = PROVIDERS[registry]
    service_id = next(iter(provider.operations))
    scenario = f"{registry}.no_such_branch"
    async with async_client(base_url=bus.url(registry), timeout=10) as http:
        reply = await http.post(
            "/shep/sync",
            json=envelope(service_id, {}),
            headers={"X-Test-Scenario": scenario},
        )
    assert reply.status_code == 422, reply.text
    _assert_refused(reply.json(), scenario, sorted(provider.scenarios.branches))


@pytest.mark.parametrize(
    ("registry", "service_id"),
    [
        ("gbd_fl", "GBDFL_UniversalServiceSync"),
        ("payments", "PAYMENTS_InvoiceStatus"),
        ("erap_fines", "GBDFL_UniversalServiceSync"),
    ],
)
async def test_unknown_scenario_of_a_registry_is_refused_by_the_gateway(
    bus: BusPlan, registry: str, service_id: str
) -> None:
    """The gateway knows every registry's declared scenarios from the contracts: a misspelt
    branch is refused on any call, not only when the call reaches the registry it names."""
    provider = PROVIDERS[registry]
    scenario = f"{registry}.no_such_branch"
    async with async_client(timeout=10) as http:
        reply = await send(
            http, bus, envelope(service_id, {}), headers={"X-Test-Scenario": scenario}
        )
    assert reply.status_code == 422, reply.text
    document = reply.json()
    assert document["errorInfo"]["errorCode"] == "UNKNOWN_SCENARIO"
    assert document["known"] == sorted(provider.scenarios.branches)
    for name in [scenario, *provider.scenarios.branches]:
        assert name in document["messages"]["en"]


def test_the_gateway_reads_the_scenarios_each_registry_declares() -> None:
    declared = gateway_scenarios.declared()
    for name, provider in PROVIDERS.items():
        assert declared[name] == frozenset(provider.scenarios.branches), name


def test_a_provider_without_a_contract_judges_its_own_scenarios() -> None:
    """A provider a tester registered at run time has no contract here: its scenarios go on."""
    registry = Registry({}, {}, frozenset(), {}, providers=frozenset({"gbd_fl", "lab_registry"}))
    assert registry.scenario_known("lab_registry.anything") is None
    assert registry.scenario_known("gbd_fl.not_found") is None
    assert registry.scenario_known("gbd_fl.not_foud") == sorted(registry.scenarios["gbd_fl"])
    assert registry.scenario_known("lab.x") == ["gbd_fl.…", "lab_registry.…"]


async def test_a_declared_scenario_goes_through_the_gateway(bus: BusPlan) -> None:
    async with async_client(timeout=10) as http:
        reply = await send(
            http,
            bus,
            envelope("GBDFL_UniversalServiceSync", {"iin": "900515310005"}),
            headers={"X-Test-Scenario": "gbd_fl.not_found"},
        )
    assert reply.status_code == 200, reply.text
    assert reply.json()["responseData"]["data"]["found"] is False


@pytest.mark.parametrize("scenario", ["gbdfl.not_found", "deceased", "no_such_registry.x"])
async def test_gateway_refuses_a_scenario_that_names_no_registry(
    bus: BusPlan, scenario: str
) -> None:
    async with async_client(timeout=10) as http:
        reply = await send(
            http,
            bus,
            envelope("GBDFL_UniversalServiceSync", {"iin": "900515310005"}),
            headers={"X-Test-Scenario": scenario},
        )
    assert reply.status_code == 422, reply.text
    document = reply.json()
    assert document["errorInfo"]["errorCode"] == "UNKNOWN_SCENARIO"
    _assert_refused(document, scenario, ["gbd_fl.…", "erap_fines.…"])
    assert document["scenario"] == scenario
    assert "notary.…" in document["known"]


async def test_async_channel_refuses_a_scenario_that_names_no_registry(bus: BusPlan) -> None:
    message = {
        "messageInfo": {
            "messageId": str(uuid.uuid4()),
            "serviceId": "GBDFL_UniversalServiceAsync",
            "messageType": "REQUEST",
            "messageDate": "2026-11-22T10:00:00+05:00",
            "sender": {"senderId": "tester", "password": "tester-secret"},
        },
        "messageData": {"data": {"iin": "900515310005"}},
    }
    async with async_client(base_url=bus.url("gateway"), timeout=10) as http:
        reply = await http.post(
            "/bip-async/sendMessage", json=message, headers={"X-Test-Scenario": "gbdfl.deceased"}
        )
    assert reply.status_code == 422, reply.text
    _assert_refused(reply.json(), "gbdfl.deceased", ["gbd_fl.…"])
