"""The VIN registration through the desks' pages, by the personas at their browsers (V1–V19):
the dealer starts it and signs, the buyer accepts, chooses, pays and signs in the cabinet, the
police officer approves with a signed decision, and the buyer's cabinet shows the СРТС. Every
login and every signature is made by the page through the NCALayer emulator, each person's
key chosen in it as they would pick their file. The clicks of the whole registration are
counted, and every desk page's weight and first contentful paint are printed."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page, expect

from desks.statuses import status_text
from desks.texts import Language
from egov.flow_client import new_vin, persona
from egov.vin_flow import VinClient
from tests.desks.conftest import People, Person

DEALER, BUYER, OFFICER = "dealer_manager", "buyer", "police_officer_almaty"
CENTRE = "ALM-ALMALY"
MEASURE = """() => new Promise(resolve => {
    const done = (fcp) => {
        const nav = performance.getEntriesByType('navigation')[0];
        const bytes = [nav, ...performance.getEntriesByType('resource')]
            .filter(e => !e.name.includes('/stream'))
            .reduce((sum, e) => sum + (e.transferSize || e.encodedBodySize || 0), 0);
        resolve({fcp, bytes});
    };
    const paint = performance.getEntriesByType('paint')
        .find(e => e.name === 'first-contentful-paint');
    if (paint) return done(paint.startTime);
    // Asked before the page has painted: the entry, once there is one.
    new PerformanceObserver((list, observer) => {
        const first = list.getEntriesByName('first-contentful-paint')[0];
        if (first) { observer.disconnect(); done(first.startTime); }
    }).observe({type: 'paint', buffered: true});
})"""


@pytest.fixture(autouse=True)
def _inside_the_pilot(pilot_day: datetime) -> None:
    """The bus clock stands on a working day of the VIN pilot."""


class Figures:
    def __init__(self) -> None:
        self.pages: dict[str, dict[str, Any]] = {}

    async def measure(self, name: str, page: Page) -> None:
        # Each desk page once, as first shown (its weight with the CSS and JS it loads).
        for _ in range(3):
            if name in self.pages:
                return
            try:
                self.pages[name] = await page.evaluate(MEASURE)
            except PlaywrightError:
                # The police inbox renews itself: asked as it reloads, ask the new page.
                await page.wait_for_load_state()

    def report(self, clicks: int) -> None:
        for name, found in self.pages.items():
            kb, fcp = found["bytes"] / 1024, found["fcp"]
            print(f"{name}: {kb:.1f} KB, first contentful paint {fcp:.0f} ms")
        print(f"clicks for the whole VIN registration: {clicks}")


async def sign_in(person: Person, desk: str, figures: Figures | None = None) -> None:
    """Open a desk: the login page first, the person's AUTH key in NCALayer, back at the desk."""
    await person.page.goto(desk)
    await expect(person.page).to_have_url(re.compile(r"/login\?"))
    if figures:
        await figures.measure("login", person.page)
    await person.choose_key()
    await person.click("#login")
    await expect(person.page).to_have_url(re.compile(re.escape(desk) + "$"))


async def state(page: Page, wanted: str, language: Language = "ru") -> None:
    """The application's state: its code for testers, its words in the page's language."""
    await expect(page.locator("#state")).to_have_attribute("data-state", wanted, timeout=30_000)
    await expect(page.locator("#state-text")).to_have_text(status_text("vin", wanted, language))


async def test_v1_v19_a_whole_vin_registration_through_the_desks(
    people: People, flow: VinClient, tmp_path: Any
) -> None:
    vin = await flow.new_vehicle("dealer_astana_motors", BUYER)
    figures = Figures()

    # V1–V9: the dealer.
    dealer = await people.person(DEALER)
    await sign_in(dealer, "/vin/dealer", figures)
    await figures.measure("dealer: applications", dealer.page)
    await dealer.click("#new-application")
    await state(dealer.page, "V2_AWAITING_VIN")
    await figures.measure("dealer: application", dealer.page)
    await dealer.page.fill("#enter-vin input[name=vin]", vin)
    await dealer.click("#enter-vin button")
    await state(dealer.page, "V6_AWAITING_BUYER")
    for step in ("V3", "V4", "V5"):
        await expect(dealer.page.locator(f"#checks tr[data-step={step}]")).to_have_attribute(
            "data-outcome", "PASSED"
        )
    await dealer.page.fill("#enter-buyer input[name=iin]", persona(BUYER)["iin"])
    await dealer.click("#enter-buyer button")
    await state(dealer.page, "V9_AWAITING_SELLER_SIGNATURE")
    await expect(dealer.page.locator("#checks tr[data-step=V8]")).to_have_attribute(
        "data-outcome", "PASSED"
    )
    await expect(dealer.page.locator("#checks tr[data-step=V8] .badge")).to_have_text("пройдена")
    await dealer.choose_key()
    await dealer.click("#sign button")
    await state(dealer.page, "V10_AWAITING_BUYER_CONSENT")
    number = (await dealer.page.locator("main h1").inner_text()).split()[-1]
    await dealer.page.screenshot(path=tmp_path / "dealer.png", full_page=True)

    # V10–V18: the buyer, told in the cabinet.
    buyer = await people.person(BUYER)
    await sign_in(buyer, "/vin/cabinet")
    await figures.measure("cabinet", buyer.page)
    await expect(buyer.page.locator("#notifications li[data-kind]").first).to_be_visible()
    await buyer.click(f"#applications a:text-is('{number}')")
    await state(buyer.page, "V10_AWAITING_BUYER_CONSENT")
    await figures.measure("cabinet: application", buyer.page)
    await buyer.click("#accept")
    await state(buyer.page, "V15_AWAITING_PICKUP_CHOICE")
    await buyer.page.select_option("#pickup select[name=centreId]", CENTRE)
    await buyer.click("#pickup button")
    await state(buyer.page, "V16_AWAITING_PLATE")
    await buyer.click("#plate-choice button")
    await state(buyer.page, "V17_AWAITING_PAYMENT")
    await buyer.click("#pay")
    await state(buyer.page, "V18_AWAITING_BUYER_SIGNATURE")
    await buyer.choose_key()
    await buyer.click("#sign button")
    await state(buyer.page, "V19_AWAITING_DECISION")
    await expect(buyer.page.locator("#waiting")).to_be_visible()

    # V19: the police officer of the ЦОН's region.
    officer = await people.person(OFFICER)
    await sign_in(officer, "/vin/police")
    case = officer.page.locator(f"#inbox a:text-is('{number}')")
    await expect(case).to_be_visible(timeout=30_000)
    await figures.measure("police: inbox", officer.page)
    await officer.click(f"#inbox a:text-is('{number}')")
    await state(officer.page, "V19_AWAITING_DECISION")
    await figures.measure("police: case", officer.page)
    await officer.choose_key()
    await officer.click("#decision button")
    await expect(officer.page.locator("#decided")).to_contain_text("APPROVED")
    await expect(officer.page.locator("#decided [data-decision=APPROVED]")).to_have_text("Одобрено")
    await officer.page.screenshot(path=tmp_path / "police.png", full_page=True)

    # The buyer's open page hears the decision and shows the СРТС once printed.
    await expect(buyer.page.locator("#srts")).to_be_visible(timeout=30_000)
    await buyer.page.screenshot(path=tmp_path / "cabinet.png", full_page=True)
    await buyer.click("#srts")
    await expect(buyer.page.locator("#srts-data")).to_contain_text(vin)
    await figures.measure("cabinet: СРТС", buyer.page)
    await buyer.page.screenshot(path=tmp_path / "srts.png", full_page=True)

    figures.report(people.clicks)
    print(f"screenshots: {tmp_path}")
    assert len(figures.pages) == 8, sorted(figures.pages)
    assert all(found["fcp"] is not None for found in figures.pages.values())


async def test_v3_a_refusal_shows_its_step_code_and_text_in_the_chosen_language(
    people: People, flow: VinClient
) -> None:
    """A VIN the ЭПТС does not know (V3): the application ends refused, and the dealer's page
    says so in Kazakh with the step and the code the portal gave."""
    dealer = await people.person(DEALER)
    await sign_in(dealer, "/vin/dealer")
    await dealer.page.goto("/vin/dealer?lang=kk")
    await dealer.click("#new-application")
    await state(dealer.page, "V2_AWAITING_VIN", "kk")
    await dealer.page.fill("#enter-vin input[name=vin]", new_vin())
    await dealer.click("#enter-vin button")
    await state(dealer.page, "REFUSED", "kk")
    application_id = dealer.page.url.rsplit("/", 1)[-1]
    app = await flow.ok(DEALER, "GET", f"/dealer/applications/{application_id}")
    refusal = dealer.page.locator(".refusal")
    await expect(refusal).to_have_attribute("data-step", "V3")
    await expect(refusal).to_have_attribute("data-code", app["refusal"]["code"])
    await expect(refusal.locator("p")).to_have_text(app["refusal"]["messages"]["kk"])
    await expect(dealer.page.locator("#checks tr[data-step=V3]")).to_have_attribute(
        "data-outcome", "FAILED"
    )


async def test_v10_v14_the_cabinet_hears_the_application_live_and_pays_the_fines(
    people: People, flow: VinClient
) -> None:
    """The buyer's cabinet is open when the dealer signs: the V10 notification arrives through
    the relayed stream without a reload. Accepting meets unpaid fines (V14); "pay the fines
    and submit again" goes on to the ЦОН choice (V15)."""
    who = "buyer_with_fines"
    buyer = await people.person(who)
    await sign_in(buyer, "/vin/cabinet")
    vin = await flow.new_vehicle("dealer_astana_motors", who)
    app = await flow.signed_by_dealer(DEALER, vin, persona(who)["iin"])
    told = buyer.page.locator("#notifications li[data-kind]").filter(has_text=app["number"])
    await expect(told).to_have_count(1)
    await buyer.click(f"#notifications li:has-text('{app['number']}') a")
    await state(buyer.page, "V10_AWAITING_BUYER_CONSENT")
    await buyer.click("#accept")
    await state(buyer.page, "V14_AWAITING_FINES_PAYMENT")
    await expect(buyer.page.locator("#fines tbody tr").first).to_be_visible()
    await expect(buyer.page.locator("#notifications li[data-kind=FINES_UNPAID]")).to_be_visible()
    await buyer.click("#pay-fines")
    await state(buyer.page, "V15_AWAITING_PICKUP_CHOICE")
    outcomes = buyer.page.locator("#checks tr[data-step=V14]")
    await expect(outcomes).to_have_count(2)
    assert [await o.get_attribute("data-outcome") for o in await outcomes.all()] == [
        "FAILED",
        "PASSED",
    ]


async def test_v19_a_refusal_by_the_police_reaches_the_buyer_with_its_reason(
    people: People, flow: VinClient
) -> None:
    """The officer refuses with a reason, signed through NCALayer; the buyer's page shows the
    refusal's step, code and text in English, the reason in it."""
    vin = await flow.new_vehicle("dealer_astana_motors", BUYER)
    app = await flow.submitted(DEALER, BUYER, vin)
    officer = await people.person(OFFICER)
    await sign_in(officer, "/vin/police")
    await expect(officer.page.locator(f"#inbox a:text-is('{app['number']}')")).to_be_visible(
        timeout=30_000
    )
    await officer.click(f"#inbox a:text-is('{app['number']}')")
    await officer.page.check("#decision input[name=approve][value=false]")
    reason = "Маркировка двигателя не совпадает с ЭПТС"
    await officer.page.fill("#decision input[name=reason]", reason)
    await officer.choose_key()
    await officer.click("#decision button")
    await expect(officer.page.locator("#decided")).to_contain_text("REFUSED")
    await expect(officer.page.locator("#decided [data-decision=REFUSED]")).to_have_text(
        "Мотивированный отказ"
    )

    buyer = await people.person(BUYER)
    await sign_in(buyer, "/vin/cabinet")
    await buyer.page.goto(f"/vin/cabinet/{app['id']}?lang=en")
    await state(buyer.page, "REFUSED", "en")
    refusal = buyer.page.locator(".refusal")
    await expect(refusal).to_have_attribute("data-step", "V19")
    done = await flow.application(BUYER, app)
    await expect(refusal).to_have_attribute("data-code", done["refusal"]["code"])
    await expect(refusal.locator("p")).to_have_text(done["refusal"]["messages"]["en"])
    await expect(refusal).to_contain_text(reason)
