"""A whole machinery registration through the desks in headless Chromium (Debian's): the ЦОН
operator takes the application at the window (M5–M9), the akimat officer checks, decides and
enters it (M10–M15), and after the month the archive act is signed by both (M16–M17). Every
signature is made by the NCALayer emulator over its WebSocket, with the key of the persona the
test chooses through the emulator's API; the bus clock is frozen and moved, never waited for.

Each desk page is photographed into the test's tmp dir, its weight and first contentful paint
measured, and the clicks of the whole registration are counted and printed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Locator, Page, expect

import frontoffice_service.problems  # noqa: F401  (the service's problem texts, registered)
from desks.dependencies import FRONTOFFICE
from desks.statuses import status_text
from desks.texts import Language
from desks.words import word
from egov.flow_client import persona
from egov.launcher import BusPlan
from egov.machinery_flow import MachineryClient, scan_png
from egov.vin_flow import VinClient
from frontoffice_service.machinery.catalogue import APPLICATION_FORM
from servicekit.clock import ALMATY, bus_clock
from servicekit.messages import texts_for
from tests.fixtures.clock import MACHINERY_PILOT_DAY, day_fixture
from tests.fixtures.flows import flow_fixture

OFFICE, WORKER, OFFICER, HEAD = (
    "ALM-ALMALY",
    "frontoffice_worker_almaty",
    "akimat_officer_almaty",
    "frontoffice_head",
)
APPLICANT_IIN, PHONE = "900515310005", "+77015550101"
"""The persona buyer, an Almaty resident registering a new tractor."""

MEASURE = """async () => {
  const first = () => performance.getEntriesByType('paint')
    .find(e => e.name === 'first-contentful-paint');
  // A page opened by a click may not have painted yet when the navigation ends.
  const fcp = first() || await new Promise(resolve => new PerformanceObserver(
    () => first() && resolve(first())).observe({type: 'paint', buffered: true}));
  const nav = performance.getEntriesByType('navigation')[0];
  const bytes = [nav, ...performance.getEntriesByType('resource')]
    .reduce((sum, e) => sum + (e.transferSize || e.encodedBodySize || 0), 0);
  return {fcp: fcp.startTime, bytes};
}"""


flow = flow_fixture(MachineryClient, scope="module")
pilot_day = day_fixture(MACHINERY_PILOT_DAY)


class Desk:
    """One browser tab at the desks, signed in as one persona at a time; it counts the clicks
    and measures every page it opens."""

    def __init__(
        self,
        context: BrowserContext,
        page: Page,
        base: str,
        flow: MachineryClient,
        ncalayer: httpx.AsyncClient,
        shots: Path,
    ) -> None:
        self.context, self.page, self.base = context, page, base
        self.flow, self.ncalayer, self.shots = flow, ncalayer, shots
        self.clicks = 0
        self.logins = 0
        self.figures: dict[str, dict[str, float]] = {}

    async def sign_in(self, persona: str, then: str) -> None:
        """The persona at the desk: their key chosen in NCALayer, the login by ЭЦП, then the
        page `then`."""
        reply = await self.ncalayer.put("/persona", json={"persona": persona})
        reply.raise_for_status()
        query = urlencode({"audience": FRONTOFFICE, "next": then})
        await self.page.goto(f"{self.base}/login?{query}")
        await self.click(self.page.locator("#login"))
        await self.page.wait_for_url(f"{self.base}{then}")
        self.logins += 1

    async def open(self, path: str, name: str) -> None:
        reply = await self.page.goto(f"{self.base}{path}")
        assert reply is not None
        assert reply.status == 200, path
        await self.measure(name)

    async def measure(self, name: str) -> None:
        found = await self.page.evaluate(MEASURE)
        self.figures.setdefault(name, found)
        await self.page.screenshot(path=self.shots / f"{name}.png", full_page=True)

    async def click(self, target: Locator) -> None:
        self.clicks += 1
        await target.click()


@pytest.fixture
async def desk(
    signing_browser: Browser,
    bus: BusPlan,
    flow: MachineryClient,
    ncalayer: httpx.AsyncClient,
    tmp_path: Path,
) -> AsyncIterator[Desk]:
    context = await signing_browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if "127.0.0.1" not in r.url else None)
    print(f"screenshots: {tmp_path}")
    try:
        yield Desk(context, page, bus.url("desks"), flow, ncalayer, tmp_path)
    finally:
        await page.screenshot(path=tmp_path / "last.png", full_page=True)
        await context.close()
    assert outside == [], "the desks fetched from elsewhere"


async def _status(page: Page, code: str, language: Language = "ru") -> None:
    """The application's status in words of the page's language, its code kept for testers."""
    await expect(page.locator("#status")).to_have_attribute("data-status", code)
    await expect(page.locator("#status")).to_have_text(status_text("machinery", code, language))


async def _identify(desk: Desk, vin: str, language: Language = "ru") -> str:
    """M5, M6.1 at the window: a ticket issued and called, the visitor identified."""
    page = desk.page
    await desk.open("/tson", "tson_queue")
    await desk.click(page.locator("#issue-submission button"))
    waiting = page.locator("#tickets tr[data-status=WAITING]").last
    await expect(waiting.locator("td[data-kind=SUBMISSION]")).to_have_text(
        word("ticket_kind", "SUBMISSION", language)
    )
    await desk.click(waiting.get_by_role("button"))
    called = page.locator("#tickets tr[data-status=CALLED]").last
    await desk.click(called.get_by_role("link"))
    await desk.measure("tson_new")
    form = page.locator("#identify")
    await form.locator("input[name=applicant]").fill(APPLICANT_IIN)
    await form.locator("input[name=phone]").fill(PHONE)
    await form.locator("input[name=visitorIin]").fill(APPLICANT_IIN)
    await form.locator("input[name=machineId]").fill(vin)
    await desk.click(page.locator("#take-photo"))
    await desk.click(form.get_by_role("button", name="M6.1"))
    await _status(page, "IDENTIFIED", language)
    return await page.locator("#number").inner_text()


async def test_a_whole_machinery_registration_through_the_desks(
    desk: Desk, flow: MachineryClient, pilot_day: datetime
) -> None:
    page = desk.page
    vin = await flow.new_machine("buyer")

    # --- the ЦОН operator (M5–M9) ---
    await desk.sign_in(WORKER, "/tson")
    number = await _identify(desk, vin)
    await desk.measure("tson_application")
    # The form's first choices, in words, their codes kept for testers.
    await expect(page.locator("[data-action=REGISTRATION]")).to_have_text(
        word("action", "REGISTRATION", "ru")
    )
    await expect(page.locator("[data-machine-kind=TRACTOR]")).to_have_text(
        word("machine_kind", "TRACTOR", "ru")
    )
    await expect(page.locator("[data-role=APPLICANT]")).to_have_text(
        word("role", "APPLICANT", "ru")
    )
    await desk.click(page.locator("#all-present"))
    await desk.click(page.locator("#package").get_by_role("button").last)
    await _status(page, "PACKAGE_ACCEPTED")
    await desk.click(page.locator("#fees-check button"))
    refusal = page.locator(".refusal")
    if await refusal.count():
        # M6.3: ПШЭП has no payment yet; the desk's invoice, paid by the applicant.
        await expect(refusal).to_have_attribute("data-code", "FEES_NOT_PAID")
        await expect(refusal.locator(".step")).to_have_text("M6.3")
        await desk.click(page.locator("#fees-invoice button"))
        invoice = await page.locator("#invoice").inner_text()
        paid = await flow.http.post(
            f"{flow.url('payments')}/payments/invoices/{invoice}/pay",
            json={"method": "CARD"},
            headers={"Idempotency-Key": f"pay-{invoice}"},
        )
        paid.raise_for_status()
        await desk.click(page.locator("#fees-check button"))
    await _status(page, "FEES_CONFIRMED")
    await expect(page.locator("#scans td[title=APPLICATION_FORM]")).to_have_text(
        APPLICATION_FORM.names.ru
    )
    scans = page.locator("#scans input[type=file]")
    for index in range(await scans.count()):
        await scans.nth(index).set_input_files(
            {"name": f"scan{index}.png", "mimeType": "image/png", "buffer": scan_png(index)}
        )
    await expect(page.locator("#scans .scan-state.ok")).to_have_count(await scans.count())
    await desk.click(page.locator("#sign button"))
    await _status(page, "SENT")
    # The visit is over once the application is sent: the ticket is served by itself.
    await desk.open("/tson", "tson_queue")
    await expect(page.locator("#tickets tr[data-status=SERVED]")).to_have_count(1)
    await desk.open("/tson/applications", "tson_applications")
    await desk.open("/tson/pickups", "tson_pickups")

    # --- the akimat officer (M10–M15) ---
    app = await flow.at_desk(WORKER, {"office": OFFICE, "number": number})
    await flow.received(OFFICER, app)
    await desk.sign_in(OFFICER, "/akimat")
    await desk.open("/akimat", "akimat_inbox")
    row = page.locator(f"#inbox tr[data-number='{number}']")
    await expect(row.locator(".badge[title=RECEIVED]")).to_have_text(
        status_text("machinery", "RECEIVED", "ru")
    )
    await desk.click(row.get_by_role("link"))
    await desk.measure("akimat_application")
    await expect(page.locator("[data-action=REGISTRATION]")).to_have_text(
        word("action", "REGISTRATION", "ru")
    )
    await expect(page.locator("#checks tr[data-passed=false]")).to_have_count(0)
    await expect(page.locator("#term")).to_contain_text("M14")
    await desk.click(page.locator("#decision button"))
    await _status(page, "APPROVED")
    entry = page.locator("#entry")
    await entry.locator("input[name=technicalPassport]").fill(f"AL 1{vin[-6:]}")
    await entry.locator("input[name=plate]").fill(await flow.free_plate("02"))
    await desk.click(entry.get_by_role("button"))
    await _status(page, "ISSUED")
    await expect(page.locator("#entered")).to_contain_text("M15")
    await flow.sms_about(PHONE, number, "Выдача")
    await desk.open(f"/sms?phone={PHONE.replace('+', '%2B')}", "sms")
    await expect(page.locator(f"#sms tr[data-reference='{number}']").first).to_be_visible()

    # --- a month later: the archive act, signed by both (M16–M17) ---
    keep_until = date.fromisoformat((await flow.at_desk(WORKER, app))["keepUntil"])
    bus_clock.freeze(datetime.combine(keep_until + timedelta(days=1), time(10), ALMATY))
    await desk.sign_in(OFFICER, "/akimat/archive")
    await desk.open("/akimat/archive", "akimat_archive")
    await expect(page.locator(f"#due tr[data-number='{number}']")).to_have_attribute(
        "data-due", "true"
    )
    await desk.click(page.locator(".draw-act button").first)
    act = page.locator("#acts tr[data-status=DRAFT]").first
    await desk.click(act.get_by_role("button"))
    # Signed by the provider: the act waits for the head, with no button left here.
    await expect(act.get_by_role("button")).to_have_count(0)
    await expect(act).to_contain_text(persona(OFFICER)["iin"])
    await desk.sign_in(HEAD, "/tson/archive")
    await desk.open("/tson/archive", "tson_archive")
    await desk.click(page.locator("#acts tr[data-status=DRAFT]").first.get_by_role("button"))
    await expect(page.locator("#acts tr[data-status=SIGNED]")).to_have_count(1)
    signed = page.locator("#acts tr[data-status=SIGNED]")
    await expect(signed).not_to_contain_text("—")  # both signatures, with their times
    handed = await flow.at_desk(WORKER, app)
    assert handed["archiveStatus"] == "HANDED_OVER"

    print(
        f"clicks for a whole machinery registration (M5–M17): {desk.clicks}, of them "
        f"{desk.logins} to sign in by ЭЦП"
    )
    for name, figure in desk.figures.items():
        print(
            f"{name}: {figure['bytes'] / 1024:.1f} KB, first contentful paint "
            f"{figure['fcp']:.0f} ms"
        )
    assert all(f["fcp"] is not None for f in desk.figures.values())


@pytest.mark.step("M8", "PACKAGE_INCOMPLETE")
async def test_m8_an_incomplete_package_is_refused_with_its_step_and_text(
    desk: Desk, flow: MachineryClient, pilot_day: datetime
) -> None:
    page = desk.page
    await desk.sign_in(WORKER, "/tson")
    await page.goto(f"{desk.base}/tson?lang=kk")
    number = await _identify(desk, await flow.new_machine("buyer"), "kk")
    # Every document but the first is present and valid.
    await desk.click(page.locator("#all-present"))
    await page.locator("#package tbody tr").first.locator("input").first.uncheck()
    await desk.click(page.locator("#package").get_by_role("button").last)
    await _status(page, "REFUSED", "kk")
    refusal = page.locator(".refusal")
    await expect(refusal).to_have_attribute("data-code", "PACKAGE_INCOMPLETE")
    await expect(refusal.locator(".step")).to_have_text("M8")
    app = await flow.at_desk(WORKER, {"office": OFFICE, "number": number})
    await expect(refusal.locator(".text")).to_have_text(app["refusal"]["messages"]["kk"])
    await page.screenshot(path=desk.shots / "m8_refusal.png", full_page=True)


async def test_the_queue_calls_and_marks_a_no_show_and_v20_refuses_a_pickup_ticket(
    desk: Desk, flow: MachineryClient, pilot_day: datetime
) -> None:
    """M5's queue at the window (issue, call the longest waiting, no-show) and V20's reception
    check: nothing waits at this office for the visitor, so no pick-up ticket, in English."""
    page = desk.page
    await desk.sign_in(WORKER, "/tson")
    await page.goto(f"{desk.base}/tson?lang=en")
    await desk.click(page.locator("#issue-submission button"))
    code = (await page.locator("main > p.note").inner_text()).strip()
    await desk.click(page.locator("#call-next button"))
    ticket = page.locator(f"#tickets tr[data-ticket='{code}']")
    await expect(ticket).to_have_attribute("data-status", "CALLED")
    await desk.click(ticket.get_by_role("button", name="No-show"))
    await expect(ticket).to_have_attribute("data-status", "NO_SHOW")
    pickup = page.locator("#issue-pickup")
    await pickup.locator("input[name=visitorIin]").fill(persona("buyer_2")["iin"])
    await desk.click(pickup.get_by_role("button"))
    refusal = page.locator(".refusal")
    await expect(refusal).to_have_attribute("data-code", "PICKUP_NOT_READY")
    await expect(refusal.locator(".step")).to_have_text("V20")
    await expect(refusal.locator(".text")).not_to_be_empty()
    await page.screenshot(path=desk.shots / "v20_refusal.png", full_page=True)


@pytest.mark.step("V21")
async def test_v20_to_v22_the_operator_hands_a_vin_registrations_documents_over(
    desk: Desk, flow: MachineryClient, pilot_day: datetime
) -> None:
    """A VIN registration approved by the police (played over the API) leaves its СРТС and
    plate at the ЦОН; the operator issues the pick-up ticket at reception (V20), calls it and
    hands the documents over (V21–V22) through the pages. A mistyped application number is
    V21's refusal first: its step, code and text shown in the chosen language (Kazakh)."""
    vin_flow = VinClient(flow.url, flow.http)
    buyer_iin = persona("buyer")["iin"]
    app = await vin_flow.submitted(
        "dealer_manager", "buyer", await vin_flow.new_vehicle("dealer_astana_motors", "buyer")
    )
    await vin_flow.police_case("police_officer_almaty", app)
    decided = await vin_flow.decide("police_officer_almaty", app, approve=True)
    assert decided.status_code == 200, decided.text
    await vin_flow.documents_at(WORKER, OFFICE, "buyer", app)

    page = desk.page
    await desk.sign_in(WORKER, "/tson")
    await page.locator("#issue-pickup input[name=visitorIin]").fill(buyer_iin)
    await desk.click(page.locator("#issue-pickup button"))
    code = (await page.locator("main > p.note").inner_text()).strip()
    ticket = page.locator(f"#tickets tr[data-ticket='{code}']")
    await desk.click(ticket.get_by_role("button", name="Вызвать"))
    await desk.click(ticket.get_by_role("link"))
    await desk.measure("tson_pickups_called")
    await page.goto(f"{page.url}&lang=kk")
    form = page.locator("#hand-over")
    wrong = f"{app['number']}9"
    await form.locator("input[name=applicationNumber]").fill(wrong)
    await form.locator("input[name=visitorIin]").fill(buyer_iin)
    await desk.click(form.get_by_role("button"))
    refusal = page.locator(".refusal")
    await expect(refusal).to_have_attribute("data-code", "PICKUP_WRONG_APPLICATION")
    await expect(refusal.locator(".step")).to_have_text("V21")
    texts = texts_for("PICKUP_WRONG_APPLICATION").render({"application_number": wrong})
    await expect(refusal.locator(".text")).to_have_text(texts["kk"])
    await page.screenshot(path=desk.shots / "v21_refusal.png", full_page=True)
    await form.locator("input[name=applicationNumber]").fill(app["number"])
    await form.locator("input[name=visitorIin]").fill(buyer_iin)
    await desk.click(form.get_by_role("button"))
    handed_over = status_text("pickup", "HANDED_OVER", "kk")
    await expect(page.locator("main > p.note")).to_contain_text(f"{app['number']}: {handed_over}")
    row = page.locator(f"#pickups tr[data-application='{app['number']}']")
    await expect(row.locator("td[title=HANDED_OVER]")).to_have_text(handed_over)
    await page.screenshot(path=desk.shots / "v22_handed_over.png", full_page=True)


@pytest.mark.step("M13", "PROVIDER_REFUSED")
async def test_m14_an_overdue_application_is_flagged_and_m13_refused_with_its_reason(
    desk: Desk, flow: MachineryClient, pilot_day: datetime
) -> None:
    """The inbox flags an application past its one working day (M14, the bus clock moved past
    `dueAt`); the officer refuses it with a reason, signed through NCALayer, and the page shows
    the refusal's step, code and text, the reason in it."""
    machine = {"kind": "TRACTOR", "id": await flow.new_machine("buyer")}
    app = await flow.sent(
        WORKER,
        OFFICE,
        action="REGISTRATION",
        applicant_key="buyer",
        visitor="buyer",
        machine=machine,
    )
    received = await flow.received(OFFICER, app)
    bus_clock.freeze(datetime.fromisoformat(received["dueAt"]) + timedelta(minutes=1))
    page = desk.page
    await desk.sign_in(OFFICER, "/akimat")
    await page.check("input[name=overdue]")
    await desk.click(page.locator("form.filters button"))
    row = page.locator(f"#inbox tr[data-number='{app['number']}']")
    await expect(row).to_have_class("overdue")
    await expect(row.locator(".badge.refused")).to_be_visible()
    await page.screenshot(path=desk.shots / "m14_overdue.png", full_page=True)
    await desk.click(row.get_by_role("link"))
    await expect(page.locator("#term .badge.refused")).to_be_visible()
    reason = "Заводской номер на раме не совпадает с ЭПСМ"
    await page.check("#decision input[name=approve][value=false]")
    await page.fill("#decision textarea[name=reason]", reason)
    await desk.click(page.locator("#decision button"))
    await _status(page, "REFUSED")
    refusal = page.locator(".refusal")
    await expect(refusal).to_have_attribute("data-code", "PROVIDER_REFUSED")
    await expect(refusal.locator(".step")).to_have_text("M13")
    await expect(refusal.locator(".text")).to_contain_text(reason)
    await page.screenshot(path=desk.shots / "m13_refusal.png", full_page=True)
