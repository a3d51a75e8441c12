"""The police officer's desk (V19): the inbox of the officer's region, a case with every check
of V1–V18, and the decision (approve, or refuse with a reason) signed through NCALayer."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from desks.bus import Refused
from desks.dependencies import PortalPerson
from desks.login import Person
from desks.pages import form_fields
from desks.relay import relayed
from desks.vin.common import desk_page

router = APIRouter(prefix="/vin/police")


@router.get("", response_class=HTMLResponse)
async def inbox(request: Request, who: PortalPerson) -> HTMLResponse:
    try:
        pending = await who.call("GET", "/police/applications", params={"pending": "true"})
        decided = await who.call("GET", "/police/applications", params={"pending": "false"})
    except Refused as refused:
        return await desk_page(
            request, "vin/police.html", "police", who, refused, pending=[], decided=[]
        )
    return await desk_page(
        request, "vin/police.html", "police", who, pending=pending, decided=decided
    )


async def _case_page(
    request: Request,
    who: Person,
    application_id: str,
    refused: Refused | None = None,
) -> HTMLResponse:
    case = await who.call("GET", f"/police/applications/{application_id}")
    return await desk_page(
        request,
        "vin/police_case.html",
        "police",
        who,
        refused,
        case=case,
        app=case["application"],
    )


@router.get("/{application_id}", response_class=HTMLResponse)
async def case(request: Request, application_id: str, who: PortalPerson) -> HTMLResponse:
    return await _case_page(request, who, application_id)


@router.get("/{application_id}/decision-document")
async def decision_document(request: Request, application_id: str, who: PortalPerson) -> Response:
    """The decision as the officer chose it, for NCALayer to sign."""
    params = {
        name: value
        for name in ("approve", "reason")
        if (value := request.query_params.get(name, "").strip())
    }
    path = f"/police/applications/{application_id}/decision-document"
    return await relayed(who.call("GET", path, params=params))


@router.post("/{application_id}/decision", response_model=None)
async def decide(request: Request, application_id: str, who: PortalPerson) -> Response:
    fields = await form_fields(request)
    body = {
        "approve": fields.get("approve") == "true",
        "reason": fields.get("reason"),
        "cms": fields.get("cms", ""),
    }
    try:
        await who.call("POST", f"/police/applications/{application_id}/decision", json=body)
    except Refused as refused:
        return await _case_page(request, who, application_id, refused)
    return RedirectResponse(f"/vin/police/{application_id}", status_code=303)
