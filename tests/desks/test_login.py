"""Login by ЭЦП through NCALayer (every desk's door): the page asks НУЦ for a challenge, the
emulator signs it with the chosen persona's AUTH key over its WebSocket, the desks exchange
it for a token of the state service and keep it under a session cookie."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import httpx
import pytest
from playwright.async_api import expect

from desks.login import SESSION_COOKIE
from egov.flow_client import persona
from tests.desks.conftest import People


async def _login(people: People, who: str, audience: str) -> None:
    person = await people.person(who)
    back = quote(f"/login?audience={audience}", safe="")
    await person.page.goto(f"/login?audience={audience}&next={back}")
    await person.choose_key()
    await person.click("#login")
    await expect(person.page.locator("main .note")).to_contain_text(persona(who)["iin"])


@pytest.mark.parametrize(
    ("who", "audience", "role"),
    [
        ("dealer_manager", "registration_service", "dealer_employee"),
        ("buyer", "registration_service", None),
        ("police_officer_almaty", "registration_service", "police_officer"),
        ("frontoffice_worker_almaty", "frontoffice_service", "frontoffice_worker"),
        ("akimat_officer_kostanay", "frontoffice_service", "akimat_officer"),
    ],
)
async def test_every_role_signs_in_by_its_auth_key_through_ncalayer(
    people: People, who: str, audience: str, role: str | None
) -> None:
    await _login(people, who, audience)
    page = people.people[who].page
    if role:
        await expect(page.locator("main .note")).to_contain_text(role)
    cookies = {c["name"]: c for c in await page.context.cookies()}
    # The token stays on the desks: the browser holds only an opaque, script-proof session.
    assert cookies[SESSION_COOKIE]["httpOnly"]
    assert "." not in cookies[SESSION_COOKIE]["value"]


async def test_a_closed_key_dialog_says_so_and_signs_no_one_in(people: People) -> None:
    person = await people.person("buyer")
    await person.page.goto("/login?audience=registration_service&lang=en")
    (await person.ncalayer.put("/persona", json={"persona": None})).raise_for_status()
    await person.click("#login")
    await expect(person.page.locator("#login-status.error")).to_have_text(
        "Signing cancelled in NCALayer"
    )
    await expect(person.page.locator("#login")).to_be_enabled()
    assert SESSION_COOKIE not in {c["name"] for c in await person.context.cookies()}


@pytest.mark.parametrize(
    ("method", "path", "referer", "audience", "back"),
    [
        ("GET", "/vin/dealer?lang=kk", None, "registration_service", "/vin/dealer?lang=kk"),
        ("GET", "/akimat/archive", None, "frontoffice_service", "/akimat/archive"),
        # An action has no page at its own address: back to the page its form was on.
        ("POST", "/tson/tickets", "/tson?lang=en", "frontoffice_service", "/tson?lang=en"),
        (
            "POST",
            "/vin/police/a1/decision",
            "/vin/police/a1",
            "registration_service",
            "/vin/police/a1",
        ),
        ("POST", "/tson/tickets", None, "frontoffice_service", "/"),
    ],
)
async def test_no_one_signed_in_goes_to_the_login_and_comes_back_to_a_page(
    desks: httpx.AsyncClient,
    method: str,
    path: str,
    referer: str | None,
    audience: str,
    back: str,
) -> None:
    headers = {"Referer": str(desks.base_url.join(referer))} if referer else {}
    reply = await desks.request(method, path, headers=headers, data={"kind": "SUBMISSION"})
    assert reply.status_code == 303, reply.text
    assert reply.headers["location"] == f"/login?{urlencode({'audience': audience, 'next': back})}"


async def test_a_referer_of_another_site_brings_no_one_back_there(desks: httpx.AsyncClient) -> None:
    reply = await desks.post("/tson/tickets", headers={"Referer": "http://elsewhere.test/tson"})
    assert reply.headers["location"] == "/login?audience=frontoffice_service&next=%2F"
