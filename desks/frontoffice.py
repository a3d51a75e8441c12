"""The ЦОН operator's desk: the electronic queue (M5, V20), the pick-up of a VIN registration's
documents (V21–V22), the machinery application at the window (M6.1–M6.5, M7, M8, M9), the head's
signature under the archive act (M17) and the testers' SMS inbox.

Each action is a plain form posted here, sent on to `frontoffice_service` with the signed-in
person's token and answered by a redirect back to the page, with a note or the refusal (its
step, code and text). Signing and scans need a few lines of script: `ncalayer.js` asks NCALayer
for the CMS, `desk.js` takes the camera photo and uploads the scans.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from desks.bus import Refused
from desks.desk_pages import (
    back,
    bus,
    desk_page,
    frontoffice,
    maybe_officer,
    ncalayer_url,
    officer,
    refusal_of,
)
from desks.frontoffice_api import FRONTOFFICE
from desks.pages import form_fields

router = APIRouter(include_in_schema=False)

ACTIONS = ("REGISTRATION", "REREGISTRATION", "DEREGISTRATION", "DUPLICATE", "PLATE")
MACHINE_KINDS = (
    "TRACTOR",
    "TRAILER",
    "AGRICULTURAL",
    "RECLAMATION",
    "ROAD_BUILDING",
    "HIGH_CROSS_COUNTRY",
)
IDENTIFICATIONS = ("DIGITAL_DOCUMENT", "ID_CARD")


def _office_path(office: str, rest: str = "") -> str:
    return f"/offices/{office}{rest}"


# -- the queue (M5, V20) ----------------------------------------------------------------------


@router.get("/tson", response_class=HTMLResponse)
async def queue(request: Request) -> HTMLResponse:
    who = officer(request)
    api = frontoffice(who)
    error, tickets = None, []
    try:
        tickets = await api.get(_office_path(who.office, "/queue"))
    except Refused as refused:
        error = refusal_of(refused)
    return desk_page(
        request,
        "tson_queue.html",
        "tson",
        who,
        tickets=tickets,
        error=error,
        identifications=IDENTIFICATIONS,
    )


@router.post("/tson/tickets")
async def issue_ticket(request: Request) -> RedirectResponse:
    who = officer(request)
    form = await form_fields(request)
    body: dict[str, Any] = {"kind": form.get("kind", "SUBMISSION")}
    if body["kind"] == "VIN_PICKUP":
        body["visitorIin"] = form.get("visitorIin")
        body["identification"] = {"kind": form.get("identification", "DIGITAL_DOCUMENT")}
    try:
        ticket = await frontoffice(who).change(
            "POST", _office_path(who.office, "/queue/tickets"), body
        )
    except Refused as refused:
        return back("/tson", refused=refused)
    return back("/tson", f"{ticket['code']}")


@router.post("/tson/tickets/{ticket_id}/{move}")
async def move_ticket(request: Request, ticket_id: str, move: str) -> RedirectResponse:
    """Call a ticket to a window (`call`; `call-next` for the longest waiting), or end its
    visit (`served`, `no-show`)."""
    who = officer(request)
    if move not in ("call", "served", "no-show"):
        return back("/tson")
    form = await form_fields(request)
    window = {"window": int(form.get("window", "1"))}
    path = (
        _office_path(who.office, "/queue/call-next")
        if ticket_id == "next"
        else _office_path(who.office, f"/queue/tickets/{ticket_id}/{move}")
    )
    try:
        ticket = await frontoffice(who).change("POST", path, window if move == "call" else None)
    except Refused as refused:
        return back("/tson", refused=refused)
    return back("/tson", f"{ticket['code']}: {ticket['status']}")


# -- the pick-up (V21–V22) --------------------------------------------------------------------


@router.get("/tson/pickups", response_class=HTMLResponse)
async def pickups(request: Request) -> HTMLResponse:
    who = officer(request)
    api = frontoffice(who)
    error, found, called = None, [], []
    try:
        found = await api.get(_office_path(who.office, "/pickups"), limit=100)
        called = await api.get(
            _office_path(who.office, "/queue"), kind="VIN_PICKUP", status="CALLED"
        )
    except Refused as refused:
        error = refusal_of(refused)
    return desk_page(
        request,
        "tson_pickups.html",
        "tson",
        who,
        pickups=found,
        called=called,
        error=error,
        identifications=IDENTIFICATIONS,
        ticket=request.query_params.get("ticket", ""),
    )


@router.post("/tson/pickups/hand-over")
async def hand_over(request: Request) -> RedirectResponse:
    who = officer(request)
    form = await form_fields(request)
    body = {
        "ticketId": form.get("ticketId", ""),
        "applicationNumber": form.get("applicationNumber", ""),
        "visitorIin": form.get("visitorIin", ""),
        "identification": {"kind": form.get("identification", "DIGITAL_DOCUMENT")},
    }
    try:
        done = await frontoffice(who).change(
            "POST", _office_path(who.office, "/pickups/hand-over"), body
        )
    except Refused as refused:
        return back("/tson/pickups", refused=refused)
    pickup = done["pickup"]
    return back("/tson/pickups", f"{pickup['applicationNumber']}: {pickup['status']}")


# -- the machinery application (M6.1–M6.5, M7–M9) ---------------------------------------------


@router.get("/tson/applications", response_class=HTMLResponse)
async def applications(request: Request) -> HTMLResponse:
    who = officer(request)
    error, found = None, []
    try:
        found = await frontoffice(who).get(
            _office_path(who.office, "/machinery/applications"), limit=50
        )
    except Refused as refused:
        error = refusal_of(refused)
    return desk_page(request, "tson_applications.html", "tson", who, apps=found, error=error)


@router.get("/tson/applications/new", response_class=HTMLResponse)
async def new_application(request: Request) -> HTMLResponse:
    who = officer(request)
    return desk_page(
        request,
        "tson_new.html",
        "tson",
        who,
        ticket=request.query_params.get("ticket", ""),
        actions=ACTIONS,
        kinds=MACHINE_KINDS,
        identifications=IDENTIFICATIONS,
    )


@router.post("/tson/applications")
async def open_application(request: Request) -> RedirectResponse:
    """M6.1: the visitor identified (ID in ГБД ФЛ, the face matched), the application opened;
    a face that does not match is the motivated refusal M7, shown on the application."""
    who = officer(request)
    form = await form_fields(request)
    party = form.get("applicant", "")
    applicant_kind = form.get("applicantKind", "PERSON")
    visitor: dict[str, Any] = {
        "iin": form.get("visitorIin", ""),
        "role": form.get("role", "APPLICANT"),
        "identification": {"kind": form.get("identification", "DIGITAL_DOCUMENT")},
        "photo": form.get("photo", ""),
    }
    if form.get("powerOfAttorney"):
        visitor["powerOfAttorney"] = form["powerOfAttorney"]
    machine: dict[str, Any] = {
        "kind": form.get("machineKind", "TRACTOR"),
        "id": form.get("machineId", ""),
    }
    if form.get("plate"):
        machine["plate"] = form["plate"]
    body = {
        "ticketId": form.get("ticketId", ""),
        "action": form.get("action", "REGISTRATION"),
        "firstRegistration": form.get("firstRegistration") == "on",
        "applicant": {
            "kind": applicant_kind,
            "bin" if applicant_kind == "LEGAL_ENTITY" else "iin": party,
        },
        "phone": form.get("phone", ""),
        "visitor": visitor,
        "machine": machine,
    }
    try:
        app = await frontoffice(who).change(
            "POST", _office_path(who.office, "/machinery/applications"), body
        )
    except Refused as refused:
        return back(f"/tson/applications/new?ticket={body['ticketId']}", refused=refused)
    return back(f"/tson/applications/{app['number']}")


def _app_path(office: str, number: str, rest: str = "") -> str:
    return _office_path(office, f"/machinery/applications/{number}{rest}")


@router.get("/tson/applications/{number}", response_class=HTMLResponse)
async def application(request: Request, number: str) -> HTMLResponse:
    who = officer(request)
    api = frontoffice(who)
    try:
        app = await api.get(_app_path(who.office, number))
    except Refused as refused:
        return desk_page(
            request, "tson_application.html", "tson", who, app=None, error=refusal_of(refused)
        )
    wss = await ncalayer_url(request) if app["status"] == "FEES_CONFIRMED" else None
    scanned = {s["documentCode"] for s in app["scans"]}
    return desk_page(
        request,
        "tson_application.html",
        "tson",
        who,
        app=app,
        error=None,
        ncalayer_url=wss,
        scanned=scanned,
        invoice=request.query_params.get("invoice"),
    )


@router.post("/tson/applications/{number}/package")
async def package(request: Request, number: str) -> RedirectResponse:
    """M6.2: each document of the checklist as the worker found it; incomplete is M8."""
    who = officer(request)
    form = await form_fields(request)
    api = frontoffice(who)
    here = f"/tson/applications/{number}"
    try:
        app = await api.get(_app_path(who.office, number))
        documents = [
            {
                "code": item["code"],
                "present": form.get(f"present-{item['code']}") == "on",
                "valid": form.get(f"valid-{item['code']}") == "on",
            }
            for item in app["checklist"]
        ]
        await api.change("PUT", _app_path(who.office, number, "/package"), {"documents": documents})
    except Refused as refused:
        return back(here, refused=refused)
    return back(here)


@router.post("/tson/applications/{number}/fees/{what}")
async def fees(request: Request, number: str, what: str) -> RedirectResponse:
    """M6.3: the fees checked in ПШЭП (`check`), or an invoice for what is unpaid (`invoice`)."""
    who = officer(request)
    here = f"/tson/applications/{number}"
    if what not in ("check", "invoice"):
        return back(here)
    try:
        done = await frontoffice(who).change("POST", _app_path(who.office, number, f"/fees/{what}"))
    except Refused as refused:
        return back(here, refused=refused)
    if what == "invoice":
        return RedirectResponse(f"{here}?invoice={done['number']}", status_code=303)
    return back(here)


@router.put("/tson/applications/{number}/scans/{code}")
async def scan(request: Request, number: str, code: str) -> Response:
    """M6.4: one scan, its bytes passed on as they came (`desk.js` sends each file)."""
    who = officer(request)
    try:
        found = await frontoffice(who).change(
            "PUT",
            _app_path(who.office, number, f"/scans/{code}"),
            content=await request.body(),
            content_type=request.headers.get("content-type", "application/octet-stream"),
            params={"filename": request.query_params.get("filename", f"{code.lower()}.png")},
        )
    except Refused as refused:
        return JSONResponse(refusal_of(refused), status_code=refused.status)
    return JSONResponse(found)


@router.get("/tson/applications/{number}/scans/{code}")
async def scan_file(request: Request, number: str, code: str) -> Response:
    who = officer(request)
    try:
        data, kind = await frontoffice(who).raw(_app_path(who.office, number, f"/scans/{code}"))
    except Refused as refused:
        return JSONResponse(refusal_of(refused), status_code=refused.status)
    return Response(data, media_type=kind)


@router.get("/tson/applications/{number}/document")
async def application_document(request: Request, number: str) -> Response:
    """M6.5: the application to sign, fetched by `ncalayer.js` once the scans are in (M6.4)."""
    who = officer(request)
    try:
        document = await frontoffice(who).get(_app_path(who.office, number, "/document"))
    except Refused as refused:
        return JSONResponse(refusal_of(refused), status_code=refused.status)
    return JSONResponse(document)


@router.post("/tson/applications/{number}/signature")
async def sign_application(request: Request, number: str) -> RedirectResponse:
    """M6.5, M9: the worker's CMS (made by NCALayer in the page) and off to the akimat."""
    who = officer(request)
    here = f"/tson/applications/{number}"
    form = await form_fields(request)
    try:
        app = await frontoffice(who).change(
            "POST", _app_path(who.office, number, "/signature"), {"cms": form.get("cms", "")}
        )
    except Refused as refused:
        return back(here, refused=refused)
    return back(here, app["status"])


# -- the archive act, the head's signature (M17) ----------------------------------------------


@router.get("/tson/archive", response_class=HTMLResponse)
async def office_archive(request: Request) -> HTMLResponse:
    who = officer(request)
    api = frontoffice(who)
    error, kept, acts = None, [], []
    try:
        kept = await api.get(_office_path(who.office, "/archive"))
        # A signed act's items leave the office's list: the act just signed is named in the
        # query so that the head sees both signatures on it.
        named = request.query_params.getlist("act")
        for act_id in dict.fromkeys([*(i["actId"] for i in kept if i["actId"]), *named]):
            acts.append(await api.get(_office_path(who.office, f"/archive/acts/{act_id}")))
    except Refused as refused:
        error = refusal_of(refused)
    wss = await ncalayer_url(request) if any(a["status"] == "DRAFT" for a in acts) else None
    return desk_page(
        request,
        "tson_archive.html",
        "tson",
        who,
        kept=kept,
        acts=acts,
        error=error,
        ncalayer_url=wss,
    )


@router.post("/tson/archive/acts/{act_id}/signature")
async def head_signs(request: Request, act_id: str) -> RedirectResponse:
    who = officer(request)
    form = await form_fields(request)
    try:
        act = await frontoffice(who).change(
            "POST",
            _office_path(who.office, f"/archive/acts/{act_id}/signature"),
            {"cms": form.get("cms", "")},
        )
    except Refused as refused:
        return back(f"/tson/archive?act={act_id}", refused=refused)
    note = urlencode({"act": act_id, "note": f"{act['number']}: {act['status']}"})
    return RedirectResponse(f"/tson/archive?{note}", status_code=303)


@router.get("/tson/archive/acts/{act_id}/document")
async def act_document(request: Request, act_id: str) -> Response:
    """The act as it stands (with the provider's signature, if made), for the head to sign."""
    who = officer(request)
    try:
        act = await frontoffice(who).get(_office_path(who.office, f"/archive/acts/{act_id}"))
    except Refused as refused:
        return JSONResponse(refusal_of(refused), status_code=refused.status)
    return JSONResponse({"document": act["document"], "sha256": act["sha256"]})


@router.get("/tson/archive/acts/{act_id}/pdf")
async def act_pdf(request: Request, act_id: str) -> Response:
    who = officer(request)
    try:
        data, kind = await frontoffice(who).raw(
            _office_path(who.office, f"/archive/acts/{act_id}/pdf")
        )
    except Refused as refused:
        return JSONResponse(refusal_of(refused), status_code=refused.status)
    return Response(data, media_type=kind)


# -- the SMS centre, for testers --------------------------------------------------------------


@router.get("/sms", response_class=HTMLResponse)
async def sms(request: Request) -> HTMLResponse:
    """What the SMS centre sent (its testers' inbox needs no login)."""
    phone = request.query_params.get("phone", "").strip()
    error, messages = None, []
    try:
        messages = await bus(request).service_call(
            FRONTOFFICE,
            "GET",
            "/sms/messages",
            params={"limit": 100, **({"phone": phone} if phone else {})},
        )
    except Refused as refused:
        error = refusal_of(refused)
    return desk_page(
        request,
        "sms.html",
        "sms",
        maybe_officer(request),
        messages=messages,
        phone=phone,
        error=error,
    )
