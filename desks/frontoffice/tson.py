"""The ЦОН operator's desk: the electronic queue (M5, V20), the pick-up of a VIN registration's
documents (V21–V22), the machinery application at the window (M6.1–M6.5, M7, M8, M9) and the
head's signature under the archive act (M17).

Each action is a plain form posted here, sent on to `frontoffice_service` with the signed-in
person's token and answered by a redirect back to the page, with a note or the refusal (its
step, code and text). Signing and scans need a few lines of script: `ncalayer.js` asks NCALayer
for the CMS, `desk.js` takes the camera photo and uploads the scans.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from desks.bus import Refused
from desks.dependencies import FrontOfficePerson
from desks.frontoffice.common import act_to_sign, desk_page
from desks.pages import back, form_fields, problem, status_words
from desks.relay import relayed, relayed_file

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


def _app_path(office: str, number: str, rest: str = "") -> str:
    return _office_path(office, f"/machinery/applications/{number}{rest}")


# -- the queue (M5, V20) ----------------------------------------------------------------------


@router.get("/tson", response_class=HTMLResponse)
async def queue(request: Request, who: FrontOfficePerson) -> HTMLResponse:
    found, tickets = None, []
    try:
        tickets = await who.call("GET", _office_path(who.office, "/queue"))
    except Refused as refused:
        found = problem(refused)
    return await desk_page(
        request,
        "tson_queue.html",
        "tson",
        who,
        tickets=tickets,
        problem=found,
        identifications=IDENTIFICATIONS,
    )


@router.post("/tson/tickets")
async def issue_ticket(request: Request, who: FrontOfficePerson) -> RedirectResponse:
    form = await form_fields(request)
    body: dict[str, Any] = {"kind": form.get("kind", "SUBMISSION")}
    if body["kind"] == "VIN_PICKUP":
        body["visitorIin"] = form.get("visitorIin")
        body["identification"] = {"kind": form.get("identification", "DIGITAL_DOCUMENT")}
    try:
        ticket = await who.call("POST", _office_path(who.office, "/queue/tickets"), json=body)
    except Refused as refused:
        return back("/tson", refused=refused)
    return back("/tson", f"{ticket['code']}")


@router.post("/tson/tickets/{ticket_id}/{move}")
async def move_ticket(
    request: Request, ticket_id: str, move: str, who: FrontOfficePerson
) -> RedirectResponse:
    """Call a ticket to a window (`call`; `call-next` for the longest waiting), or end its
    visit (`served`, `no-show`)."""
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
        ticket = await who.call("POST", path, json=window if move == "call" else None)
    except Refused as refused:
        return back("/tson", refused=refused)
    return back("/tson", f"{ticket['code']}: {status_words(request, 'ticket', ticket['status'])}")


# -- the pick-up (V21–V22) --------------------------------------------------------------------


@router.get("/tson/pickups", response_class=HTMLResponse)
async def pickups(request: Request, who: FrontOfficePerson) -> HTMLResponse:
    failed, found, called = None, [], []
    try:
        found = await who.call("GET", _office_path(who.office, "/pickups"), params={"limit": 100})
        called = await who.call(
            "GET",
            _office_path(who.office, "/queue"),
            params={"kind": "VIN_PICKUP", "status": "CALLED"},
        )
    except Refused as refused:
        failed = problem(refused)
    return await desk_page(
        request,
        "tson_pickups.html",
        "tson",
        who,
        pickups=found,
        called=called,
        problem=failed,
        identifications=IDENTIFICATIONS,
        ticket=request.query_params.get("ticket", ""),
    )


@router.post("/tson/pickups/hand-over")
async def hand_over(request: Request, who: FrontOfficePerson) -> RedirectResponse:
    """V21: the visitor identified and the documents handed over (V22); a refusal (the
    visitor is not the owner, the documents are not there) is shown with its step."""
    form = await form_fields(request)
    body = {
        "ticketId": form.get("ticketId", ""),
        "applicationNumber": form.get("applicationNumber", ""),
        "visitorIin": form.get("visitorIin", ""),
        "identification": {"kind": form.get("identification", "DIGITAL_DOCUMENT")},
    }
    try:
        done = await who.call("POST", _office_path(who.office, "/pickups/hand-over"), json=body)
    except Refused as refused:
        return back("/tson/pickups", refused=refused)
    pickup = done["pickup"]
    return back(
        "/tson/pickups",
        f"{pickup['applicationNumber']}: {status_words(request, 'pickup', pickup['status'])}",
    )


# -- the machinery application (M6.1–M6.5, M7–M9) ---------------------------------------------


@router.get("/tson/applications", response_class=HTMLResponse)
async def applications(request: Request, who: FrontOfficePerson) -> HTMLResponse:
    failed, found = None, []
    try:
        found = await who.call(
            "GET", _office_path(who.office, "/machinery/applications"), params={"limit": 50}
        )
    except Refused as refused:
        failed = problem(refused)
    return await desk_page(
        request, "tson_applications.html", "tson", who, apps=found, problem=failed
    )


@router.get("/tson/applications/new", response_class=HTMLResponse)
async def new_application(request: Request, who: FrontOfficePerson) -> HTMLResponse:
    return await desk_page(
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
async def open_application(request: Request, who: FrontOfficePerson) -> RedirectResponse:
    """M6.1: the visitor identified (ID in ГБД ФЛ, the face matched), the application opened;
    a face that does not match is the motivated refusal M7, shown on the application."""
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
        app = await who.call("POST", _office_path(who.office, "/machinery/applications"), json=body)
    except Refused as refused:
        return back(f"/tson/applications/new?ticket={body['ticketId']}", refused=refused)
    return back(f"/tson/applications/{app['number']}")


@router.get("/tson/applications/{number}", response_class=HTMLResponse)
async def application(request: Request, number: str, who: FrontOfficePerson) -> HTMLResponse:
    try:
        app = await who.call("GET", _app_path(who.office, number))
    except Refused as refused:
        return await desk_page(
            request, "tson_application.html", "tson", who, app=None, problem=problem(refused)
        )
    return await desk_page(
        request,
        "tson_application.html",
        "tson",
        who,
        signs=app["status"] == "FEES_CONFIRMED",
        app=app,
        scanned={s["documentCode"] for s in app["scans"]},
        invoice=request.query_params.get("invoice"),
    )


@router.post("/tson/applications/{number}/package")
async def package(request: Request, number: str, who: FrontOfficePerson) -> RedirectResponse:
    """M6.2: each document of the checklist as the worker found it; incomplete is M8."""
    form = await form_fields(request)
    here = f"/tson/applications/{number}"
    try:
        app = await who.call("GET", _app_path(who.office, number))
        documents = [
            {
                "code": item["code"],
                "present": form.get(f"present-{item['code']}") == "on",
                "valid": form.get(f"valid-{item['code']}") == "on",
            }
            for item in app["checklist"]
        ]
        await who.call(
            "PUT", _app_path(who.office, number, "/package"), json={"documents": documents}
        )
    except Refused as refused:
        return back(here, refused=refused)
    return back(here)


@router.post("/tson/applications/{number}/fees/{what}")
async def fees(
    request: Request, number: str, what: str, who: FrontOfficePerson
) -> RedirectResponse:
    """M6.3: the fees checked in ПШЭП (`check`), or an invoice for what is unpaid (`invoice`)."""
    here = f"/tson/applications/{number}"
    if what not in ("check", "invoice"):
        return back(here)
    try:
        done = await who.call("POST", _app_path(who.office, number, f"/fees/{what}"))
    except Refused as refused:
        return back(here, refused=refused)
    if what == "invoice":
        return RedirectResponse(f"{here}?invoice={done['number']}", status_code=303)
    return back(here)


@router.put("/tson/applications/{number}/scans/{code}")
async def scan(request: Request, number: str, code: str, who: FrontOfficePerson) -> Response:
    """M6.4: one scan, its bytes passed on as they came (`desk.js` sends each file)."""
    kind = request.headers.get("content-type", "application/octet-stream")
    return await relayed(
        who.call(
            "PUT",
            _app_path(who.office, number, f"/scans/{code}"),
            content=await request.body(),
            headers={"Content-Type": kind},
            params={"filename": request.query_params.get("filename", f"{code.lower()}.png")},
        )
    )


@router.get("/tson/applications/{number}/scans/{code}")
async def scan_file(number: str, code: str, who: FrontOfficePerson) -> Response:
    return await relayed_file(who, _app_path(who.office, number, f"/scans/{code}"))


@router.get("/tson/applications/{number}/document")
async def application_document(number: str, who: FrontOfficePerson) -> Response:
    """M6.5: the application to sign, fetched by `ncalayer.js` once the scans are in (M6.4)."""
    return await relayed(who.call("GET", _app_path(who.office, number, "/document")))


@router.post("/tson/applications/{number}/signature")
async def sign_application(
    request: Request, number: str, who: FrontOfficePerson
) -> RedirectResponse:
    """M6.5, M9: the worker's CMS (made by NCALayer in the page) and off to the akimat."""
    here = f"/tson/applications/{number}"
    form = await form_fields(request)
    try:
        app = await who.call(
            "POST", _app_path(who.office, number, "/signature"), json={"cms": form.get("cms", "")}
        )
    except Refused as refused:
        return back(here, refused=refused)
    return back(here, status_words(request, "machinery", app["status"]))


# -- the archive act, the head's signature (M17) ----------------------------------------------


@router.get("/tson/archive", response_class=HTMLResponse)
async def office_archive(request: Request, who: FrontOfficePerson) -> HTMLResponse:
    failed, kept, acts = None, [], []
    try:
        kept = await who.call("GET", _office_path(who.office, "/archive"))
        # A signed act's items leave the office's list: the act just signed is named in the
        # query so that the head sees both signatures on it.
        named = request.query_params.getlist("act")
        for act_id in dict.fromkeys([*(i["actId"] for i in kept if i["actId"]), *named]):
            acts.append(await who.call("GET", _office_path(who.office, f"/archive/acts/{act_id}")))
    except Refused as refused:
        failed = problem(refused)
    return await desk_page(
        request,
        "tson_archive.html",
        "tson",
        who,
        signs=any(a["status"] == "DRAFT" for a in acts),
        kept=kept,
        acts=acts,
        problem=failed,
    )


@router.post("/tson/archive/acts/{act_id}/signature")
async def head_signs(request: Request, act_id: str, who: FrontOfficePerson) -> RedirectResponse:
    form = await form_fields(request)
    try:
        act = await who.call(
            "POST",
            _office_path(who.office, f"/archive/acts/{act_id}/signature"),
            json={"cms": form.get("cms", "")},
        )
    except Refused as refused:
        return back(f"/tson/archive?act={act_id}", refused=refused)
    note = urlencode(
        {"act": act_id, "note": f"{act['number']}: {status_words(request, 'act', act['status'])}"}
    )
    return RedirectResponse(f"/tson/archive?{note}", status_code=303)


@router.get("/tson/archive/acts/{act_id}/document")
async def act_document(act_id: str, who: FrontOfficePerson) -> Response:
    """The act as it stands (with the provider's signature, if made), for the head to sign."""
    return await act_to_sign(who, _office_path(who.office, f"/archive/acts/{act_id}"))


@router.get("/tson/archive/acts/{act_id}/pdf")
async def act_pdf(act_id: str, who: FrontOfficePerson) -> Response:
    return await relayed_file(who, _office_path(who.office, f"/archive/acts/{act_id}/pdf"))
