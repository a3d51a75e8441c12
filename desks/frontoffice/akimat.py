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
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from desks.bus import BusApi, Refused
from desks.dependencies import DesksBus, FrontOfficePerson
from desks.frontoffice.common import act_to_sign, desk_page
from desks.login import Person
from desks.pages import back, form_fields, problem, status_words
from desks.relay import relayed, relayed_file
from servicekit.clock import ALMATY

router = APIRouter(include_in_schema=False)

INBOX_STATUSES = ("RECEIVED", "APPROVED", "ISSUED", "REFUSED")


def _path(number: str, rest: str = "") -> str:
    return f"/provider/machinery/applications/{number}{rest}"


@router.get("/akimat", response_class=HTMLResponse)
async def inbox(request: Request, who: FrontOfficePerson) -> HTMLResponse:
    """M14: the region's applications, the soonest due first, the overdue flagged."""
    status = request.query_params.get("status") or None
    overdue = request.query_params.get("overdue") == "on"
    wanted: dict[str, Any] = {"limit": 100}
    if status:
        wanted["status"] = status
    if overdue:
        wanted["overdue"] = "true"
    failed, found = None, []
    try:
        found = await who.call("GET", "/provider/machinery/applications", params=wanted)
    except Refused as refused:
        failed = problem(refused)
    return await desk_page(
        request,
        "akimat_inbox.html",
        "akimat",
        who,
        apps=found,
        problem=failed,
        statuses=INBOX_STATUSES,
        status=status or "",
        overdue=overdue,
    )


async def _issue_at(bus: BusApi) -> str:
    """A suggestion for M11's time of issue: the next day at 11:00 by the bus clock."""
    try:
        now = datetime.fromisoformat((await bus.clock())["now"])
    except Refused:
        return ""
    next_day = now.astimezone(ALMATY) + timedelta(days=1)
    return next_day.replace(hour=11, minute=0, second=0, microsecond=0).isoformat()


async def _free_plates(bus: BusApi, region: str) -> list[str]:
    """Machinery plates БМГ has free in the region, for the entry's list to choose from."""
    try:
        found = await bus.service_call(
            "number_bank",
            "GET",
            "/admin/plates",
            params={"regionCode": region, "kind": "MACHINERY", "status": "FREE", "limit": 20},
        )
    except Refused:
        return []
    return [p["plate"] for p in found]


@router.get("/akimat/applications/{number}", response_class=HTMLResponse)
async def application(
    request: Request, number: str, who: FrontOfficePerson, bus: DesksBus
) -> HTMLResponse:
    try:
        app = await who.call("GET", _path(number))
    except Refused as refused:
        return await desk_page(
            request, "akimat_application.html", "akimat", who, app=None, problem=problem(refused)
        )
    extra: dict[str, Any] = {}
    if app["status"] == "APPROVED":
        extra["issue_at"] = await _issue_at(bus)
        extra["plates"] = await _free_plates(bus, app["region"])
    return await desk_page(
        request,
        "akimat_application.html",
        "akimat",
        who,
        signs=app["status"] == "RECEIVED",
        app=app,
        **extra,
    )


async def _act(
    request: Request, who: Person, number: str, action: str, body: Any = None
) -> RedirectResponse:
    """An action on the application, and back to its page with its status or the refusal."""
    try:
        app = await who.call("POST", _path(number, action), json=body)
    except Refused as refused:
        return back(f"/akimat/applications/{number}", refused=refused)
    return back(f"/akimat/applications/{number}", status_words(request, "machinery", app["status"]))


@router.post("/akimat/applications/{number}/checks")
async def rerun_checks(request: Request, number: str, who: FrontOfficePerson) -> RedirectResponse:
    return await _act(request, who, number, "/checks")


@router.get("/akimat/applications/{number}/decision-document")
async def decision_document(request: Request, number: str, who: FrontOfficePerson) -> Response:
    """The decision as the officer chose it, for NCALayer to sign (M10.4)."""
    approve = request.query_params.get("approve") == "true"
    reason = request.query_params.get("reason")
    wanted = {"approve": str(approve).lower()}
    if reason and not approve:
        wanted["reason"] = reason
    return await relayed(who.call("GET", _path(number, "/decision-document"), params=wanted))


@router.post("/akimat/applications/{number}/decision")
async def decide(request: Request, number: str, who: FrontOfficePerson) -> RedirectResponse:
    form = await form_fields(request)
    approve = form.get("approve") == "true"
    body = {
        "approve": approve,
        "reason": None if approve else form.get("reason"),
        "cms": form.get("cms", ""),
    }
    return await _act(request, who, number, "/decision", body)


@router.post("/akimat/applications/{number}/entry")
async def enter(request: Request, number: str, who: FrontOfficePerson) -> RedirectResponse:
    """M12 by hand; the service sends the SMS (M11) and makes the digital document (M15)."""
    form = await form_fields(request)
    body = {
        "machineId": form.get("machineId", ""),
        "technicalPassport": form.get("technicalPassport"),
        "plate": form.get("plate"),
        "issueAt": form.get("issueAt", ""),
    }
    return await _act(request, who, number, "/entry", body)


@router.get("/akimat/applications/{number}/scans/{code}")
async def scan_file(number: str, code: str, who: FrontOfficePerson) -> Response:
    return await relayed_file(who, _path(number, f"/scans/{code}"))


# -- the archive (M16–M17) --------------------------------------------------------------------


@router.get("/akimat/archive", response_class=HTMLResponse)
async def archive(request: Request, who: FrontOfficePerson) -> HTMLResponse:
    failed, due, acts = None, [], []
    try:
        due = await who.call("GET", "/provider/archive/due")
        acts = await who.call("GET", "/provider/archive/acts", params={"limit": 50})
    except Refused as refused:
        failed = problem(refused)
    return await desk_page(
        request,
        "akimat_archive.html",
        "akimat",
        who,
        signs=any(a["providerSignedAt"] is None for a in acts),
        due=due,
        offices=sorted({item["office"] for item in due if item["due"] and not item["actId"]}),
        acts=acts,
        problem=failed,
    )


@router.post("/akimat/archive/acts")
async def draw_act(request: Request, who: FrontOfficePerson) -> RedirectResponse:
    form = await form_fields(request)
    try:
        act = await who.call(
            "POST", "/provider/archive/acts", json={"office": form.get("office", "")}
        )
    except Refused as refused:
        return back("/akimat/archive", refused=refused)
    return back(
        "/akimat/archive", f"{act['number']}: {status_words(request, 'act', act['status'])}"
    )


@router.post("/akimat/archive/acts/{act_id}/signature")
async def provider_signs(request: Request, act_id: str, who: FrontOfficePerson) -> RedirectResponse:
    form = await form_fields(request)
    try:
        act = await who.call(
            "POST",
            f"/provider/archive/acts/{act_id}/signature",
            json={"cms": form.get("cms", "")},
        )
    except Refused as refused:
        return back("/akimat/archive", refused=refused)
    return back(
        "/akimat/archive", f"{act['number']}: {status_words(request, 'act', act['status'])}"
    )


@router.get("/akimat/archive/acts/{act_id}/document")
async def act_document(act_id: str, who: FrontOfficePerson) -> Response:
    """The act as it stands, for the provider to sign (M17)."""
    return await act_to_sign(who, f"/provider/archive/acts/{act_id}")


@router.get("/akimat/archive/acts/{act_id}/pdf")
async def act_pdf(act_id: str, who: FrontOfficePerson) -> Response:
    return await relayed_file(who, f"/provider/archive/acts/{act_id}/pdf")
