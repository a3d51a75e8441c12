"""The machinery registration (M4–M17) driven over HTTP as its people would drive it: the
front-office worker at the desk, the applicant paying the fees, the akimat officer in АРМ ГО,
the head of the front office. The demo (`egov demo machinery`) and the tests use this client.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import io
import secrets
import string
import time
import urllib.parse
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from PIL import Image

from egov.signin import login, sign_b64
from egov.vin_flow import (
    FRONTOFFICE,
    FlowError,
    Json,
    answer,
    fields_of,
    legal_entity,
    new_vin,
    persona,
)
from eps_passports.schemas import PassportIn
from servicekit.plates import REGION_LETTERS
from servicekit.settings import DEFAULT_ADMIN_TOKEN

PHOTO_SIZE = (64, 48)
TRACTOR = "Y4R082104SB010321"
"""The farmer's Беларус-82.1 (persona tractor_mtz_farmer): the template of minted machines."""


@functools.cache
def scan_png(seed: int = 0) -> bytes:
    """A small real PNG (what a scanner or the desk's camera gives, in miniature)."""
    image = Image.new("RGB", PHOTO_SIZE, (200, 180 + seed % 50, 160))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def photo() -> str:
    """The live photo taken at the desk, base64 (M6.1)."""
    return base64.b64encode(scan_png(7)).decode()


def applicant(key: str) -> Json:
    """The `applicant` of an application for a persona or a legal entity of the catalogue."""
    try:
        return {"kind": "PERSON", "iin": persona(key)["iin"]}
    except KeyError:
        return {"kind": "LEGAL_ENTITY", "bin": legal_entity(key)["bin"]}


class MachineryClient:
    """One person's view is one token: `call(persona, …)` signs in as the persona first."""

    def __init__(
        self,
        url: Callable[[str], str],
        http: httpx.AsyncClient,
        *,
        admin_token: str = DEFAULT_ADMIN_TOKEN,
    ) -> None:
        self.url, self.http = url, http
        self.admin = {"Authorization": f"Bearer {admin_token}"}
        self._tokens: dict[str, str] = {}

    async def new_machine(self, owner_key: str, template: str = TRACTOR) -> str:
        """A new machine of `owner_key` (a persona or a legal entity) with an ЭПСМ in force: a
        copy of `template`'s passport under a new VIN, written through ЭПСМ's admin API."""
        base = f"{self.url('eps_passports')}/admin/passports"
        found = await self.http.get(base, params={"vin": template}, headers=self.admin)
        (passport,) = answer(found)
        vin = new_vin(template)
        owner = applicant(owner_key)
        name = (
            persona(owner_key)["name"]
            if owner["kind"] == "PERSON"
            else legal_entity(owner_key)["name"]
        )
        record = {
            **fields_of(passport, PassportIn),
            "vin": vin,
            "owner": {"iin": owner.get("iin"), "bin": owner.get("bin"), "name": name},
        }
        number = passport["number"][:9] + vin[-6:]
        answer(await self.http.put(f"{base}/{number}", json=record, headers=self.admin), 200, 201)
        return vin

    async def free_plate(self, region_code: str) -> str:
        """A machinery plate БМГ has free in the region (a random one: tests share a bus)."""
        reply = await self.http.get(
            f"{self.url('number_bank')}/admin/plates",
            params={"regionCode": region_code, "kind": "MACHINERY", "status": "FREE", "limit": 100},
            headers=self.admin,
        )
        plates: list[str] = [p["plate"] for p in answer(reply)]
        return secrets.choice(plates) if plates else await self._new_plate(region_code)

    async def _new_plate(self, region_code: str) -> str:
        """A plate added to БМГ as FREE, for a run that used up the seed's forty a region."""
        base = f"{self.url('number_bank')}/admin/plates"
        for _ in range(20):
            series = "".join(secrets.choice(string.ascii_uppercase) for _ in range(3))
            plate = f"{series} {REGION_LETTERS[region_code]} {secrets.randbelow(999) + 1:03d}"
            path = f"{base}/{urllib.parse.quote(plate)}"
            if (await self.http.get(path, headers=self.admin)).status_code == 404:
                answer(await self.http.put(path, json={"status": "FREE"}, headers=self.admin))
                return plate
        raise FlowError(f"no new machinery plate found for region {region_code}")

    async def token(self, who: str) -> str:
        if who not in self._tokens:
            async with httpx.AsyncClient(base_url=self.url("pki"), timeout=30) as pki:
                self._tokens[who] = await login(pki, who, FRONTOFFICE)
        return self._tokens[who]

    async def call(
        self,
        who: str,
        method: str,
        path: str,
        json: Any = None,
        *,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        key: str | None = None,
    ) -> httpx.Response:
        sent = {**(headers or {})}
        if method in ("POST", "PUT") and content is None:
            sent["Idempotency-Key"] = key or str(uuid.uuid4())
        for _ in range(2):
            sent["Authorization"] = f"Bearer {await self.token(who)}"
            reply = await self.http.request(
                method,
                self.url(FRONTOFFICE) + path,
                json=json,
                content=content,
                headers=sent,
                params=params,
            )
            # The bus clock moved past the token's life (the demo's month, a test's night):
            # sign in again, as the person would.
            if reply.status_code != 401 or reply.json().get("code") != "TOKEN_EXPIRED":
                break
            del self._tokens[who]
        return reply

    async def ok(self, who: str, method: str, path: str, json: Any = None, **kw: Any) -> Json:
        found: Json = answer(await self.call(who, method, path, json, **kw), 200, 201)
        return found

    # --- M5: the queue ---------------------------------------------------------------------

    async def submission_ticket(self, worker: str, office: str, window: int = 2) -> Json:
        """M5: a submission ticket, called to the worker's window."""
        base = f"/offices/{office}/queue/tickets"
        ticket = await self.ok(worker, "POST", base, {"kind": "SUBMISSION"})
        return await self.ok(worker, "POST", f"{base}/{ticket['id']}/call", {"window": window})

    # --- M6: the desk ------------------------------------------------------------------------

    async def open(
        self,
        worker: str,
        office: str,
        *,
        action: str,
        applicant_key: str,
        visitor: str,
        machine: Json,
        representative: bool = False,
        first_registration: bool = True,
        power_of_attorney: str | None = None,
        ticket: Json | None = None,
        identification: Json | None = None,
    ) -> httpx.Response:
        """M6.1: open the application for a called ticket (a new one unless given)."""
        ticket = ticket or await self.submission_ticket(worker, office)
        person = persona(visitor)
        body: Json = {
            "ticketId": ticket["id"],
            "action": action,
            "firstRegistration": first_registration,
            "applicant": applicant(applicant_key),
            "phone": "+77015550101",
            "visitor": {
                "iin": person["iin"],
                "role": "REPRESENTATIVE" if representative else "APPLICANT",
                "identification": identification or {"kind": "DIGITAL_DOCUMENT"},
                "photo": photo(),
                **({"powerOfAttorney": power_of_attorney} if power_of_attorney else {}),
            },
            "machine": machine,
        }
        return await self.call(worker, "POST", f"/offices/{office}/machinery/applications", body)

    def _path(self, app: Json) -> str:
        return f"/offices/{app['office']}/machinery/applications/{app['number']}"

    async def package(
        self, worker: str, app: Json, *, absent: tuple[str, ...] = (), invalid: tuple[str, ...] = ()
    ) -> httpx.Response:
        """M6.2: every document of the checklist as found: present and valid unless named."""
        documents = [
            {
                "code": i["code"],
                "present": i["code"] not in absent,
                "valid": i["code"] not in invalid,
            }
            for i in app["checklist"]
        ]
        return await self.call(
            worker, "PUT", f"{self._path(app)}/package", {"documents": documents}
        )

    async def check_fees(self, worker: str, app: Json) -> httpx.Response:
        return await self.call(worker, "POST", f"{self._path(app)}/fees/check")

    async def pay_fees(self, worker: str, app: Json) -> Json:
        """M6.3 unpaid: the desk's invoice for what is unpaid, paid by the applicant."""
        invoice = await self.ok(worker, "POST", f"{self._path(app)}/fees/invoice")
        reply = await self.http.post(
            f"{self.url('payments')}/payments/invoices/{invoice['number']}/pay",
            json={"method": "CARD"},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        paid: Json = answer(reply)
        return paid

    async def fees(self, worker: str, app: Json) -> Json:
        """M6.3 passed: paying first whatever ПШЭП does not have."""
        reply = await self.check_fees(worker, app)
        if reply.status_code == 422 and reply.json().get("code") == "FEES_NOT_PAID":
            await self.pay_fees(worker, app)
            reply = await self.check_fees(worker, app)
        found: Json = answer(reply)
        return found

    async def upload(
        self, worker: str, app: Json, code: str, data: bytes, content_type: str = "image/png"
    ) -> httpx.Response:
        return await self.call(
            worker,
            "PUT",
            f"{self._path(app)}/scans/{code}",
            content=data,
            headers={"Content-Type": content_type},
            params={"filename": f"{code.lower()}.png"},
        )

    async def scan_all(self, worker: str, app: Json) -> None:
        """M6.4: a scan of every presented document."""
        for index, document in enumerate(app["package"] or []):
            if document["present"]:
                answer(await self.upload(worker, app, document["code"], scan_png(index)))

    async def sign(self, worker: str, app: Json, signer: str | None = None) -> httpx.Response:
        """M6.5, M9: the worker's ЭЦП over the application, and off to the provider."""
        document = await self.ok(worker, "GET", f"{self._path(app)}/document")
        cms = sign_b64(signer or worker, document["document"])
        return await self.call(worker, "POST", f"{self._path(app)}/signature", {"cms": cms})

    async def sent(
        self,
        worker: str,
        office: str,
        *,
        action: str,
        applicant_key: str,
        visitor: str,
        machine: Json,
        **options: Any,
    ) -> Json:
        """M5–M9 passed: the application is on its way to the provider."""
        app = answer(
            await self.open(
                worker,
                office,
                action=action,
                applicant_key=applicant_key,
                visitor=visitor,
                machine=machine,
                **options,
            ),
            201,
        )
        expect(app, "IDENTIFIED")
        app = expect(answer(await self.package(worker, app)), "PACKAGE_ACCEPTED")
        app = expect(await self.fees(worker, app), "FEES_CONFIRMED")
        await self.scan_all(worker, app)
        return expect(answer(await self.sign(worker, app)), "SENT")

    # --- M10–M15: the provider ---------------------------------------------------------------

    async def received(self, officer: str, app: Json, seconds: float = 20.0) -> Json:
        """The application once it is in the provider's desk (it crosses the bus)."""
        path = f"/provider/machinery/applications/{app['number']}"
        deadline = time.monotonic() + seconds
        while True:
            reply = await self.call(officer, "GET", path)
            if reply.status_code == 200:
                found: Json = reply.json()
                return found
            if reply.status_code != 404 or time.monotonic() > deadline:
                raise FlowError(
                    f"{app['number']} not in the desk: {reply.status_code} {reply.text}"
                )
            await asyncio.sleep(0.1)

    async def at_desk(self, worker: str, app: Json) -> Json:
        return await self.ok(worker, "GET", self._path(app))

    async def decide(
        self,
        officer: str,
        app: Json,
        *,
        approve: bool,
        reason: str | None = None,
        signer: str | None = None,
    ) -> httpx.Response:
        path = f"/provider/machinery/applications/{app['number']}"
        query: Json = {"approve": str(approve).lower()}
        if reason is not None:
            query["reason"] = reason
        document = await self.ok(officer, "GET", f"{path}/decision-document", params=query)
        cms = sign_b64(signer or officer, document["document"])
        body = {"approve": approve, "reason": reason, "cms": cms}
        return await self.call(officer, "POST", f"{path}/decision", body)

    async def enter(self, officer: str, app: Json, entry: Json) -> httpx.Response:
        path = f"/provider/machinery/applications/{app['number']}/entry"
        return await self.call(officer, "POST", path, entry)

    async def sms_about(
        self, phone: str, reference: str, containing: str, seconds: float = 20.0
    ) -> Json:
        inbox = f"{self.url(FRONTOFFICE)}/sms/messages"
        deadline = time.monotonic() + seconds
        while True:
            for text in answer(await self.http.get(inbox, params={"phone": phone})):
                if text["reference"] == reference and containing in text["text"]:
                    return dict(text)
            if time.monotonic() > deadline:
                raise FlowError(f"no SMS about {reference} with {containing!r} to {phone}")
            await asyncio.sleep(0.1)

    async def digital_documents(self, who: str) -> list[Json]:
        found: list[Json] = answer(await self.call(who, "GET", "/digital-documents"))
        return found


def expect(app: Json, status: str) -> Json:
    if app.get("status") != status:
        raise FlowError(f"expected {status}, got {app.get('status')}: {app.get('refusal') or app}")
    return app
