"""The console's pages and routes over HTTP, against a running bus: what they show comes from
the services' public APIs, and what they do changes the bus."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

import httpx

from egov.flow_client import persona
from egov.launcher import BusPlan
from egov.vin_flow import VinClient
from gbd_fl.seed import load_records
from servicekit.http_clients import async_client
from servicekit.topology import SERVICES
from tests.harness import envelope, send

PERSON = "GBDFL_UniversalServiceSync"
ALIVE_IIN = next(r["iin"] for r in load_records() if r["lifeStatus"] == "ALIVE")


async def _call_gbd_fl(bus: BusPlan, **info: str) -> str:
    request = envelope(PERSON, {"iin": ALIVE_IIN}, **info)
    async with async_client(timeout=20) as client:
        reply = await send(client, bus, request)
    assert reply.status_code == 200, reply.text
    message_id: str = request["requestInfo"]["messageId"]
    return message_id


async def test_landing_page_lists_the_console(desks: httpx.AsyncClient) -> None:
    page = await desks.get("/")
    assert page.status_code == 200
    assert 'href="/console"' in page.text
    assert "Консоль тестировщика" in page.text


async def test_every_service_of_the_topology_is_shown_ready(desks: httpx.AsyncClient) -> None:
    found = (await desks.get("/console/api/health")).raise_for_status().json()
    assert [s["name"] for s in found] == [s.name for s in SERVICES]
    assert {s["status"] for s in found} == {"ready"}
    page = (await desks.get("/console")).text
    for service in SERVICES:
        assert f'data-service="{service.name}"' in page
    assert page.count('class="badge ready"') == len(SERVICES)


async def test_the_clock_is_frozen_set_advanced_and_unfrozen_through_the_page(
    desks: httpx.AsyncClient, bus: BusPlan
) -> None:
    async def clock() -> dict[str, object]:
        found: dict[str, object] = (await desks.get("/console/api/clock")).json()
        return found

    async def act(**form: str) -> httpx.Response:
        return await desks.post("/console/clock", data=form)

    try:
        reply = await act(action="freeze")
        assert reply.status_code == 303
        assert (await clock())["frozen"] is True
        await act(action="set", at="2026-03-02T05:00:00Z")
        assert (await clock())["now"] == "2026-03-02T05:00:00Z"
        assert str((await clock())["localNow"]).startswith("2026-03-02T10:00:00")
        await act(action="advance", seconds="3600")
        assert (await clock())["now"] == "2026-03-02T06:00:00Z"
        # The page shows the bus clock as the gateway tells it to anyone.
        async with async_client() as client:
            public = (await client.get(f"{bus.url('gateway')}/clock")).json()
        assert public["now"] == "2026-03-02T06:00:00Z"
        assert "2026-03-02 06:00:00Z" in (await desks.get("/console")).text
        assert "2026-03-02 11:00:00+05:00" in (await desks.get("/console")).text
        await act(action="unfreeze")
        assert (await clock())["frozen"] is False
        refused = await act(action="advance", seconds="-5")
        assert "note=" in refused.headers["location"]
        assert "seconds: INVALID_VALUE" in (await desks.get(refused.headers["location"])).text
    finally:
        await act(action="reset")
    assert (await clock())["frozen"] is False
    assert (await clock())["offsetSeconds"] == 0


async def test_a_conversation_is_drawn_through_the_gateway(
    desks: httpx.AsyncClient, bus: BusPlan
) -> None:
    first = await _call_gbd_fl(bus)
    await _call_gbd_fl(bus, correlationId=first)
    flow = (await desks.get("/console/api/flow", params={"correlationId": first})).json()
    assert flow["participants"] == ["tester", "gateway", "gbd_fl"]
    hops = [(a["from"], a["to"]) for a in flow["arrows"]]
    assert (
        hops
        == [
            ("tester", "gateway"),
            ("gateway", "gbd_fl"),
            ("gbd_fl", "gateway"),
            ("gateway", "tester"),
        ]
        * 2
    )
    answers = [a for a in flow["arrows"] if a["to"] == "tester"]
    assert all(a["label"].startswith("200 SCSS001") for a in answers)
    # Payloads are the journal's, masked: the ИИН never shows in full.
    assert ALIVE_IIN not in str(flow)
    assert flow["arrows"][0]["payload"]["requestInfo"]["messageId"] == first
    page = (await desks.get("/console/flow", params={"correlationId": first})).text
    assert f'data-correlation-id="{first}"' in page


async def test_an_application_s_flow_is_opened_by_its_id(
    desks: httpx.AsyncClient, bus: BusPlan, pilot_day: datetime
) -> None:
    """V1–V8 on the portal: the console draws every registry call the portal made for the
    application, in the order of its checks, from the application's id alone."""
    async with async_client(timeout=30) as http:
        flow = VinClient(bus.url, http)
        vin = await flow.new_vehicle("dealer_astana_motors", "buyer")
        app = await flow.start("dealer_manager")
        app = await flow.enter_vin("dealer_manager", app, vin)
        app = await flow.enter_buyer("dealer_manager", app, persona("buyer")["iin"])
        full = await flow.ok("dealer_manager", "GET", f"/dealer/applications/{app['id']}")
        checks = [c["serviceId"] for c in full["checks"]]
    assert len(checks) >= 6, checks  # V1, V3, V4, V5, V7, V8

    drawn = (await desks.get("/console/api/flow", params={"correlationId": app["id"]})).json()
    assert drawn["participants"][:2] == ["registration_service", "gateway"]
    calls = [a for a in drawn["arrows"] if a["from"] == "registration_service"]
    assert [a["serviceId"] for a in calls] == checks
    answers = [a for a in drawn["arrows"] if a["to"] == "registration_service"]
    assert all(a["label"].startswith("200 SCSS001") for a in answers)
    assert all(a["payload"]["responseInfo"]["correlationId"] == app["id"] for a in answers)

    page = (await desks.get("/console/flow", params={"applicationId": app["id"]})).text
    assert f'data-correlation-id="{app["id"]}"' in page
    wrong = (await desks.get("/console/flow", params={"applicationId": app["number"]})).text
    assert 'class="error"' in wrong
    assert "data-correlation-id" not in wrong


async def test_the_journal_is_searched_by_its_filters(
    desks: httpx.AsyncClient, bus: BusPlan
) -> None:
    message_id = await _call_gbd_fl(bus)
    page = (await desks.get("/console/journal", params={"messageId": message_id})).text
    assert f"/console/flow?correlationId={message_id}" in page
    assert PERSON in page
    nothing = (await desks.get("/console/journal", params={"messageId": str(uuid.uuid4())})).text
    assert "/console/flow?correlationId=" not in nothing
    refused = (await desks.get("/console/journal", params={"limit": "0"})).text
    assert 'class="error"' in refused


async def test_a_fault_rule_is_created_listed_and_removed(desks: httpx.AsyncClient) -> None:
    made = await desks.post(
        "/console/faults",
        data={
            "kind": "error",
            "serviceId": "NO_SUCH_SERVICE",
            "errorCode": "X_FAULT",
            "status": "503",
        },
    )
    assert made.status_code == 303
    rule_id = made.headers["location"].split("%2B+")[-1]
    page = (await desks.get("/console/faults")).text
    assert f'data-rule="{rule_id}"' in page
    assert "503 X_FAULT" in page
    removed = await desks.post(f"/console/faults/{rule_id}/remove")
    assert removed.status_code == 303
    assert f'data-rule="{rule_id}"' not in (await desks.get("/console/faults")).text
    # What the gateway refuses comes back as a note on the page.
    wrong = await desks.post("/console/faults", data={"kind": "error"})
    assert "errorCode: " in (await desks.get(wrong.headers["location"])).text
    gone = await desks.post(f"/console/faults/{rule_id}/remove")
    assert "FAULT_RULE_NOT_FOUND" in (await desks.get(gone.headers["location"])).text


async def test_scenarios_are_read_from_each_registrys_openapi(desks: httpx.AsyncClient) -> None:
    page = (await desks.get("/console/scenarios")).text
    for scenario in ("gbd_fl.not_found", "gbd_fl.deceased", "erap_fines.unpaid_fines"):
        assert f"<code>{scenario}</code>" in page
    assert "the person is not in the registry" in page
    # Only the registries declare scenarios; the state services and the gateway have none.
    assert '<h2 id="gbd_fl">' in page
    assert '<h2 id="registration_service">' not in page
    assert 'class="error"' not in page


async def test_incidents_show_nothing_parked_and_redrive_answers(desks: httpx.AsyncClient) -> None:
    page = (await desks.get("/console/incidents")).text
    assert "Отложенных сообщений нет" in page
    assert 'class="error"' not in page
    done = await desks.post("/console/incidents/redrive", data={"service": "registration_service"})
    assert "redriven" in done.headers["location"]
    missing = await desks.post(
        "/console/incidents/redrive", data={"service": "gbd_fl", "messageId": "nope"}
    )
    assert "DEAD_LETTER_NOT_FOUND" in (await desks.get(missing.headers["location"])).text


async def test_the_message_logs_chain_is_checked(desks: httpx.AsyncClient, bus: BusPlan) -> None:
    await _call_gbd_fl(bus)
    page = (await desks.get("/console/log", params={"serviceId": PERSON})).text
    assert 'class="badge ready">цела' in page
    assert f"<td>{PERSON}</td>" in page
    assert "Сообщений нет" not in page
    other = (await desks.get("/console/log", params={"serviceId": "NO_SUCH_SERVICE"})).text
    assert "Сообщений нет" in other


async def test_labels_follow_the_chosen_language(desks: httpx.AsyncClient) -> None:
    kazakh = await desks.get("/console", params={"lang": "kk"})
    assert "Шина сағаты" in kazakh.text
    assert kazakh.cookies.get("desks-lang") == "kk"
    english = await desks.get("/console", params={"lang": "en"})
    assert "Bus clock" in english.text
    assert '<html lang="en">' in english.text


async def test_everything_a_page_loads_is_served_by_the_desks(desks: httpx.AsyncClient) -> None:
    # Nothing from elsewhere (a CDN, the internet): the SVG namespace is a name, not a fetch.
    elsewhere = re.compile(r"https?://(?!www\.w3\.org/2000/svg)")
    for name in ("desks.css", "console.js", "flow.js"):
        reply = await desks.get(f"/static/{name}")
        assert reply.status_code == 200, name
        assert not elsewhere.search(reply.text), name
    page = (await desks.get("/console")).text
    assert re.findall(r'(?:src|href)="(/static/[^"]+)"', page) == [
        "/static/desks.css",
        "/static/console.js",
    ]
