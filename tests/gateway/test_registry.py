"""Registry of interactions: who may call what, where it goes, and how testers change it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from egov.launcher import BusPlan
from servicekit.http_clients import async_client
from tests.harness import ADMIN, TESTER, envelope, running_bus, send

PERSON = "GBDFL_UniversalServiceSync"
IIN = "900515310005"


def _as(sender: str, password: str | None, service: str = PERSON, **info: Any) -> dict[str, Any]:
    body = envelope(service, {"iin": IIN}, **info)
    body["requestInfo"]["sender"] = {"senderId": sender, "password": password}
    return body


@pytest.mark.parametrize(
    ("sender", "password"),
    [("tester", "wrong-password"), ("nobody", "tester-secret"), ("tester", None)],
)
async def test_unknown_sender_or_wrong_password_is_authentication_failed(
    bus: BusPlan, client: httpx.AsyncClient, sender: str, password: str | None
) -> None:
    reply = await send(client, bus, _as(sender, password))
    assert reply.status_code == 401
    problem = reply.json()
    assert (problem["code"], problem["field"]) == ("AUTHENTICATION_FAILED", "requestInfo.sender")
    assert problem["errorInfo"]["errorCode"] == "AUTHENTICATION_FAILED"


async def test_sender_without_the_access_right_is_denied(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    reply = await send(client, bus, _as("dealer-crm", "dealer-secret"))
    assert reply.status_code == 403
    problem = reply.json()
    assert problem["code"] == "ACCESS_DENIED"
    assert "dealer-crm" in problem["messages"]["en"]


async def test_state_service_sender_may_call_its_registry(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    reply = await send(client, bus, _as("registration_service", "registration-secret"))
    assert reply.status_code == 200


async def test_admin_api_needs_the_credential(client: httpx.AsyncClient) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic egov-admin"}):
        reply = await client.get("/admin/registry", headers=headers)
        assert reply.status_code == 401
        assert reply.json()["code"] == "ADMIN_CREDENTIAL_REQUIRED"


async def test_granting_and_revoking_access_takes_effect_at_once(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    dealer = _as("dealer-crm", "dealer-secret")
    grant = await client.put(f"/admin/access/dealer-crm/{PERSON}", headers=ADMIN)
    assert grant.status_code == 204
    assert (await send(client, bus, dealer)).status_code == 200
    assert PERSON in (await client.get("/metadata/senders/dealer-crm/services")).json()
    revoke = await client.delete(f"/admin/access/dealer-crm/{PERSON}", headers=ADMIN)
    assert revoke.status_code == 204
    assert (await send(client, bus, dealer)).status_code == 403


async def test_new_sender_with_password_is_stored_hashed(client: httpx.AsyncClient) -> None:
    reply = await client.put(
        "/admin/senders/insurer",
        json={"name": "Страховая", "password": "insurer-pw-1"},
        headers=ADMIN,
    )
    assert reply.status_code == 200
    assert reply.json() == {
        "senderId": "insurer",
        "name": "Страховая",
        "enabled": True,
        "requireSignature": False,
        "services": [],
    }
    registry = (await client.get("/admin/registry", headers=ADMIN)).json()
    assert "insurer-pw-1" not in str(registry)
    both = await client.put(
        "/admin/senders/x", json={"password": "12345678", "passwordHash": "scrypt$1"}, headers=ADMIN
    )
    assert (both.status_code, both.json()["code"]) == (422, "PASSWORD_OR_HASH")


async def test_disabled_sender_cannot_authenticate(bus: BusPlan, client: httpx.AsyncClient) -> None:
    await client.put("/admin/senders/temp", json={"password": "temp-secret"}, headers=ADMIN)
    await client.put(f"/admin/access/temp/{PERSON}", headers=ADMIN)
    assert (await send(client, bus, _as("temp", "temp-secret"))).status_code == 200
    await client.put(
        "/admin/senders/temp", json={"password": "temp-secret", "enabled": False}, headers=ADMIN
    )
    assert (await send(client, bus, _as("temp", "temp-secret"))).status_code == 401
    assert (await client.delete("/admin/senders/temp", headers=ADMIN)).status_code == 204
    assert (await client.delete("/admin/senders/temp", headers=ADMIN)).status_code == 404


async def test_route_id_selects_the_provider(bus: BusPlan, client: httpx.AsyncClient) -> None:
    service = {
        "provider": "gbd_fl",
        "description": "ГБД ФЛ через маршруты",
        "routes": {"main": "gbd_fl"},
        "timeoutMs": 3000,
    }
    assert (
        await client.put("/admin/services/ROUTED", json=service, headers=ADMIN)
    ).status_code == 200
    ok = await send(client, bus, _as(TESTER, "tester-secret", "ROUTED", routeId="main"))
    # The provider itself knows the operation by its own service id only.
    assert ok.json()["errorInfo"]["subError"]["errorCode"] == "SERVICE_NOT_FOUND"
    missing = await send(client, bus, _as(TESTER, "tester-secret", "ROUTED", routeId="backup"))
    assert missing.status_code == 404
    assert (missing.json()["code"], missing.json()["field"]) == (
        "ROUTE_NOT_FOUND",
        "requestInfo.routeId",
    )
    await client.delete("/admin/services/ROUTED", headers=ADMIN)


async def test_unknown_provider_is_refused(client: httpx.AsyncClient) -> None:
    reply = await client.put("/admin/services/X", json={"provider": "nowhere"}, headers=ADMIN)
    assert (reply.status_code, reply.json()["code"]) == (422, "UNKNOWN_PROVIDER")


async def test_async_service_is_not_called_on_the_sync_channel(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    await client.put(
        "/admin/services/ASYNC_ONLY", json={"provider": "gbd_fl", "mode": "async"}, headers=ADMIN
    )
    reply = await send(client, bus, _as(TESTER, "tester-secret", "ASYNC_ONLY"))
    assert (reply.status_code, reply.json()["code"]) == (400, "WRONG_CHANNEL")
    await client.delete("/admin/services/ASYNC_ONLY", headers=ADMIN)


async def test_metadata(client: httpx.AsyncClient) -> None:
    services = (await client.get("/metadata/services")).json()
    assert PERSON in {s["serviceId"] for s in services}
    assert (await client.get("/metadata/senders/dealer-crm/services")).json() == []
    assert (await client.get("/metadata/senders/nobody/services")).status_code == 404
    spec = (await client.get(f"/metadata/services/{PERSON}/openapi")).json()
    assert spec["info"]["title"] == "ГБД ФЛ"
    assert PERSON in str(spec["paths"]["/shep/sync"]["post"]["x-shep-operations"])


async def test_registry_edits_survive_a_restart(tmp_path_factory: pytest.TempPathFactory) -> None:
    data_dir = tmp_path_factory.mktemp("restart")
    async with running_bus(data_dir) as bus, async_client(base_url=bus.url("gateway")) as c:
        await c.put(f"/admin/access/dealer-crm/{PERSON}", headers=ADMIN)
    async with running_bus(data_dir) as bus, async_client(base_url=bus.url("gateway")) as c:
        assert (await send(c, bus, _as("dealer-crm", "dealer-secret"))).status_code == 200
