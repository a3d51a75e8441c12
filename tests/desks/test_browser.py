"""The console in headless Chromium (Debian's, no browser download): a conversation through
the gateway appears on the sequence diagram in order, live, with its masked payloads on a
click; a fault rule is made and removed through the page. Every console page is photographed
into the test's tmp dir (the path is printed, so a failure's report names it)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from egov.launcher import BusPlan
from egov.vin_flow import VinClient
from gbd_fl.seed import load_records
from servicekit.http_clients import async_client
from tests.harness import envelope, send

PERSON = "GBDFL_UniversalServiceSync"
ALIVE_IIN = next(r["iin"] for r in load_records() if r["lifeStatus"] == "ALIVE")
PAGES = ("console", "flow", "journal", "faults", "scenarios", "incidents", "log")


@pytest.fixture
async def page(browser: Browser, tmp_path: Path) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if "127.0.0.1" not in r.url else None)
    print(f"screenshots: {tmp_path}")
    try:
        yield page
    finally:
        await page.screenshot(path=tmp_path / "last.png", full_page=True)
        await context.close()
    assert outside == [], "the console fetched from elsewhere"


async def _call(bus: BusPlan, **info: str) -> str:
    request = envelope(PERSON, {"iin": ALIVE_IIN}, **info)
    async with async_client(timeout=20) as client:
        (await send(client, bus, request)).raise_for_status()
    message_id: str = request["requestInfo"]["messageId"]
    return message_id


async def _hops(page: Page) -> list[tuple[str, str]]:
    arrows: list[dict[str, Any]] = await page.eval_on_selector_all(
        "#flow g.arrow", "gs => gs.map(g => ({from: g.dataset.from, to: g.dataset.to}))"
    )
    return [(a["from"], a["to"]) for a in arrows]


async def test_the_sequence_diagram_draws_a_conversation_live(
    page: Page, bus: BusPlan, tmp_path: Path
) -> None:
    first = str(uuid.uuid4())
    # The page is open before anything is sent: the diagram grows as the gateway answers.
    await page.goto(f"{bus.url('desks')}/console/flow?correlationId={first}")
    await expect(page.locator("#flow")).to_contain_text("Сообщений нет")
    await _call(bus, messageId=first)
    await _call(bus, correlationId=first)
    arrows = page.locator("#flow g.arrow")
    await expect(arrows).to_have_count(8, timeout=15_000)
    heads = await page.eval_on_selector_all(
        "#flow g.head", "gs => gs.map(g => g.dataset.participant)"
    )
    assert heads == ["tester", "gateway", "gbd_fl"]
    round_trip = [("tester", "gateway"), ("gateway", "gbd_fl"), ("gbd_fl", "gateway")]
    assert await _hops(page) == [*round_trip, ("gateway", "tester")] * 2
    await expect(arrows.nth(3)).to_contain_text("200 SCSS001")
    # A click on the gateway's answer shows it, masked.
    await arrows.nth(3).click()
    payload = page.locator("#payload-body")
    await expect(payload).to_contain_text('"correlationId"')
    assert ALIVE_IIN not in await payload.inner_text()
    await page.screenshot(path=tmp_path / "flow.png", full_page=True)


async def test_an_application_s_flow_is_opened_by_its_id_and_grows_with_its_steps(
    page: Page, bus: BusPlan, pilot_day: datetime, tmp_path: Path
) -> None:
    async with async_client(timeout=30) as http:
        flow = VinClient(bus.url, http)
        vin = await flow.new_vehicle("dealer_astana_motors", "buyer")
        app = await flow.start("dealer_manager")  # V1: ГБД ЮЛ
        await page.goto(f"{bus.url('desks')}/console/flow?lang=en")
        await page.locator("input[name=applicationId]").fill(app["id"])
        await page.locator("input[name=applicationId]").press("Enter")
        calls = page.locator('#flow g.arrow[data-from="registration_service"]')
        await expect(calls).to_have_count(1, timeout=15_000)
        await expect(calls.first).to_contain_text("GBDUL_UniversalServiceSync")
        await flow.enter_vin("dealer_manager", app, vin)  # V3–V5, drawn as they happen
        await expect(calls).to_have_count(4, timeout=15_000)
    texts = await calls.all_text_contents()
    for text, service in zip(
        texts,
        (
            "GBDUL_UniversalServiceSync",
            "EPTS_PassportByVin",
            "CUSTOMS_PaymentsByVin",
            "RECYCLING_FeeByVin",
        ),
        strict=True,
    ):
        assert service in text
    await page.screenshot(path=tmp_path / "application-flow.png", full_page=True)


async def test_a_fault_rule_is_made_through_the_page_and_hits_the_next_call(
    page: Page, bus: BusPlan
) -> None:
    await page.goto(f"{bus.url('desks')}/console/faults?lang=en")
    form = page.locator("#new-fault")
    await form.locator("select[name=kind]").select_option("error")
    await form.locator("input[name=serviceId]").fill(PERSON)
    await form.locator("input[name=errorCode]").fill("CONSOLE_FAULT")
    await form.locator("input[name=status]").fill("503")
    await form.locator("input[name=count]").fill("2")
    await form.get_by_role("button", name="Add").click()
    rule = page.locator("#rules tr[data-rule]")
    await expect(rule).to_have_count(1)
    await expect(rule).to_contain_text("503 CONSOLE_FAULT")
    request = envelope(PERSON, {"iin": ALIVE_IIN})
    async with async_client(timeout=20) as client:
        refused = await send(client, bus, request)
    assert refused.status_code == 503
    await page.reload()
    await expect(rule).to_contain_text("1 / 2")
    await rule.get_by_role("button", name="Remove").click()
    await expect(page.locator("#rules tr[data-rule]")).to_have_count(0)


async def test_every_console_page_renders(page: Page, bus: BusPlan, tmp_path: Path) -> None:
    base = bus.url("desks")
    await _call(bus)
    for name in PAGES:
        path = "/console" if name == "console" else f"/console/{name}"
        reply = await page.goto(f"{base}{path}")
        assert reply is not None
        assert reply.status == 200, name
        await expect(page.locator("main h1, main h2").first).to_be_visible()
        await page.screenshot(path=tmp_path / f"{name}.png", full_page=True)
    # The live table keeps every service ready after a refresh of its own.
    await page.goto(f"{base}/console")
    await page.wait_for_timeout(2500)
    await expect(page.locator("#health .badge.ready")).to_have_count(
        await page.locator("#health tbody tr").count()
    )
    timing = await page.evaluate(
        """() => {
        const nav = performance.getEntriesByType('navigation')[0];
        const paint = performance.getEntriesByName('first-contentful-paint')[0];
        const bytes = [nav, ...performance.getEntriesByType('resource')]
            .reduce((sum, e) => sum + (e.transferSize || e.encodedBodySize || 0), 0);
        return {fcp: paint ? paint.startTime : null, load: nav.loadEventEnd, bytes};
    }"""
    )
    print(
        f"/console: first contentful paint {timing['fcp']:.0f} ms, load {timing['load']:.0f} ms,"
        f" {timing['bytes'] / 1024:.1f} KB"
    )
    assert timing["fcp"] is not None
