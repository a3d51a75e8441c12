"""What the ЦОН's and the akimat's pages share: their links and the page frame. Each page acts
for the signed-in person (`desks.dependencies.FrontOfficePerson`) with their own token through
`frontoffice_service`'s public API (`Person.call`, `Person.fetch`); the office or region shown
is the one their token names.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from desks.login import Person
from desks.pages import render
from desks.relay import relayed

DESK_LINKS = {
    "tson": (
        ("/tson", "queue", "tson"),
        ("/tson/applications", "applications", "applications"),
        ("/tson/pickups", "pickups", "pickups"),
        ("/tson/archive", "archive", "archive"),
        ("/sms", "sms", "sms"),
    ),
    "akimat": (
        ("/akimat", "akimat_inbox", "akimat"),
        ("/akimat/archive", "archive", "archive"),
        ("/sms", "sms", "sms"),
    ),
    "sms": (("/sms", "sms", "sms"),),
}


async def desk_page(
    request: Request,
    template: str,
    desk: str,
    who: Person | None,
    *,
    signs: bool = False,
    **context: Any,
) -> HTMLResponse:
    """A page of the ЦОН's (`tson`), the akimat's (`akimat`) desk or the SMS inbox; `signs`
    when it has a form for NCALayer to sign."""
    if signs and who is not None:
        context["ncalayer_url"] = await who.logins.ncalayer_url()
    return render(
        request,
        f"frontoffice/{template}",
        desk,
        desk=desk,
        desk_links=DESK_LINKS[desk],
        person=who,
        **context,
    )


async def act_to_sign(who: Person, path: str) -> Response:
    """An archive act's document and its digest, for NCALayer to sign (M17)."""

    async def document() -> dict[str, Any]:
        act = await who.call("GET", path)
        return {"document": act["document"], "sha256": act["sha256"]}

    return await relayed(document())
