"""The akimat officer's desk, АРМ ГО: the inbox of the region with each application's term and
an overdue flag (M14), the checks (M10.1–M10.3), the decision signed through NCALayer (M10.4, or
the motivated refusal M13), the manual entry of the technical passport and the plate (M11, M12,
M15), and the archive: what may be taken away (M16) and the acceptance acts (M17).

As on the ЦОН's desk, every action is a form sent on to `frontoffice_service` with the officer's
own token; the decision's document depends on what the officer chose, so `ncalayer.js` fetches it
from here (`…/decision-document`) before NCALayer signs it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from desks.bus import Refused
from desks.desk_pages import (
    back,
    bus,
    desk_page,
    frontoffice,
    ncalayer_url,
    officer,
    refusal_of,
)
from desks.pages import form_fields
from servicekit.clock import ALMATY

router = APIRouter(include_in_schema=False)

INBOX_STATUSES = ("RECEIVED", "APPROVED", "ISSUED", "REFUSED")


def _path(number: str, rest: str = "") -> str:
    return f"/provider/machinery/applications/{number}{rest}"


@router.get("/akimat", response_class=HTMLResponse)
async def inbox(request: Request) -> HTMLResponse:
    """M14: the region's applications, the soonest due first, the overdue flagged."""
    who = officer(request)
    status = request.query_params.get("status") or None
    overdue = "true" if request.query_params.get("overdue") == "on" else None
    error, found = None, []
    try:
        found = await frontoffice(who).get(
            "/provider/machinery/applications", status=status, overdue=overdue, limit=100
        )
    except Refused as refused:
        error = refusal_of(refused)
    return desk_page(
        request,
        "akimat_inbox.html",
        "akimat",
        who,
        apps=found,
        error=error,
        statuses=INBOX_STATUSES,
        status=status or "",
        overdue=bool(overdue),
    )


async def _issue_at(request: Request) -> str:
    """A suggestion for M11's time of issue: the next day at 11:00 by the bus clock."""
    try:
        now = datetime.fromisoformat((await bus(request).clock())["now"])
    except Refused:
        return ""
    next_day = now.astimezone(ALMATY) + timedelta(days=1)
    return next_day.replace(hour=11, minute=0, second=0, microsecond=0).isoformat()


async def _free_plates(request: Request, region: str) -> list[str]:
    """Machinery plates БМГ has free in the region, for the entry's list to choose from."""
    try:
        found = await bus(request).service_call(
            "number_bank",
            "GET",
            "/admin/plates",
            params={"regionCode": region, "kind": "MACHINERY", "status": "FREE", "limit": 20},
        )
    except Refused:
        return []
    return [p["plate"] for p in found]


@router.get("/akimat/applications/{number}", response_class=HTMLResponse)
async def application(request: Request, number: str) -> HTMLResponse:
    who = officer(request)
    try:
        app = await frontoffice(who).get(_path(number))
    except Refused as refused:
        return desk_page(
            request, "akimat_application.html", "akimat", who, app=None, error=refusal_of(refused)
        )
    extra: dict[str, Any] = {}
    if app["status"] == "RECEIVED":
        extra["ncalayer_url"] = await ncalayer_url(request)
    if app["status"] == "APPROVED":
        extra["issue_at"] = await _issue_at(request)
        extra["plates"] = await _free_plates(request, app["region"])
    return desk_page(
        request, "akimat_application.html", "akimat", who, app=app, error=None, **extra
    )


@router.post("/akimat/applications/{number}/checks")
async def rerun_checks(request: Request, number: str) -> RedirectResponse:
    who = officer(request)
    here = f"/akimat/applications/{number}"
    try:
        await frontoffice(who).change("POST", _path(number, "/checks"))
    except Refused as refused:
        return back(here, refused=refused)
    return back(here)


@router.get("/akimat/applications/{number}/decision-document")
async def decision_document(request: Request, number: str) -> Response:
    """The decision as the officer chose it, for NCALayer to sign (M10.4)."""
    who = officer(request)
    approve = request.query_params.get("approve") == "true"
    reason = request.query_params.get("reason") or None
    try:
        document = await frontoffice(who).get(
            _path(number, "/decision-document"),
            approve=str(approve).lower(),
            reason=None if approve else reason,
        )
    except Refused as refused:
        return JSONResponse(refusal_of(refused), status_code=refused.status)
    return JSONResponse(document)


@router.post("/akimat/applications/{number}/decision")
async def decide(request: Request, number: str) -> RedirectResponse:
    who = officer(request)
    here = f"/akimat/applications/{number}"
    form = await form_fields(request)
    approve = form.get("approve") == "true"
    body = {
        "approve": approve,
        "reason": None if approve else form.get("reason"),
        "cms": form.get("cms", ""),
    }
    try:
        app = await frontoffice(who).change("POST", _path(number, "/decision"), body)
    except Refused as refused:
        return back(here, refused=refused)
    return back(here, app["status"])


@router.post("/akimat/applications/{number}/entry")
async def enter(request: Request, number: str) -> RedirectResponse:
    """M12 by hand; the service sends the SMS (M11) and makes the digital document (M15)."""
    who = officer(request)
    here = f"/akimat/applications/{number}"
    form = await form_fields(request)
    body = {
        "machineId": form.get("machineId", ""),
        "technicalPassport": form.get("technicalPassport"),
        "plate": form.get("plate"),
        "issueAt": form.get("issueAt", ""),
    }
    try:
        app = await frontoffice(who).change("POST", _path(number, "/entry"), body)
    except Refused as refused:
        return back(here, refused=refused)
    return back(here, app["status"])


@router.get("/akimat/applications/{number}/scans/{code}")
async def scan_file(request: Request, number: str, code: str) -> Response:
    who = officer(request)
    try:
        data, kind = await frontoffice(who).raw(_path(number, f"/scans/{code}"))
    except Refused as refused:
        return JSONResponse(refusal_of(refused), status_code=refused.status)
    return Response(data, media_type=kind)


# -- the archive (M16–M17) --------------------------------------------------------------------


@router.get("/akimat/archive", response_class=HTMLResponse)
async def archive(request: Request) -> HTMLResponse:
    who = officer(request)
    api = frontoffice(who)
    error, due, acts = None, [], []
    try:
        due = await api.get("/provider/archive/due")
        acts = await api.get("/provider/archive/acts", limit=50)
    except Refused as refused:
        error = refusal_of(refused)
    offices = sorted({item["office"] for item in due if item["due"] and not item["actId"]})
    unsigned = any(a["providerSignedAt"] is None for a in acts)
    return desk_page(
        request,
        "akimat_archive.html",
        "akimat",
        who,
        due=due,
        offices=offices,
        acts=acts,
        error=error,
        ncalayer_url=await ncalayer_url(request) if unsigned else None,
    )


@router.post("/akimat/archive/acts")
async def draw_act(request: Request) -> RedirectResponse:
    who = officer(request)
    form = await form_fields(request)
    try:
        act = await frontoffice(who).change(
            "POST", "/provider/archive/acts", {"office": form.get("office", "")}
        )
    except Refused as refused:
        return back("/akimat/archive", refused=refused)
    return back("/akimat/archive", f"{act['number']}: {act['status']}")


@router.post("/akimat/archive/acts/{act_id}/signature")
async def provider_signs(request: Request, act_id: str) -> RedirectResponse:
    who = officer(request)
    form = await form_fields(request)
    try:
        act = await frontoffice(who).change(
            "POST", f"/provider/archive/acts/{act_id}/signature", {"cms": form.get("cms", "")}
        )
    except Refused as refused:
        return back("/akimat/archive", refused=refused)
    return back("/akimat/archive", f"{act['number']}: {act['status']}")


@router.get("/akimat/archive/acts/{act_id}/document")
async def act_document(request: Request, act_id: str) -> Response:
    """The act as it stands, for the provider to sign (M17)."""
    who = officer(request)
    try:
        act = await frontoffice(who).get(f"/provider/archive/acts/{act_id}")
    except Refused as refused:
        return JSONResponse(refusal_of(refused), status_code=refused.status)
    return JSONResponse({"document": act["document"], "sha256": act["sha256"]})


@router.get("/akimat/archive/acts/{act_id}/pdf")
async def act_pdf(request: Request, act_id: str) -> Response:
    who = officer(request)
    try:
        data, kind = await frontoffice(who).raw(f"/provider/archive/acts/{act_id}/pdf")
    except Refused as refused:
        return JSONResponse(refusal_of(refused), status_code=refused.status)
    return Response(data, media_type=kind)
