"""What the three VIN desks share: the person signed in to the portal, a page of a desk, the
problem a refusal left, and the documents a page has NCALayer sign."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from desks.bus import Refused
from desks.login import Audience, Person, ncalayer_context, signed_in
from desks.pages import render

PORTAL: Audience = "registration_service"
DESK_LINKS = (
    ("/vin/dealer", "desk_dealer", "dealer"),
    ("/vin/cabinet", "desk_cabinet", "cabinet"),
    ("/vin/police", "desk_police", "police"),
)


def person(request: Request) -> Person:
    return signed_in(request, PORTAL)


def problem(refused: Refused) -> dict[str, Any]:
    """The refusal as a page shows it: its step, code and texts (a problem document of the
    portal carries all three); an answer that is no problem document keeps its status."""
    body = refused.body if isinstance(refused.body, dict) else {}
    return {
        "status": refused.status,
        "step": body.get("step"),
        "code": body.get("code") or str(refused.status),
        "messages": body.get("messages") or {},
        "detail": body.get("detail") or refused.text,
        "errors": body.get("errors") or [],
    }


async def desk_page(
    request: Request, template: str, desk: str, who: Person, status: int = 200, **context: Any
) -> HTMLResponse:
    page = render(
        request,
        template,
        desk,
        desk=desk,
        desk_links=DESK_LINKS,
        person=who,
        **await ncalayer_context(request),
        **context,
    )
    page.status_code = status
    return page


async def signing_document(who: Person, path: str, params: dict[str, str]) -> Response:
    """The portal's document to sign, for the page's NCALayer (JSON, as the portal gave it)."""
    try:
        return JSONResponse(await who.call("GET", path, params=params))
    except Refused as refused:
        return JSONResponse(refused.body, status_code=refused.status)
