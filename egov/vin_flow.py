"""The VIN registration (V1–V22) driven over HTTP as its people would drive it: the dealer, the
buyer in the cabinet, the police officer, the ЦОН's reception and issuance desk. The demo
(`egov demo vin`), the benchmark and the tests all use this one client.

It also mints vehicles: a new VIN with its ЭПТС, customs record, recycling fee and a sale
contract signed by both sides, written through the registries' admin APIs the way a tester
would, so that any number of registrations can run on one bus.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Callable, Collection, Iterable
from typing import Any

import httpx

from customs.schemas import DeclarationIn
from egov.flow_client import (
    FRONTOFFICE,
    PORTAL,
    VIN_OK,
    FlowClient,
    FlowError,
    Json,
    answer,
    fields_of,
    legal_entity,
    new_vin,
    pauses,
    persona,
)
from egov.signin import login_with, sign_b64
from eps_passports.schemas import PassportIn
from recycling_fee.schemas import FeeIn
from sale_contracts.schemas import ContractIn
from servicekit.http_clients import async_client
from servicekit.settings import DEFAULT_ADMIN_TOKEN
from servicekit.signatures import ROLE_EMPLOYEE


class VinClient(FlowClient):
    """The VIN registration's people: the dealer and the buyer on the portal, the police
    officer, the ЦОН's worker (`service=FRONTOFFICE` on a call)."""

    def __init__(
        self,
        url: Callable[[str], str],
        http: httpx.AsyncClient,
        *,
        admin_token: str = DEFAULT_ADMIN_TOKEN,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(url, http, service=PORTAL, admin_token=admin_token, headers=headers)
        self.portal = url(PORTAL)

    # --- people the catalogue lacks, through НУЦ's admin API ---------------------------------

    async def employ(
        self, key: str, entity: str, iin: str, name: str, role: str = "dealer_employee"
    ) -> None:
        """A person outside the catalogue working for the legal entity `entity` (a catalogue
        key) in `role`: НУЦ issues them an AUTH key with the entity's БИН and grants the role,
        and `call(key, …)` signs in with that key. For branches that no catalogue person can
        walk, such as a seller without a vehicle-trade ОКЭД (V1). `dismiss` takes the role
        back."""
        company = legal_entity(entity)
        surname, first, *_ = name.split()
        issued = await self._admin(
            "pki",
            "POST",
            "/admin/certificates",
            {
                "iin": iin,
                "surname": surname,
                "name": first,
                "bin": company["bin"],
                "organization": company["name"],
                "keyUsage": "AUTH",
                "roles": [ROLE_EMPLOYEE],
                "persona": key,
            },
        )
        await self._grant("PUT", json={"iin": iin, "bin": company["bin"], "role": role})
        async with async_client(base_url=self.url("pki"), timeout=30) as pki:
            p12 = base64.b64decode(issued["pkcs12"])
            self._tokens[key, PORTAL] = await login_with(pki, p12, issued["password"], PORTAL)

    async def dismiss(self, entity: str, iin: str, role: str = "dealer_employee") -> None:
        """Take back the role `employ` granted."""
        query = {"iin": iin, "bin": legal_entity(entity)["bin"], "role": role}
        await self._grant("DELETE", params=query)

    async def _grant(self, method: str, **request: Any) -> None:
        self.requests += 1
        url = self.url("pki") + "/admin/grants"
        reply = await self.http.request(method, url, headers=self.admin, **request)
        if reply.status_code != 204:
            raise FlowError(f"pki {method} /admin/grants: {reply.status_code} {reply.text}")

    # --- vehicles, through the registries' admin APIs ----------------------------------------

    async def _admin(self, service: str, method: str, path: str, json: Any = None) -> Any:
        self.requests += 1
        reply = await self.http.request(
            method, self.url(service) + path, json=json, headers=self.admin
        )
        if reply.status_code not in (200, 201):
            raise FlowError(f"{service} {method} {path}: {reply.status_code} {reply.text}")
        return reply.json()

    async def new_vehicle(self, seller: str, buyer: str, template: str = VIN_OK) -> str:
        """A new VIN sold by the legal entity `seller` to the person `buyer` (catalogue keys),
        with everything V3–V5, V8, V12 and V13 look at in order: a copy of `template`'s
        records under the new VIN."""
        vin, company, person = new_vin(template), legal_entity(seller), persona(buyer)
        (passport,) = await self._admin("eps_passports", "GET", f"/admin/passports?vin={template}")
        number = passport["number"][:9] + f"{secrets.randbelow(10**6):06d}"
        await self._admin(
            "eps_passports",
            "PUT",
            f"/admin/passports/{number}",
            {**fields_of(passport, PassportIn), "vin": vin},
        )
        customs = await self._admin("customs", "GET", f"/admin/declarations/{template}")
        await self._admin(
            "customs", "PUT", f"/admin/declarations/{vin}", fields_of(customs, DeclarationIn)
        )
        fee = fields_of(await self._admin("recycling_fee", "GET", f"/admin/fees/{template}"), FeeIn)
        if fee.get("certificateNumber"):
            # ЖД-РОП-<year>-<7 of A–Z0–9>: the template's year, a serial of our own.
            fee["certificateNumber"] = (
                fee["certificateNumber"][:-7] + secrets.token_hex(4)[:7].upper()
            )
        await self._admin("recycling_fee", "PUT", f"/admin/fees/{vin}", fee)
        contracts = await self._admin("sale_contracts", "GET", f"/admin/contracts?vin={template}")
        signed = next(c for c in contracts if c["status"] == "SIGNED_BY_BOTH")
        contract = fields_of(signed, ContractIn)
        contract["vehicle"]["vin"] = vin
        contract["seller"] = {"bin": company["bin"], "name": company["name"]}
        contract["buyer"] = {"iin": person["iin"], "name": person["name"]}
        contract["buyerSignature"]["signerIin"] = person["iin"]
        number = f"SC-{vin[-6:]}-{secrets.token_hex(3).upper()}"
        await self._admin("sale_contracts", "PUT", f"/admin/contracts/{number}", contract)
        return vin

    # --- the dealer, V1–V9 -------------------------------------------------------------------

    async def start(self, dealer: str) -> Json:
        return await self.ok(dealer, "POST", "/dealer/applications")

    async def enter_vin(self, dealer: str, app: Json, vin: str) -> Json:
        return await self.ok(dealer, "PUT", f"/dealer/applications/{app['id']}/vin", {"vin": vin})

    async def enter_buyer(self, dealer: str, app: Json, iin: str) -> Json:
        path = f"/dealer/applications/{app['id']}/buyer"
        return await self.ok(dealer, "PUT", path, {"iin": iin})

    async def dealer_sign(
        self, dealer: str, app: Json, signer: str | None = None
    ) -> httpx.Response:
        path = f"/dealer/applications/{app['id']}"
        document = await self.ok(dealer, "GET", f"{path}/document")
        cms = sign_b64(signer or dealer, document["document"])
        return await self.call(dealer, "POST", f"{path}/signature", {"cms": cms})

    async def signed_by_dealer(self, dealer: str, vin: str, buyer_iin: str) -> Json:
        """V1–V9 passed: the application waits for the buyer (V10)."""
        app = await self.start(dealer)
        app = await self.enter_vin(dealer, app, vin)
        app = await self.enter_buyer(dealer, app, buyer_iin)
        expect(app, "V9_AWAITING_SELLER_SIGNATURE")
        return expect(_json(await self.dealer_sign(dealer, app)), "V10_AWAITING_BUYER_CONSENT")

    # --- the buyer, V10–V18 ------------------------------------------------------------------

    async def cabinet(self, buyer: str, app: Json, action: str) -> httpx.Response:
        return await self.call(buyer, "POST", f"/cabinet/applications/{app['id']}/{action}")

    async def choose_pickup(self, buyer: str, app: Json, centre: str) -> Json:
        path = f"/cabinet/applications/{app['id']}/pickup"
        return await self.ok(buyer, "PUT", path, {"centreId": centre, "plateType": "STANDARD"})

    async def plate_offer(self, buyer: str, app: Json) -> Json:
        return await self.ok(buyer, "GET", f"/cabinet/applications/{app['id']}/plates")

    async def choose_plate(self, buyer: str, app: Json, plate: str | None) -> httpx.Response:
        path = f"/cabinet/applications/{app['id']}/plate"
        return await self.call(buyer, "PUT", path, {"plate": plate})

    async def to_payment(self, buyer: str, app: Json, centre: str) -> Json:
        """V10 accepted, V11–V14 passed, V15 the ЦОН, V16 a number: an invoice waits (V17)."""
        app = expect(_json(await self.cabinet(buyer, app, "accept")), "V15_AWAITING_PICKUP_CHOICE")
        await self.choose_pickup(buyer, app, centre)
        for _ in range(5):
            offer = await self.plate_offer(buyer, app)
            # Buyers choosing at the same moment would all take the first number offered.
            plate = offer["reserved"] or secrets.choice(offer["free"])
            reply = await self.choose_plate(buyer, app, plate)
            if reply.status_code != 409 or reply.json().get("code") != "PLATE_ALREADY_TAKEN":
                break
        return expect(_json(reply), "V17_AWAITING_PAYMENT")

    async def pay(self, app: Json) -> Json:
        """The buyer pays the invoice in ПШЭП (its payment page)."""
        self.requests += 1
        reply = await self.http.post(
            f"{self.url('payments')}/payments/invoices/{app['invoice']['number']}/pay",
            json={"method": "CARD"},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        return _json(reply)

    async def buyer_sign(self, buyer: str, app: Json, signer: str | None = None) -> httpx.Response:
        path = f"/cabinet/applications/{app['id']}"
        document = await self.ok(buyer, "GET", f"{path}/document")
        cms = sign_b64(signer or buyer, document["document"])
        return await self.call(buyer, "POST", f"{path}/signature", {"cms": cms})

    async def submitted(
        self, dealer: str, buyer: str, vin: str, centre: str = "ALM-ALMALY"
    ) -> Json:
        """V1–V18 passed: the application is with the police of the ЦОН's region (V19)."""
        app = await self.signed_by_dealer(dealer, vin, persona(buyer)["iin"])
        app = await self.to_payment(buyer, app, centre)
        await self.pay(app)
        app = expect(
            _json(await self.cabinet(buyer, app, "payment-check")), "V18_AWAITING_BUYER_SIGNATURE"
        )
        return expect(_json(await self.buyer_sign(buyer, app)), "V19_AWAITING_DECISION")

    async def application(self, buyer: str, app: Json) -> Json:
        return await self.ok(buyer, "GET", f"/cabinet/applications/{app['id']}")

    async def until(
        self, buyer: str, app: Json, states: Iterable[str], seconds: float = 20.0
    ) -> Json:
        """The application once it is in one of `states`: the police desk, the printing centre
        and the ЦОН move it through the bus, so the portal catches up a moment later."""
        wanted, deadline = set(states), time.monotonic() + seconds
        waits = pauses()
        while True:
            current = await self.application(buyer, app)
            if current["state"] in wanted:
                return current
            if time.monotonic() > deadline:
                raise FlowError(f"{app['number']} is {current['state']}, not {sorted(wanted)}")
            await self.pause(waits)

    @contextlib.asynccontextmanager
    async def following(self, buyer: str, app: Json) -> AsyncIterator[Notifications]:
        """The cabinet's live notifications about `app` (V19 approved or refused, V20 the
        documents ready, V22 handed over), as the buyer's page gets them: one request for as
        long as the block runs, instead of asking for the application again and again."""
        headers = {**self.headers, "Authorization": f"Bearer {await self.token(buyer)}"}
        self.requests += 1
        async with self.http.stream(
            "GET",
            f"{self.portal}/cabinet/notifications/stream",
            params={"applicationId": app["id"]},
            headers=headers,
        ) as reply:
            if reply.status_code != 200:
                await reply.aread()
                raise FlowError(f"notification stream: {reply.status_code} {reply.text}")
            yield Notifications(app, reply.aiter_lines())

    # --- the police, V19 ---------------------------------------------------------------------

    async def police_case(self, officer: str, app: Json, seconds: float = 20.0) -> Json:
        """The case in the officer's inbox once the submission has crossed the bus."""
        deadline = time.monotonic() + seconds
        waits = pauses()
        while True:
            reply = await self.call(officer, "GET", f"/police/applications/{app['id']}")
            if reply.status_code == 200 or time.monotonic() > deadline:
                return _json(reply)
            await self.pause(waits)

    async def decide(
        self,
        officer: str,
        app: Json,
        *,
        approve: bool,
        reason: str | None = None,
        signer: str | None = None,
        key: str | None = None,
    ) -> httpx.Response:
        return await self.signed_decision(
            officer,
            f"/police/applications/{app['id']}",
            approve=approve,
            reason=reason,
            signer=signer,
            key=key,
        )

    # --- the ЦОН, V20–V22 --------------------------------------------------------------------

    async def documents_at(
        self, worker: str, office: str, owner: str, app: Json, seconds: float = 20.0
    ) -> None:
        """Once the office lists the application's documents as ready: the ЦОН learns of them
        over the bus a moment after the portal shows V20."""
        listed = f"/offices/{office}/pickups?ownerIin={persona(owner)['iin']}&status=READY"
        deadline = time.monotonic() + seconds
        waits = pauses()
        while True:
            ready = answer(
                await self.call(worker, "GET", f"{listed}&limit=500", service=FRONTOFFICE)
            )
            if any(p["applicationNumber"] == app["number"] for p in ready):
                return
            if time.monotonic() > deadline:
                raise FlowError(f"{app['number']} is not at {office} after {seconds:.0f} s")
            await self.pause(waits)

    async def pick_up(
        self, worker: str, office: str, buyer: str, app: Json, seconds: float = 20.0
    ) -> Json:
        """V20 a pick-up ticket at the reception, called to a window; V21–V22 the hand-over,
        once the office has the documents."""
        await self.documents_at(worker, office, buyer, app, seconds)
        iin = persona(buyer)["iin"]
        identification = {"kind": "DIGITAL_DOCUMENT"}
        base = f"/offices/{office}"
        ask = {"kind": "VIN_PICKUP", "visitorIin": iin, "identification": identification}
        reply = await self.call(worker, "POST", f"{base}/queue/tickets", ask, service=FRONTOFFICE)
        ticket = _json(reply, 201)
        # This ticket, not the one that waited longest: other visitors may be in the queue.
        await self.ok(
            worker,
            "POST",
            f"{base}/queue/tickets/{ticket['id']}/call",
            {"window": 1},
            service=FRONTOFFICE,
        )
        return await self.ok(
            worker,
            "POST",
            f"{base}/pickups/hand-over",
            {
                "ticketId": ticket["id"],
                "applicationNumber": app["number"],
                "visitorIin": iin,
                "identification": identification,
            },
            service=FRONTOFFICE,
        )


class Notifications:
    """What `VinClient.following` yields: the notifications of one application, in order."""

    def __init__(self, app: Json, lines: AsyncIterator[str]) -> None:
        self.app = app
        self._events = _notifications(lines)

    async def next(self, kinds: Collection[str], seconds: float = 20.0) -> Json:
        """The next notification of one of `kinds`; the others (older ones: the stream starts
        with the application's first) are passed over."""
        try:
            async with asyncio.timeout(seconds):
                async for notification in self._events:
                    if notification["kind"] in kinds:
                        return notification
        except TimeoutError:
            pass
        raise FlowError(f"{self.app['number']}: no notification {sorted(kinds)} in {seconds} s")


async def _notifications(lines: AsyncIterator[str]) -> AsyncIterator[Json]:
    """The `notification` events of a server-sent event stream, their data parsed."""
    event, data = "", ""
    async for line in lines:
        if not line:
            if event == "notification" and data:
                yield json.loads(data)
            event, data = "", ""
        elif line.startswith("event:"):
            event = line.removeprefix("event:").strip()
        elif line.startswith("data:"):
            data += line.removeprefix("data:").removeprefix(" ")


def expect(app: Json, state: str) -> Json:
    if app.get("state") != state:
        raise FlowError(f"expected {state}, got {app.get('state')}: {app.get('refusal') or app}")
    return app


def _json(reply: httpx.Response, *ok: int) -> Json:
    found: Json = answer(reply, *ok)
    return found
