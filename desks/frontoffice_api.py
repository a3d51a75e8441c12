"""The ЦОН's and the akimat's desks' one way to `frontoffice_service`: its public HTTP API,
called with the signed-in person's own token (`desks.login.Person`), as any client calls it
(contracts/openapi). A refusal comes back as `desks.bus.Refused` with the service's problem
document, for the page to show with its step, code and text; an expired token asks the person
to sign in again (`LoginRequired`)."""

from __future__ import annotations

from typing import Any

from desks.bus import Refused
from desks.login import Audience, Person

FRONTOFFICE: Audience = "frontoffice_service"
Json = dict[str, Any]


class FrontOfficeApi:
    def __init__(self, person: Person) -> None:
        self.person = person

    async def get(self, path: str, **params: Any) -> Any:
        wanted = {k: v for k, v in params.items() if v is not None}
        return await self.person.call("GET", path, params=wanted)

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
        headers = {"Content-Type": content_type} if content_type else {}
        return await self.person.call(
            method, path, json=body, content=content, params=params, headers=headers
        )

    async def raw(self, path: str) -> tuple[bytes, str]:
        """A file of the service (a scan, a PDF) as its bytes and content type."""
        logins = self.person.logins
        reply = await logins.http.get(
            logins.url(FRONTOFFICE) + path,
            headers={"Authorization": f"Bearer {self.person.token}"},
        )
        if reply.status_code >= 400:
            raise Refused(reply.status_code, reply.json() if reply.content else None)
        return reply.content, reply.headers.get("content-type", "application/octet-stream")
