"""Tester controls through the real gateway: fault rules, the request journal, run isolation,
the scenario header, and the admin credential they all need."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from egov.launcher import BusPlan
from gateway.exchange import Exchange
from gateway.fault_rules import FaultRules
from gateway.journal import Journal, JournalQuery
from servicekit.clock import Clock, bus_clock
from servicekit.envelope import SUCCESS
from servicekit.http_clients import async_client
from servicekit.redaction import mask_name, redact
from tests.gateway.test_provider_faults import fake_provider
from tests.harness import ADMIN, TESTER, envelope, running_bus, send

PERSON = "GBDFL_UniversalServiceSync"
IIN = "900515310005"
CLERK, CLERK_PASSWORD = "registration_service", "registration-secret"


@pytest.fixture(autouse=True)
async def _clean_slate(client: httpx.AsyncClient) -> None:
    """Rules and journal are the gateway's, shared by the module: each test starts with none."""
    assert (await client.delete("/admin/faults", headers=ADMIN)).status_code == 200
    assert (await client.delete("/admin/journal", headers=ADMIN)).status_code == 200


def _headers(run_id: str | None = None, **more: str) -> dict[str, str]:
    return {**({"X-Test-Run-Id": run_id} if run_id else {}), **more}


async def add_rule(
    client: httpx.AsyncClient, run_id: str | None = None, **rule: Any
) -> dict[str, Any]:
    reply = await client.post("/admin/faults", json=rule, headers={**ADMIN, **_headers(run_id)})
    assert reply.status_code == 201, reply.text
    created: dict[str, Any] = reply.json()
    return created


async def rules(client: httpx.AsyncClient, run_id: str | None = None) -> list[dict[str, Any]]:
    reply = await client.get("/admin/faults", headers={**ADMIN, **_headers(run_id)})
    assert reply.status_code == 200, reply.text
    listed: list[dict[str, Any]] = reply.json()
    return listed


async def journal(
    client: httpx.AsyncClient, run_id: str | None = None, **params: Any
) -> list[dict[str, Any]]:
    reply = await client.get("/admin/journal", params=params, headers={**ADMIN, **_headers(run_id)})
    assert reply.status_code == 200, reply.text
    entries: list[dict[str, Any]] = reply.json()
    return entries


async def call(
    client: httpx.AsyncClient,
    bus: BusPlan,
    service_id: str = PERSON,
    *,
    run_id: str | None = None,
    **info: Any,
) -> httpx.Response:
    return await send(
        client, bus, envelope(service_id, {"iin": IIN}, **info), headers=_headers(run_id)
    )


def _as_clerk() -> dict[str, Any]:
    return {"sender": {"senderId": CLERK, "password": CLERK_PASSWORD}}


# --- the four kinds ------------------------------------------------------------------------


async def test_latency_rule_delays_the_call_then_forwards_it(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    rule = await add_rule(client, kind="latency", serviceId=PERSON, latencyMs=300)
    started = time.monotonic()
    reply = await call(client, bus)
    elapsed = time.monotonic() - started
    assert reply.status_code == 200
    assert reply.json()["responseData"]["data"]["found"] is True
    assert 0.3 <= elapsed < 5
    [entry] = await journal(client)
    assert 300 <= entry["durationMs"] < 5000
    assert entry["code"] == SUCCESS
    assert [r["fired"] for r in await rules(client) if r["id"] == rule["id"]] == [1]


async def test_error_rule_answers_its_code_and_status_with_error_info(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    rule = await add_rule(
        client,
        kind="error",
        errorCode="GBDFL_MAINTENANCE",
        status=503,
        message="ГБД ФЛ на регламентных работах",
    )
    reply = await call(client, bus)
    assert reply.status_code == 503
    assert reply.headers["content-type"] == "application/problem+json"
    problem = reply.json()
    assert problem["code"] == "GBDFL_MAINTENANCE"
    info = problem["errorInfo"]
    assert info["errorCode"] == "GBDFL_MAINTENANCE"
    assert info["errorData"] == {"faultRule": rule["id"]}
    assert info["errorMessage"] == "ГБД ФЛ на регламентных работах"
    assert info["sessionId"]
    # A made-up code still gets real texts, naming the rule and carrying its message.
    messages = problem["messages"]
    assert len(set(messages.values())) == 3
    assert all(rule["id"] in text for text in messages.values())
    assert all("ГБД ФЛ на регламентных работах" in text for text in messages.values())
    [entry] = await journal(client)
    assert (entry["status"], entry["code"]) == (503, "GBDFL_MAINTENANCE")
    assert entry["response"]["errorInfo"]["errorCode"] == "GBDFL_MAINTENANCE"


async def test_error_rule_with_a_known_code_keeps_that_codes_texts(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    await add_rule(client, kind="error", errorCode="PROVIDER_UNAVAILABLE", status=503)
    problem = (await call(client, bus)).json()
    assert problem["code"] == "PROVIDER_UNAVAILABLE"
    assert PERSON in problem["messages"]["en"]
    assert "unavailable" in problem["messages"]["en"]


async def test_timeout_rule_is_provider_timeout_after_the_services_timeout(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    service = {"provider": "gbd_fl", "timeoutMs": 200}
    put = await client.put("/admin/services/TEST_SLOW", json=service, headers=ADMIN)
    assert put.status_code == 200, put.text
    try:
        rule = await add_rule(client, kind="timeout", serviceId="TEST_SLOW")
        started = time.monotonic()
        reply = await call(client, bus, "TEST_SLOW")
        elapsed = time.monotonic() - started
    finally:
        await client.delete("/admin/services/TEST_SLOW", headers=ADMIN)
    assert reply.status_code == 504
    problem = reply.json()
    assert problem["code"] == problem["errorInfo"]["errorCode"] == "PROVIDER_TIMEOUT"
    assert problem["errorInfo"]["errorData"] == {"faultRule": rule["id"]}
    assert "200" in problem["messages"]["ru"]
    assert 0.2 <= elapsed < 5


async def test_drop_rule_cuts_the_connection_and_is_journalled(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    request = envelope(PERSON, {"iin": IIN})
    await add_rule(client, kind="drop", count=1)
    with pytest.raises(httpx.TransportError):
        await send(client, bus, request)
    [entry] = await journal(client)
    assert (entry["code"], entry["status"]) == ("CONNECTION_DROPPED", 0)
    assert entry["messageId"] == request["requestInfo"]["messageId"]
    assert entry["response"] is None
    # The rule was used up: the next call goes through on a fresh connection.
    assert (await call(client, bus)).status_code == 200


# --- matching ------------------------------------------------------------------------------


async def test_rule_applies_to_its_operation_and_service_only(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    await add_rule(client, kind="error", operation="getMessages", errorCode="ASYNC", status=500)
    await add_rule(client, kind="error", serviceId="OTHER", errorCode="OTHER", status=500)
    assert (await call(client, bus)).status_code == 200
    await add_rule(client, kind="error", operation="SendMessage", errorCode="SYNC", status=502)
    reply = await call(client, bus)
    assert (reply.status_code, reply.json()["code"]) == (502, "SYNC")


async def test_rule_applies_to_its_sender_only(bus: BusPlan, client: httpx.AsyncClient) -> None:
    await add_rule(client, kind="error", senderId=CLERK, errorCode="CLERK_ONLY", status=500)
    assert (await call(client, bus)).status_code == 200
    reply = await call(client, bus, **_as_clerk())
    assert (reply.status_code, reply.json()["code"]) == (500, "CLERK_ONLY")


async def test_oldest_matching_rule_wins(bus: BusPlan, client: httpx.AsyncClient) -> None:
    first = await add_rule(client, kind="error", errorCode="FIRST", status=500)
    await add_rule(client, kind="error", serviceId=PERSON, errorCode="SECOND", status=500)
    assert (await call(client, bus)).json()["code"] == "FIRST"
    await client.delete(f"/admin/faults/{first['id']}", headers=ADMIN)
    assert (await call(client, bus)).json()["code"] == "SECOND"


# --- how often -----------------------------------------------------------------------------


async def test_probability_zero_never_fires_and_one_always_does(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    never = await add_rule(client, kind="error", errorCode="NEVER", status=500, probability=0)
    assert [(await call(client, bus)).status_code for _ in range(10)] == [200] * 10
    await add_rule(client, kind="error", errorCode="ALWAYS", status=500, probability=1)
    assert [(await call(client, bus)).status_code for _ in range(10)] == [500] * 10
    assert {r["errorCode"]: r["fired"] for r in await rules(client)} == {
        "NEVER": 0,
        "ALWAYS": 10,
    }
    assert never["probability"] == 0


async def test_seeded_half_probability_fires_a_repeatable_subset(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    await add_rule(client, kind="error", errorCode="FLAKY", status=503, probability=0.5, seed=7)
    dice = random.Random(7)
    expected = [dice.random() < 0.5 for _ in range(20)]
    hit = [(await call(client, bus)).status_code == 503 for _ in range(20)]
    assert hit == expected
    assert 0 < sum(hit) < 20


async def test_count_fires_exactly_that_often_then_the_rule_is_gone(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    rule = await add_rule(client, kind="error", errorCode="TWICE", status=500, count=2)
    assert (await call(client, bus)).status_code == 500
    assert [(r["id"], r["fired"]) for r in await rules(client)] == [(rule["id"], 1)]
    assert (await call(client, bus)).status_code == 500
    assert await rules(client) == []
    assert [(await call(client, bus)).status_code for _ in range(3)] == [200] * 3


@pytest.mark.parametrize("expiry", ["ttlSeconds", "expiresAt"])
async def test_rule_expires_by_the_bus_clock(
    bus: BusPlan, client: httpx.AsyncClient, expiry: str
) -> None:
    bus_clock.freeze()
    limit: Any = 60 if expiry == "ttlSeconds" else (bus_clock.now() + timedelta(minutes=1))
    rule = await add_rule(
        client,
        kind="error",
        errorCode="FOR_A_MINUTE",
        status=500,
        **{expiry: limit.isoformat() if isinstance(limit, datetime) else limit},
    )
    assert datetime.fromisoformat(rule["expiresAt"]) == bus_clock.now() + timedelta(minutes=1)
    bus_clock.advance(timedelta(seconds=59))
    assert (await call(client, bus)).status_code == 500
    bus_clock.advance(timedelta(seconds=1))
    assert (await call(client, bus)).status_code == 200
    assert await rules(client) == []


# --- run isolation -------------------------------------------------------------------------


async def test_parallel_runs_see_only_their_own_rules_and_entries(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    run_a, run_b = f"run-a-{uuid.uuid4()}", f"run-b-{uuid.uuid4()}"
    await add_rule(client, run_a, kind="error", serviceId=PERSON, errorCode="A_DOWN", status=503)
    await add_rule(client, run_b, kind="latency", serviceId=PERSON, latencyMs=50)
    everyone = await add_rule(
        client, kind="error", serviceId="TEST_SHARED", errorCode="SHARED", status=502
    )
    put = await client.put(
        "/admin/services/TEST_SHARED", json={"provider": "gbd_fl"}, headers=ADMIN
    )
    assert put.status_code == 200, put.text

    async def run(run_id: str) -> list[tuple[int, str]]:
        replies = await asyncio.gather(
            *(call(client, bus, run_id=run_id) for _ in range(5)),
            call(client, bus, "TEST_SHARED", run_id=run_id),
        )
        return [(r.status_code, r.json().get("code", SUCCESS)) for r in replies]

    try:
        outcome_a, outcome_b = await asyncio.gather(run(run_a), run(run_b))
        unscoped = await call(client, bus)
    finally:
        await client.delete("/admin/services/TEST_SHARED", headers=ADMIN)
    assert outcome_a == [(503, "A_DOWN")] * 5 + [(502, "SHARED")]
    assert outcome_b == [(200, SUCCESS)] * 5 + [(502, "SHARED")]
    assert unscoped.status_code == 200

    entries_a = await journal(client, run_a)
    assert len(entries_a) == 6
    assert {e["runId"] for e in entries_a} == {run_a}
    assert sorted(e["code"] for e in entries_a) == ["A_DOWN"] * 5 + ["SHARED"]
    entries_b = await journal(client, run_b)
    assert {e["runId"] for e in entries_b} == {run_b}
    assert all(e["durationMs"] >= 50 for e in entries_b if e["serviceId"] == PERSON)
    assert len(await journal(client)) == 13  # without the header: every run, and no run

    listed_a = await rules(client, run_a)
    assert [(r["runId"], r["errorCode"]) for r in listed_a] == [(run_a, "A_DOWN")]
    assert [r["latencyMs"] for r in await rules(client, run_b)] == [50]
    assert everyone["runId"] is None
    assert len(await rules(client)) == 3


async def test_a_run_resets_and_removes_only_its_own(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    run_a, run_b = f"run-a-{uuid.uuid4()}", f"run-b-{uuid.uuid4()}"
    rule_b = await add_rule(client, run_b, kind="latency", latencyMs=1)
    await add_rule(client, run_a, kind="latency", latencyMs=1)
    await add_rule(client, kind="latency", latencyMs=1)
    await asyncio.gather(call(client, bus, run_id=run_a), call(client, bus, run_id=run_b))

    # Run A cannot see, hence cannot remove, run B's rule.
    foreign = await client.delete(
        f"/admin/faults/{rule_b['id']}", headers={**ADMIN, **_headers(run_a)}
    )
    assert (foreign.status_code, foreign.json()["code"]) == (404, "FAULT_RULE_NOT_FOUND")

    cleared = await client.delete("/admin/journal", headers={**ADMIN, **_headers(run_a)})
    assert cleared.json() == {"removed": 1}
    assert [e["runId"] for e in await journal(client)] == [run_b]
    removed = await client.delete("/admin/faults", headers={**ADMIN, **_headers(run_a)})
    assert removed.json() == {"removed": 1}
    assert sorted(r["runId"] or "" for r in await rules(client)) == ["", run_b]


# --- the journal ---------------------------------------------------------------------------


async def test_journal_queries_by_service_sender_ids_and_code(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    # Ending in a letter: a UUID ending in twelve digits would read as an ИИН and be masked.
    correlation = str(uuid.uuid4())[:-1] + "a"
    chained = await call(client, bus, correlationId=correlation)
    clerks = await call(client, bus, **_as_clerk())
    await add_rule(client, kind="error", serviceId=PERSON, errorCode="BROKEN", status=500)
    await call(client, bus)

    everything = await journal(client)
    assert len(everything) == 3
    assert [e["code"] for e in everything] == ["BROKEN", SUCCESS, SUCCESS]  # newest first
    assert len(await journal(client, serviceId=PERSON)) == 3
    assert await journal(client, serviceId="NO_SUCH_SERVICE") == []
    [by_clerk] = await journal(client, senderId=CLERK)
    assert by_clerk["sessionId"] == clerks.json()["responseInfo"]["sessionId"]
    assert len(await journal(client, senderId=TESTER)) == 2
    [entry] = await journal(client, correlationId=correlation)
    # The bodies come back as JSON, not as escaped strings, as the journal keeps them: redacted.
    assert entry["request"]["requestInfo"]["correlationId"] == correlation
    assert entry["response"] == orjson.loads(redact(chained.content))
    kept, sent = (r["responseData"]["data"]["person"] for r in (entry["response"], chained.json()))
    assert kept["lastName"] == mask_name(sent["lastName"]) != sent["lastName"]
    assert entry["status"] == 200
    assert entry["provider"] == "gbd_fl"
    message_id = entry["messageId"]
    assert [e["messageId"] for e in await journal(client, messageId=message_id)] == [message_id]
    assert [e["code"] for e in await journal(client, code="BROKEN")] == ["BROKEN"]
    assert len(await journal(client, limit=2)) == 2


async def test_journal_correlation_id_finds_the_call_it_names_too(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    """A tester holds the messageId of the first call of a conversation; filtering by it as
    `correlationId` finds that call and those that answer it, not only the latter."""
    first_id = str(uuid.uuid4())[:-1] + "b"
    await call(client, bus, messageId=first_id)
    await call(client, bus, correlationId=first_id)
    await call(client, bus)
    found = await journal(client, correlationId=first_id)
    assert [(e["messageId"] == first_id, e["correlationId"]) for e in found] == [
        (False, first_id),
        (True, None),
    ]


async def test_journal_queries_by_bus_clock_time(bus: BusPlan, client: httpx.AsyncClient) -> None:
    morning = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
    bus_clock.freeze(morning)
    early = await call(client, bus)
    bus_clock.set(morning + timedelta(hours=1))
    late = await call(client, bus)
    half_past = (morning + timedelta(minutes=30)).isoformat()

    def session(entry: dict[str, Any]) -> str:
        return str(entry["sessionId"])

    early_id, late_id = (r.json()["responseInfo"]["sessionId"] for r in (early, late))
    assert [session(e) for e in await journal(client, **{"from": half_past})] == [late_id]
    assert [session(e) for e in await journal(client, to=half_past)] == [early_id]
    assert [session(e) for e in await journal(client, **{"from": morning.isoformat()})] == [
        late_id,
        early_id,
    ]
    [entry] = await journal(client, to=half_past)
    assert datetime.fromisoformat(entry["startedAt"]) == morning
    naive = await client.get("/admin/journal", params={"from": "2026-11-23T04:00"}, headers=ADMIN)
    assert (naive.status_code, naive.json()["field"]) == (422, "from")


# --- the scenario header -------------------------------------------------------------------


async def _echo_headers(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A provider answering a success envelope that says which test headers it was given."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")[1:]
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    request = orjson.loads(await reader.readexactly(int(headers["content-length"])))
    info = request["requestInfo"]
    body = orjson.dumps(
        {
            "responseInfo": {
                "messageId": str(uuid.uuid4()),
                "correlationId": info["messageId"],
                "sessionId": info["sessionId"],
                "responseDate": "2026-11-22T10:00:01+05:00",
                "status": {"code": SUCCESS, "message": "ok"},
            },
            "responseData": {
                "data": {
                    "scenario": headers.get("x-test-scenario"),
                    "runId": headers.get("x-test-run-id"),
                }
            },
        }
    )
    writer.write(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
        b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(body), body)
    )
    await writer.drain()
    writer.close()


async def test_scenario_and_run_id_headers_reach_the_provider(tmp_path: Path) -> None:
    async with (
        fake_provider(_echo_headers) as url,
        running_bus(tmp_path, extra={"gateway": {"providers": {"gbd_fl": url}}}) as echo_bus,
        async_client(base_url=echo_bus.url("gateway"), timeout=10) as http,
    ):
        reply = await send(
            http,
            echo_bus,
            envelope(PERSON, {"iin": IIN}),
            headers={"X-Test-Scenario": "gbd_fl.deceased", "X-Test-Run-Id": "run-7"},
        )
        plain = await call(http, echo_bus)
        [entry] = await journal(http, "run-7")
    assert reply.status_code == 200, reply.text
    assert reply.json()["responseData"]["data"] == {"scenario": "gbd_fl.deceased", "runId": "run-7"}
    assert plain.json()["responseData"]["data"] == {"scenario": None, "runId": None}
    assert (entry["scenario"], entry["runId"]) == ("gbd_fl.deceased", "run-7")


# --- the admin surface ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/admin/faults"),
        ("GET", "/admin/faults"),
        ("DELETE", "/admin/faults"),
        ("DELETE", "/admin/faults/some-id"),
        ("GET", "/admin/journal"),
        ("DELETE", "/admin/journal"),
    ],
)
async def test_tester_controls_need_the_admin_credential(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        reply = await client.request(method, path, json={"kind": "drop"}, headers=headers)
        assert reply.status_code == 401
        assert reply.json()["code"] == "ADMIN_CREDENTIAL_REQUIRED"
    assert await rules(client) == []


async def test_unknown_rule_is_a_404_problem(client: httpx.AsyncClient) -> None:
    reply = await client.delete("/admin/faults/no-such-rule", headers=ADMIN)
    assert reply.status_code == 404
    problem = reply.json()
    assert (problem["code"], problem["field"]) == ("FAULT_RULE_NOT_FOUND", "ruleId")
    assert "no-such-rule" in problem["messages"]["kk"]


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({}, "FIELD_REQUIRED", "kind"),
        ({"kind": "explode"}, "INVALID_VALUE", "kind"),
        ({"kind": "latency"}, "FIELD_REQUIRED", "latencyMs"),
        ({"kind": "latency", "latencyMs": 120_001}, "INVALID_VALUE", "latencyMs"),
        ({"kind": "latency", "latencyMs": 0}, "INVALID_VALUE", "latencyMs"),
        ({"kind": "error", "errorCode": "X", "status": 600}, "INVALID_VALUE", "status"),
        ({"kind": "error", "errorCode": "X", "status": 302}, "INVALID_VALUE", "status"),
        ({"kind": "error", "status": 503}, "FIELD_REQUIRED", "errorCode"),
        ({"kind": "error", "errorCode": "lower case", "status": 503}, "INVALID_VALUE", "errorCode"),
        ({"kind": "drop", "probability": 1.5}, "INVALID_VALUE", "probability"),
        ({"kind": "drop", "probability": -0.1}, "INVALID_VALUE", "probability"),
        ({"kind": "drop", "count": 0}, "INVALID_VALUE", "count"),
        ({"kind": "drop", "operation": "Send"}, "INVALID_VALUE", "operation"),
        ({"kind": "timeout", "latencyMs": 5}, "FAULT_FIELD_NOT_APPLICABLE", "latencyMs"),
        (
            {"kind": "latency", "latencyMs": 5, "status": 500},
            "FAULT_FIELD_NOT_APPLICABLE",
            "status",
        ),
        (
            {"kind": "drop", "ttlSeconds": 5, "expiresAt": "2099-01-01T00:00:00+05:00"},
            "EXPIRY_OR_TTL",
            "ttlSeconds",
        ),
        ({"kind": "drop", "expiresAt": "2000-01-01T00:00:00+05:00"}, "EXPIRY_IN_PAST", "expiresAt"),
        ({"kind": "drop", "expiresAt": "2099-01-01T00:00:00"}, "INVALID_VALUE", "expiresAt"),
        ({"kind": "drop", "colour": "red"}, "UNKNOWN_FIELD", "colour"),
    ],
)
async def test_bad_rule_is_a_422_naming_the_field(
    client: httpx.AsyncClient, body: dict[str, Any], code: str, field: str
) -> None:
    reply = await client.post("/admin/faults", json=body, headers=ADMIN)
    assert reply.status_code == 422, reply.text
    problem = reply.json()
    assert (problem["code"], problem["field"]) == (code, field)
    assert len(set(problem["messages"].values())) == 3
    assert await rules(client) == []


async def test_several_rule_mistakes_are_listed_together(client: httpx.AsyncClient) -> None:
    reply = await client.post("/admin/faults", json={"kind": "error"}, headers=ADMIN)
    problem = reply.json()
    assert (reply.status_code, problem["code"]) == (422, "VALIDATION_FAILED")
    assert [(e["code"], e["field"]) for e in problem["errors"]] == [
        ("FIELD_REQUIRED", "errorCode"),
        ("FIELD_REQUIRED", "status"),
    ]


# --- the pieces on their own: bounds and injected randomness --------------------------------


def _exchange(number: int, run_id: str | None) -> Exchange:
    return Exchange(
        channel="sync",
        operation="SendMessage",
        session_id=str(number),
        message_id=None,
        correlation_id=None,
        service_id=PERSON,
        sender_id=TESTER,
        route_id=None,
        provider="gbd_fl",
        run_id=run_id,
        scenario=None,
        started_at=datetime(2026, 11, 22, tzinfo=UTC),
        duration_ms=1.0,
        status=200,
        code=SUCCESS,
        request=b"{}",
        response=b"{}",
    )


def test_journal_keeps_the_newest_per_run_and_in_all() -> None:
    book = Journal(run_capacity=3, capacity=5)
    for number in range(5):
        book.observe(_exchange(number, "a"))
    everything = JournalQuery()
    assert [e.session_id for e in book.query(everything, limit=10, run_id="a")] == ["4", "3", "2"]
    for number in range(5, 9):
        book.observe(_exchange(number, "b" if number % 2 else None))
    # 3 of run a, then b and no-run alternate: the total cap of 5 pushes out a's oldest.
    assert len(book) == 5
    assert [e.session_id for e in book.query(everything, limit=10)] == ["8", "7", "6", "5", "4"]
    assert [e.session_id for e in book.query(everything, limit=10, run_id="a")] == ["4"]
    assert book.reset("b") == 2
    assert [e.session_id for e in book.query(everything, limit=10)] == ["8", "6", "4"]
    assert book.reset() == 3
    assert len(book) == 0


def test_fault_rules_draw_from_the_injected_random_source() -> None:
    rules = FaultRules(Clock(), rng=random.Random(3))
    rules.add(kind="drop", probability=0.5)
    picked = [
        rules.pick(service_id=PERSON, operation="SendMessage", sender_id=None, run_id=None)
        for _ in range(12)
    ]
    dice = random.Random(3)
    assert [fault is not None for fault in picked] == [dice.random() < 0.5 for _ in range(12)]
