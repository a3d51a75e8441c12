"""What the three VIN desks share: their links, a page of a desk, and the documents a page has
NCALayer sign. Each acts for the person signed in to the portal
(`desks.dependencies.PortalPerson`) through the portal's public API (`Person.call`)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from desks.bus import Refused
from desks.login import Person
from desks.pages import render

DESK_LINKS = (
    ("/vin/dealer", "desk_dealer", "dealer"),
    ("/vin/cabinet", "desk_cabinet", "cabinet"),
    ("/vin/police", "desk_police", "police"),
)


async def desk_page(
    request: Request, template: str, desk: str, who: Person, status: int = 200, **context: Any
) -> HTMLResponse:
    return render(
        request,
        template,
        desk,
        status_code=status,
        desk=desk,
        desk_links=DESK_LINKS,
        person=who,
        ncalayer_url=await who.logins.ncalayer_url(),
        **context,
    )


async def signing_document(who: Person, path: str, params: dict[str, str]) -> Response:
    """The portal's document to sign, for the page's NCALayer (JSON, as the portal gave it)."""
    try:
        return JSONResponse(await who.call("GET", path, params=params))
    except Refused as refused:
        return JSONResponse(refused.body, status_code=refused.status)
