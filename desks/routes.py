"""The pages: the landing page and the tester's console.

Pages are rendered on the server from the bus's public APIs; the live parts (readiness, the
clock, the sequence diagram) poll the small JSON routes under `/console/api`. Actions are plain
HTML forms (posted, then redirected back with a note), so they work without a script too. None
of this is a contract for integrators: it stays out of the OpenAPI document.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, cast
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from desks.bus import BusApi, Refused
from desks.flow import sequence
from desks.texts import LANGUAGES, Language, labels
from servicekit.topology import SERVICES

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
# An instant as a wall clock, read at a glance: 2026-03-02 10:00:00+05:00 (as console.js shows it).
templates.env.filters["seconds"] = lambda instant: re.sub(
    r"\.\d+", "", str(instant).replace("T", " ")
)
router = APIRouter(include_in_schema=False)

LANG_COOKIE = "desks-lang"
CONSOLE_PAGES = ("console", "flow", "journal", "faults", "scenarios", "incidents", "message_log")
JOURNAL_FILTERS = (
    "serviceId",
    "senderId",
    "operation",
    "correlationId",
    "messageId",
    "code",
    "from",
    "to",
    "limit",
)
FAULT_FIELDS = {
    "serviceId": str,
    "operation": str,
    "senderId": str,
    "latencyMs": int,
    "errorCode": str,
    "status": int,
    "message": str,
    "probability": float,
    "count": int,
    "ttlSeconds": float,
}
CLOCK_ACTIONS = ("freeze", "set", "advance", "unfreeze", "reset")


async def _bus(request: Request) -> BusApi:
    return cast(BusApi, request.app.state.desks_bus)


DesksBus = Annotated[BusApi, Depends(_bus)]
"""The bus's public APIs as the pages call them (made with the app)."""


def _language(request: Request) -> Language:
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "ru"
    return asked if asked in LANGUAGES else "ru"


def _page(request: Request, template: str, page: str, **context: Any) -> HTMLResponse:
    language = _language(request)
    response = templates.TemplateResponse(
        request,
        template,
        {
            "t": labels(language),
            "lang": language,
            "languages": LANGUAGES,
            "page": page,
            "pages": CONSOLE_PAGES,
            "note": request.query_params.get("note"),
            "refresh_ms": request.app.state.settings.refresh_ms,
            **context,
        },
    )
    if request.query_params.get("lang") == language:
        response.set_cookie(LANG_COOKIE, language, samesite="lax")
    return response


def _back(path: str, note: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?{urlencode({'note': note})}", status_code=303)


async def _form(request: Request) -> dict[str, str]:
    # Forms are url-encoded and small: read here rather than adding a multipart parser.
    fields = parse_qs((await request.body()).decode(), keep_blank_values=False)
    return {name: values[-1].strip() for name, values in fields.items() if values[-1].strip()}


@router.get("/", response_class=HTMLResponse)
async def landing(request: Request) -> HTMLResponse:
    return _page(request, "index.html", "home")


# -- health and the clock ---------------------------------------------------------------------


@router.get("/console", response_class=HTMLResponse)
async def console(request: Request, bus: DesksBus) -> HTMLResponse:
    try:
        clock: dict[str, Any] | None = await bus.clock()
    except Refused:
        clock = None
    services = [r.as_json() for r in await bus.readiness()]
    titles = {s.name: s.title for s in SERVICES}
    return _page(request, "console.html", "console", services=services, clock=clock, titles=titles)


@router.get("/console/api/health")
async def health_json(bus: DesksBus) -> list[dict[str, Any]]:
    return [r.as_json() for r in await bus.readiness()]


@router.get("/console/api/clock")
async def clock_json(bus: DesksBus) -> Response:
    try:
        return JSONResponse(await bus.clock())
    except Refused as refused:
        return JSONResponse(refused.body, status_code=refused.status)


@router.post("/console/clock")
async def change_clock(request: Request, bus: DesksBus) -> RedirectResponse:
    form = await _form(request)
    action = form.get("action", "")
    body: dict[str, Any] = {}
    if action == "advance":
        body["seconds"] = form.get("seconds")
    elif action in ("set", "freeze") and form.get("at"):
        body["at"] = form["at"]
    if action not in CLOCK_ACTIONS:
        return _back("/console", f"unknown clock action {action!r}")
    try:
        view = await bus.change_clock(action, body)
    except Refused as refused:
        return _back("/console", refused.text)
    return _back("/console", f"{action}: {view['now']}")


# -- the message flow -------------------------------------------------------------------------


@router.get("/console/flow", response_class=HTMLResponse)
async def flow(request: Request) -> HTMLResponse:
    wanted = request.query_params.get("correlationId", "").strip()
    return _page(request, "flow.html", "flow", correlation_id=wanted)


@router.get("/console/api/flow")
async def flow_json(
    bus: DesksBus, correlation_id: Annotated[str, Query(alias="correlationId", min_length=1)]
) -> Response:
    try:
        entries = await bus.journal({"correlationId": correlation_id, "limit": "1000"})
    except Refused as refused:
        return JSONResponse(refused.body, status_code=refused.status)
    return JSONResponse(sequence(entries))


# -- journal, faults, scenarios, incidents, message log ---------------------------------------


@router.get("/console/journal", response_class=HTMLResponse)
async def journal(request: Request, bus: DesksBus) -> HTMLResponse:
    criteria = {
        name: value.strip()
        for name in JOURNAL_FILTERS
        if (value := request.query_params.get(name, "")).strip()
    }
    criteria.setdefault("limit", "100")
    error, entries = None, []
    try:
        entries = await bus.journal(criteria)
    except Refused as refused:
        error = refused.text
    return _page(
        request,
        "journal.html",
        "journal",
        criteria=criteria,
        filters=JOURNAL_FILTERS,
        entries=entries,
        error=error,
    )


@router.get("/console/faults", response_class=HTMLResponse)
async def faults(request: Request, bus: DesksBus) -> HTMLResponse:
    error, rules = None, []
    try:
        rules = await bus.faults()
    except Refused as refused:
        error = refused.text
    return _page(request, "faults.html", "faults", rules=rules, error=error)


@router.post("/console/faults")
async def add_fault(request: Request, bus: DesksBus) -> RedirectResponse:
    form = await _form(request)
    rule: dict[str, Any] = {"kind": form.get("kind", "")}
    try:
        for name, kind in FAULT_FIELDS.items():
            if name in form:
                rule[name] = kind(form[name])
    except ValueError as exc:
        return _back("/console/faults", str(exc))
    try:
        made = await bus.add_fault(rule)
    except Refused as refused:
        return _back("/console/faults", refused.text)
    return _back("/console/faults", f"+ {made['id']}")


@router.post("/console/faults/{rule_id}/remove")
async def remove_fault(rule_id: str, bus: DesksBus) -> RedirectResponse:
    try:
        await bus.remove_fault(rule_id)
    except Refused as refused:
        return _back("/console/faults", refused.text)
    return _back("/console/faults", f"− {rule_id}")


@router.get("/console/scenarios", response_class=HTMLResponse)
async def scenarios(request: Request, bus: DesksBus) -> HTMLResponse:
    found = await bus.scenarios()
    declared = {n: s for n, s in found.items() if not isinstance(s, Refused) and s}
    failed = {n: s.text for n, s in found.items() if isinstance(s, Refused)}
    return _page(request, "scenarios.html", "scenarios", declared=declared, failed=failed)


@router.get("/console/incidents", response_class=HTMLResponse)
async def incidents(request: Request, bus: DesksBus) -> HTMLResponse:
    found = await bus.parked()
    parked = {n: p for n, p in found.items() if not isinstance(p, Refused) and p}
    failed = {n: p.text for n, p in found.items() if isinstance(p, Refused)}
    return _page(request, "incidents.html", "incidents", parked=parked, failed=failed)


@router.post("/console/incidents/redrive")
async def redrive(request: Request, bus: DesksBus) -> RedirectResponse:
    form = await _form(request)
    try:
        done = await bus.redrive(form.get("service", ""), form.get("queue"), form.get("messageId"))
    except Refused as refused:
        return _back("/console/incidents", refused.text)
    return _back("/console/incidents", f"redriven: {done['redriven']}")


@router.get("/console/log", response_class=HTMLResponse)
async def message_log(request: Request, bus: DesksBus) -> HTMLResponse:
    criteria = {
        name: value.strip()
        for name in ("serviceId", "correlationId")
        if (value := request.query_params.get(name, "")).strip()
    }
    error, report, page = None, None, None
    try:
        report = await bus.log_verify()
        page = await bus.log_recent({**criteria, "limit": "50"})
    except Refused as refused:
        error = refused.text
    return _page(
        request,
        "log.html",
        "message_log",
        report=report,
        records=page["records"] if page else [],
        criteria=criteria,
        error=error,
    )
