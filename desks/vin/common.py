"""What the three VIN desks share: their links and a page of a desk. Each acts for the person
signed in to the portal (`desks.dependencies.PortalPerson`) through the portal's public API
(`Person.call`)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from desks.bus import Refused
from desks.login import Person
from desks.pages import problem, render

DESK_LINKS = (
    ("/vin/dealer", "desk_dealer", "dealer"),
    ("/vin/cabinet", "desk_cabinet", "cabinet"),
    ("/vin/police", "desk_police", "police"),
)


async def desk_page(
    request: Request,
    template: str,
    desk: str,
    who: Person,
    refused: Refused | None = None,
    **context: Any,
) -> HTMLResponse:
    """A page of a desk; with the refusal an action met, shown on it with the refusal's status
    (the application stays open: the page is where to correct it)."""
    return render(
        request,
        template,
        desk,
        refused.status if refused else 200,
        desk=desk,
        desk_links=DESK_LINKS,
        person=who,
        ncalayer_url=await who.logins.ncalayer_url(),
        problem=problem(refused) if refused else None,
        **context,
    )
