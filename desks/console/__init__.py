"""The tester's console.

Pages are rendered on the server from the bus's public APIs; the live parts (readiness, the
clock, the sequence diagram) poll the small JSON routes under `/console/api`. Actions are plain
HTML forms (posted, then redirected back with a note), so they work without a script too. None
of this is a contract for integrators: it stays out of the OpenAPI document.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from desks.bus import Refused
from desks.console.flow import sequence
from desks.dependencies import DesksBus
from desks.pages import back, form_fields, language, render
from desks.relay import relayed
from desks.texts import labels
from servicekit.topology import SERVICES

router = APIRouter(include_in_schema=False)
T = TypeVar("T")

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


# -- health and the clock ---------------------------------------------------------------------


@router.get("/console", response_class=HTMLResponse)
async def console(request: Request, bus: DesksBus) -> HTMLResponse:
    try:
        clock: dict[str, Any] | None = await bus.clock()
    except Refused:
        clock = None
    services = [r.as_json() for r in await bus.readiness()]
    titles = {s.name: s.title for s in SERVICES}
    return render(
        request, "console/console.html", "console", services=services, clock=clock, titles=titles
    )


@router.get("/console/api/health")
async def health_json(bus: DesksBus) -> list[dict[str, Any]]:
    return [r.as_json() for r in await bus.readiness()]


@router.get("/console/api/clock")
async def clock_json(bus: DesksBus) -> Response:
    return await relayed(bus.clock())


@router.post("/console/clock")
async def change_clock(request: Request, bus: DesksBus) -> RedirectResponse:
    form = await form_fields(request)
    action = form.get("action", "")
    body: dict[str, Any] = {}
    if action == "advance":
        body["seconds"] = form.get("seconds")
    elif action in ("set", "freeze") and form.get("at"):
        body["at"] = form["at"]
    if action not in CLOCK_ACTIONS:
        return back("/console", f"unknown clock action {action!r}")
    try:
        view = await bus.change_clock(action, body)
    except Refused as refused:
        return back("/console", refused.text)
    return back("/console", f"{action}: {view['now']}")


# -- the message flow -------------------------------------------------------------------------


@router.get("/console/flow", response_class=HTMLResponse)
async def flow(request: Request) -> HTMLResponse:
    wanted = request.query_params.get("correlationId", "").strip()
    application = request.query_params.get("applicationId", "").strip()
    error = None
    if application:
        # An application's id is the correlationId of its registry calls
        # (`servicekit.correlation`): nothing to look up.
        try:
            wanted = str(uuid.UUID(application))
        except ValueError:
            error, wanted = labels(language(request))["not_application_id"], ""
    return render(
        request,
        "console/flow.html",
        "flow",
        correlation_id=wanted,
        application_id=application,
        error=error,
    )


@router.get("/console/api/flow")
async def flow_json(
    correlation_id: Annotated[str, Query(alias="correlationId", min_length=1)], bus: DesksBus
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
    return render(
        request,
        "console/journal.html",
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
    return render(request, "console/faults.html", "faults", rules=rules, error=error)


@router.post("/console/faults")
async def add_fault(request: Request, bus: DesksBus) -> RedirectResponse:
    form = await form_fields(request)
    rule: dict[str, Any] = {"kind": form.get("kind", "")}
    try:
        for name, kind in FAULT_FIELDS.items():
            if name in form:
                rule[name] = kind(form[name])
    except ValueError as exc:
        return back("/console/faults", str(exc))
    try:
        made = await bus.add_fault(rule)
    except Refused as refused:
        return back("/console/faults", refused.text)
    return back("/console/faults", f"+ {made['id']}")


@router.post("/console/faults/{rule_id}/remove")
async def remove_fault(rule_id: str, bus: DesksBus) -> RedirectResponse:
    try:
        await bus.remove_fault(rule_id)
    except Refused as refused:
        return back("/console/faults", refused.text)
    return back("/console/faults", f"− {rule_id}")


def _answered(found: dict[str, T | Refused]) -> tuple[dict[str, T], dict[str, str]]:
    """Each service's answer, the empty ones left out; and the text of those that failed."""
    answered = {n: a for n, a in found.items() if not isinstance(a, Refused) and a}
    failed = {n: a.text for n, a in found.items() if isinstance(a, Refused)}
    return answered, failed


@router.get("/console/scenarios", response_class=HTMLResponse)
async def scenarios(request: Request, bus: DesksBus) -> HTMLResponse:
    declared, failed = _answered(await bus.scenarios())
    return render(request, "console/scenarios.html", "scenarios", declared=declared, failed=failed)


@router.get("/console/incidents", response_class=HTMLResponse)
async def incidents(request: Request, bus: DesksBus) -> HTMLResponse:
    parked, failed = _answered(await bus.parked())
    return render(request, "console/incidents.html", "incidents", parked=parked, failed=failed)


@router.post("/console/incidents/redrive")
async def redrive(request: Request, bus: DesksBus) -> RedirectResponse:
    form = await form_fields(request)
    try:
        done = await bus.redrive(form.get("service", ""), form.get("queue"), form.get("messageId"))
    except Refused as refused:
        return back("/console/incidents", refused.text)
    return back("/console/incidents", f"redriven: {done['redriven']}")


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
    return render(
        request,
        "console/log.html",
        "message_log",
        report=report,
        records=page["records"] if page else [],
        criteria=criteria,
        error=error,
    )
