"""The ЦОН's and the akimat's desks' one way to `frontoffice_service`: its public HTTP API,
called with the signed-in person's token, as any client calls it (contracts/openapi).

Every call is made for one person: `token` is theirs (from the desks' login), never the bus's
admin token. A refusal comes back as `desks.bus.Refused` with the service's problem document,
for the page to show with its step, code and text.
"""

from __future__ import annotations

import uuid
from typing import Any

from desks.bus import BusApi, Refused

FRONTOFFICE = "frontoffice_service"
Json = dict[str, Any]


class FrontOfficeApi:
    def __init__(self, bus: BusApi, token: str) -> None:
        self.bus, self.token = bus, token
        self.base = bus.services[FRONTOFFICE].rstrip("/")

    def _headers(self, change: bool, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}", **(extra or {})}
        if change:
            # A page's button press is one effect: the key makes a double post harmless.
            headers["Idempotency-Key"] = str(uuid.uuid4())
        return headers

    async def get(self, path: str, **params: Any) -> Any:
        wanted = {k: v for k, v in params.items() if v is not None}
        return await self.bus._call(
            "GET", f"{self.base}{path}", params=wanted, headers=self._headers(False)
        )

    async def change(
        self,
        method: str,
        path: str,
        body: Json | None = None,
        *,
        content: bytes | None = None,
        content_type: str | None = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        extra = {"Content-Type": content_type} if content_type else None
        return await self.bus._call(
            method,
            f"{self.base}{path}",
            json=body,
            content=content,
            params=params,
            headers=self._headers(True, extra),
        )

    async def raw(self, path: str) -> tuple[bytes, str]:
        """A file of the service (a scan, a PDF) as its bytes and content type."""
        reply = await self.bus.http.get(f"{self.base}{path}", headers=self._headers(False))
        if reply.status_code >= 400:
            raise Refused(reply.status_code, reply.json() if reply.content else None)
        return reply.content, reply.headers.get("content-type", "application/octet-stream")
