"""The buyer's cabinet (V10–V19): notifications live (the portal's own server-sent events,
relayed), accept or decline (V10), the fines with "pay and submit again" (V14), the ЦОН and the
plate type (V15), the number (V16), payment (V17), signing (V18), the result and the СРТС among
the digital documents (V19)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import (
    HTMLResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)

from desks.bus import BusApi, Refused
from desks.dependencies import PORTAL, DesksBus, PortalPerson
from desks.login import LoginRequired, Person
from desks.pages import form_fields
from desks.relay import relayed, relayed_file
from desks.vin.common import desk_page

router = APIRouter(prefix="/vin/cabinet")

SIMPLE_ACTIONS = ("accept", "decline", "payment-check")


@router.get("", response_class=HTMLResponse)
async def cabinet(request: Request, who: PortalPerson) -> HTMLResponse:
    apps = await who.call("GET", "/cabinet/applications")
    notes = await who.call("GET", "/cabinet/notifications")
    documents = await who.call("GET", "/cabinet/documents")
    return await desk_page(
        request,
        "vin/cabinet.html",
        "cabinet",
        who,
        apps=apps,
        notes=list(reversed(notes)),
        documents=documents,
        last_note=notes[-1]["id"] if notes else 0,
    )


@router.get("/stream")
async def stream(request: Request, who: PortalPerson) -> Response:
    """The portal's notification stream, relayed as it comes (the page's EventSource cannot
    carry the buyer's token, which stays on the desks)."""
    params = {
        name: value
        for name in ("after", "applicationId")
        if (value := request.query_params.get(name))
    }
    headers = {"Authorization": f"Bearer {who.token}"}
    if last := request.headers.get("last-event-id"):
        headers["Last-Event-ID"] = last
    http = who.logins.http
    upstream = await http.send(
        http.build_request(
            "GET",
            who.logins.url(PORTAL) + "/cabinet/notifications/stream",
            params=params,
            headers=headers,
            timeout=httpx.Timeout(10, read=None),
        ),
        stream=True,
    )
    if upstream.status_code != 200:
        await upstream.aread()
        await upstream.aclose()
        if upstream.status_code == 401:
            who.logins.forget(who.session, PORTAL)
            raise LoginRequired(PORTAL, "/vin/cabinet")
        return Response(upstream.content, upstream.status_code, media_type="application/json")

    async def relay() -> AsyncIterator[bytes]:
        try:
            async for chunk in upstream.aiter_raw():
                yield chunk
        finally:
            await upstream.aclose()

    return StreamingResponse(
        relay(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
    )


async def _application_page(
    request: Request,
    who: Person,
    application_id: str,
    refused: Refused | None = None,
) -> HTMLResponse:
    # The notifications first: the application read after them is at least as new as the
    # last of them, so the stream (after it) reloads the page for any later change.
    notes = await who.call("GET", "/cabinet/notifications")
    app = await who.call("GET", f"/cabinet/applications/{application_id}")
    context: dict[str, Any] = {
        "notes": [n for n in reversed(notes) if n["applicationId"] == application_id],
        "last_note": notes[-1]["id"] if notes else 0,
    }
    if app["state"] == "V15_AWAITING_PICKUP_CHOICE":
        context["centres"] = await who.call("GET", "/centres")
    if app["state"] == "V16_AWAITING_PLATE":
        context["offer"] = await who.call("GET", f"/cabinet/applications/{application_id}/plates")
    if app.get("certificateNumber"):
        context["srts"] = await _document(who, app["certificateNumber"])
    return await desk_page(
        request,
        "vin/cabinet_application.html",
        "cabinet",
        who,
        refused,
        app=app,
        **context,
    )


async def _document(who: Person, number: str) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = await who.call("GET", f"/cabinet/documents/{quote(number)}")
    except Refused:
        # Printed after the decision (V19 → ИПЦ): not there yet is no failure of the page.
        return None
    return found


@router.get("/documents/{number}", response_class=HTMLResponse)
async def digital_document(request: Request, number: str, who: PortalPerson) -> HTMLResponse:
    found = await who.call("GET", f"/cabinet/documents/{quote(number)}")
    return await desk_page(request, "vin/document.html", "cabinet", who, document=found)


@router.get("/documents/{number}/pdf")
async def digital_document_pdf(number: str, who: PortalPerson) -> Response:
    return await relayed_file(who, f"/cabinet/documents/{quote(number)}/pdf")


@router.get("/{application_id}", response_class=HTMLResponse)
async def application(request: Request, application_id: str, who: PortalPerson) -> HTMLResponse:
    return await _application_page(request, who, application_id)


@router.get("/{application_id}/document")
async def document(application_id: str, who: PortalPerson) -> Response:
    """V18: what the buyer's NCALayer signs."""
    path = f"/cabinet/applications/{application_id}/document"
    return await relayed(who.call("GET", path))


@router.post("/{application_id}/{action}", response_model=None)
async def act(
    request: Request, application_id: str, action: str, who: PortalPerson, bus: DesksBus
) -> Response:
    fields = await form_fields(request)
    path = f"/cabinet/applications/{application_id}"
    try:
        if action in SIMPLE_ACTIONS:
            await who.call("POST", f"{path}/{action}")
        elif action == "pay-fines":
            await _pay_fines(bus, who, path)
        elif action == "pickup":
            body = {"centreId": fields.get("centreId", ""), "plateType": fields.get("plateType")}
            await who.call("PUT", f"{path}/pickup", json=body)
        elif action == "plate":
            await who.call("PUT", f"{path}/plate", json={"plate": fields.get("plate")})
        elif action == "pay":
            await _pay(who, path)
        elif action == "signature":
            await who.call("POST", f"{path}/signature", json={"cms": fields.get("cms", "")})
        else:
            return Response(status_code=404)
    except Refused as refused:
        return await _application_page(request, who, application_id, refused)
    return RedirectResponse(f"/vin/cabinet/{application_id}", status_code=303)


async def _pay_fines(bus: BusApi, who: Person, path: str) -> None:
    """V14 "pay the fines and submit again". ЕРАП takes no payment itself and the bus has no
    bank: the desks pay each fine through ЕРАП's admin API (as a payment would mark it), then
    the buyer submits again (`accept` re-runs V11–V14)."""
    app = await who.call("GET", path)
    for fine in app.get("unpaidFines") or []:
        case = quote(fine["caseNumber"], safe="")
        await bus.service_call("erap_fines", "POST", f"/admin/fines/{case}/pay")
    await who.call("POST", f"{path}/accept")


async def _pay(who: Person, path: str) -> None:
    """V17: the invoice paid on ПШЭП's payment page (by card), then the portal asked whether
    ПШЭП has it paid."""
    app = await who.call("GET", path)
    number = quote(app["invoice"]["number"], safe="")
    reply = await who.logins.http.post(
        who.logins.url("payments") + f"/payments/invoices/{number}/pay",
        json={"method": "CARD"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    if reply.status_code >= 400:
        raise Refused(reply.status_code, reply.json())
    await who.call("POST", f"{path}/payment-check")
