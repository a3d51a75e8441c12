"""The SMS centre's inbox, for testers: what it sent (M11's notices among them). It needs no
login; the messages are read with the bus's admin token."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from desks.bus import Refused
from desks.dependencies import FRONTOFFICE, DesksBus, MaybeFrontOfficePerson
from desks.frontoffice.common import desk_page
from desks.pages import problem

router = APIRouter(include_in_schema=False)


@router.get("/sms", response_class=HTMLResponse)
async def sms(request: Request, bus: DesksBus, who: MaybeFrontOfficePerson) -> HTMLResponse:
    phone = request.query_params.get("phone", "").strip()
    failed, messages = None, []
    try:
        messages = await bus.service_call(
            FRONTOFFICE,
            "GET",
            "/sms/messages",
            params={"limit": 100, **({"phone": phone} if phone else {})},
        )
    except Refused as refused:
        failed = problem(refused)
    return await desk_page(
        request, "sms.html", "sms", who, messages=messages, phone=phone, problem=failed
    )
