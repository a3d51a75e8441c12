"""The dealer's desk (V1–V9): start an application (V1, the ОКЭД check), enter the VIN (V2;
V3–V5 checked) and the buyer (V6; V7, V8 checked), see each check, sign (V9)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from desks.bus import Refused
from desks.dependencies import PortalPerson
from desks.login import Person
from desks.pages import form_fields
from desks.relay import relayed
from desks.vin.common import desk_page

router = APIRouter(prefix="/vin/dealer")


@router.get("", response_class=HTMLResponse)
async def applications(request: Request, who: PortalPerson) -> HTMLResponse:
    try:
        found = await who.call("GET", "/dealer/applications")
    except Refused as refused:
        return await desk_page(request, "vin/dealer.html", "dealer", who, refused, apps=[])
    return await desk_page(request, "vin/dealer.html", "dealer", who, apps=found)


@router.post("/applications", response_model=None)
async def start(request: Request, who: PortalPerson) -> Response:
    """V1: the portal checks the dealer's ОКЭД before there is an application."""
    try:
        app = await who.call("POST", "/dealer/applications")
    except Refused as refused:
        return await desk_page(request, "vin/dealer.html", "dealer", who, refused, apps=[])
    return RedirectResponse(f"/vin/dealer/{app['id']}", status_code=303)


async def _application_page(
    request: Request,
    who: Person,
    application_id: str,
    refused: Refused | None = None,
) -> HTMLResponse:
    app = await who.call("GET", f"/dealer/applications/{application_id}")
    return await desk_page(
        request,
        "vin/dealer_application.html",
        "dealer",
        who,
        refused,
        app=app,
    )


@router.get("/{application_id}", response_class=HTMLResponse)
async def application(request: Request, application_id: str, who: PortalPerson) -> HTMLResponse:
    return await _application_page(request, who, application_id)


@router.post("/{application_id}/{what}", response_model=None)
async def enter(request: Request, application_id: str, what: str, who: PortalPerson) -> Response:
    """V2 the VIN or V6 the buyer's ИИН (`what`), or V9 the signature: the portal checks
    them at once; a refusal that leaves the application open is shown on its page."""
    fields = await form_fields(request)
    path = f"/dealer/applications/{application_id}"
    sent = {
        "vin": ("PUT", f"{path}/vin", {"vin": fields.get("vin", "")}),
        "buyer": ("PUT", f"{path}/buyer", {"iin": fields.get("iin", "")}),
        "signature": ("POST", f"{path}/signature", {"cms": fields.get("cms", "")}),
    }.get(what)
    if sent is None:
        return Response(status_code=404)
    method, target, body = sent
    try:
        await who.call(method, target, json=body)
    except Refused as refused:
        return await _application_page(request, who, application_id, refused)
    return RedirectResponse(f"/vin/dealer/{application_id}", status_code=303)


@router.get("/{application_id}/document")
async def document(application_id: str, who: PortalPerson) -> Response:
    """V9: what the dealer's NCALayer signs."""
    path = f"/dealer/applications/{application_id}/document"
    return await relayed(who.call("GET", path))
