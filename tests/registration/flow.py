"""The VIN registration driven over HTTP as the dealer, the buyer and the police would."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from egov.launcher import BusPlan
from egov.signin import login, sign_b64


class VinFlow:
    def __init__(self, bus: BusPlan, http: httpx.AsyncClient) -> None:
        self.bus, self.http = bus, http
        self.portal = bus.url("registration_service")
        self._tokens: dict[str, str] = {}

    async def token(self, persona: str) -> str:
        if persona not in self._tokens:
            async with httpx.AsyncClient(base_url=self.bus.url("pki"), timeout=30) as pki:
                self._tokens[persona] = await login(pki, persona, "registration_service")
        return self._tokens[persona]

    async def call(
        self, persona: str, method: str, path: str, json: Any = None, key: str | None = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {await self.token(persona)}"}
        if method in ("POST", "PUT"):
            headers["Idempotency-Key"] = key or str(uuid.uuid4())
        return await self.http.request(method, self.portal + path, json=json, headers=headers)

    async def ok(self, persona: str, method: str, path: str, json: Any = None) -> dict[str, Any]:
        reply = await self.call(persona, method, path, json)
        assert reply.status_code in (200, 201), reply.text
        answer: dict[str, Any] = reply.json()
        return answer

    # The dealer, V1–V9.

    async def start(self, dealer: str = "dealer_manager") -> dict[str, Any]:
        return await self.ok(dealer, "POST", "/dealer/applications")

    async def vin(
        self, app: dict[str, Any], vin: str, dealer: str = "dealer_manager"
    ) -> dict[str, Any]:
        return await self.ok(dealer, "PUT", f"/dealer/applications/{app['id']}/vin", {"vin": vin})

    async def buyer(
        self, app: dict[str, Any], iin: str, dealer: str = "dealer_manager"
    ) -> dict[str, Any]:
        return await self.ok(dealer, "PUT", f"/dealer/applications/{app['id']}/buyer", {"iin": iin})

    async def dealer_sign(
        self, app: dict[str, Any], signer: str = "dealer_manager"
    ) -> httpx.Response:
        path = f"/dealer/applications/{app['id']}"
        document = await self.ok("dealer_manager", "GET", f"{path}/document")
        return await self.call(
            "dealer_manager",
            "POST",
            f"{path}/signature",
            {"cms": sign_b64(signer, document["document"])},
        )

    async def signed_by_dealer(self, vin: str, buyer_iin: str) -> dict[str, Any]:
        app = await self.start()
        await self.vin(app, vin)
        app = await self.buyer(app, buyer_iin)
        assert app["state"] == "V9_AWAITING_SELLER_SIGNATURE", app
        reply = await self.dealer_sign(app)
        assert reply.status_code == 200, reply.text
        answer: dict[str, Any] = reply.json()
        return answer

    # The buyer, V10–V18.

    async def cabinet(self, buyer: str, app: dict[str, Any], action: str) -> httpx.Response:
        return await self.call(buyer, "POST", f"/cabinet/applications/{app['id']}/{action}")

    async def to_payment(
        self, buyer: str, app: dict[str, Any], centre: str = "ALM-ALMALY"
    ) -> dict[str, Any]:
        path = f"/cabinet/applications/{app['id']}"
        app = (await self.cabinet(buyer, app, "accept")).json()
        assert app["state"] == "V15_AWAITING_PICKUP_CHOICE", app
        await self.ok(buyer, "PUT", f"{path}/pickup", {"centreId": centre, "plateType": "STANDARD"})
        offer = await self.ok(buyer, "GET", f"{path}/plates")
        plate = offer["reserved"] or offer["free"][0]
        return await self.ok(buyer, "PUT", f"{path}/plate", {"plate": plate})

    async def pay(self, app: dict[str, Any]) -> None:
        reply = await self.http.post(
            f"{self.bus.url('payments')}/payments/invoices/{app['invoice']['number']}/pay",
            json={"method": "CARD"},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        assert reply.status_code == 200, reply.text

    async def buyer_sign(
        self, buyer: str, app: dict[str, Any], signer: str | None = None
    ) -> httpx.Response:
        path = f"/cabinet/applications/{app['id']}"
        document = await self.ok(buyer, "GET", f"{path}/document")
        return await self.call(
            buyer,
            "POST",
            f"{path}/signature",
            {"cms": sign_b64(signer or buyer, document["document"])},
        )

    async def submitted(self, vin: str, buyer: str, buyer_iin: str) -> dict[str, Any]:
        """Through V18: the application waits for the police (V19)."""
        app = await self.signed_by_dealer(vin, buyer_iin)
        app = await self.to_payment(buyer, app)
        await self.pay(app)
        app = (await self.cabinet(buyer, app, "payment-check")).json()
        assert app["state"] == "V18_AWAITING_BUYER_SIGNATURE", app
        reply = await self.buyer_sign(buyer, app)
        assert reply.status_code == 200, reply.text
        answer: dict[str, Any] = reply.json()
        return answer
