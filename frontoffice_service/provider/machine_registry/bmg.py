"""БМГ in the M12 entry: the new plate must be free there, and БМГ issues it. БМГ's refusal of
the plate is a 409; БМГ out of reach a 503 to retry."""

from __future__ import annotations

from typing import Any

import structlog

from frontoffice_service.machinery.models import MachineryApplication
from frontoffice_service.problems import Refusal
from frontoffice_service.provider.machine_registry.changes import ENTRY_STEP
from servicekit.gateway_client import GatewayClient, GatewayFault, GatewayUnreachable

log = structlog.get_logger(__name__)

BMG = "БМГ"
PLATE_STATUS, ISSUE = "BMG_PlateStatus", "BMG_Issue"


async def _ask_bmg(
    gateway: GatewayClient, service_id: str, data: dict[str, Any], plate: str
) -> dict[str, Any]:
    """БМГ's answer; its refusal of the plate is a 409, БМГ out of reach a 503 to retry."""
    try:
        response = await gateway.call(service_id, data)
    except GatewayFault as exc:
        refused = exc.refusal
        if refused is None:
            raise _bmg_unavailable(service_id, str(exc)) from None
        raise Refusal(
            "BMG_PLATE_REFUSED",
            step=ENTRY_STEP,
            status=409,
            field="plate",
            registry=BMG,
            plate=plate,
            reason=refused.error_code,
        ) from None
    except GatewayUnreachable as exc:
        raise _bmg_unavailable(service_id, str(exc)) from None
    answer = response.response_data.data
    return answer if isinstance(answer, dict) else {}


def _bmg_unavailable(service_id: str, error: str) -> Refusal:
    log.warning("БМГ unavailable for the M12 entry", service_id=service_id, error=error)
    return Refusal("PLATE_CHECK_UNAVAILABLE", step=ENTRY_STEP, status=503, registry=BMG)


async def require_free(
    gateway: GatewayClient, application: MachineryApplication, plate: str
) -> None:
    answer = await _ask_bmg(gateway, PLATE_STATUS, {"plate": plate}, plate)
    view = answer.get("plate") if answer.get("found") else None
    status = view.get("status") if isinstance(view, dict) else None
    if status == "FREE":
        return
    if status == "ISSUED" and isinstance(view, dict) and _issued_to(view, application):
        return  # this entry's own issue, committed in БМГ before a crash here: BMG_Issue repeats it
    raise Refusal(
        "BMG_PLATE_NOT_FREE",
        step=ENTRY_STEP,
        status=409,
        field="plate",
        registry=BMG,
        plate=plate,
        bmg_status=status or "NOT_FOUND",
    )


def _issued_to(view: dict[str, Any], application: MachineryApplication) -> bool:
    return (view.get("machineId"), view.get("iin"), view.get("bin")) == (
        application.machine_id,
        application.applicant_iin,
        application.applicant_bin,
    )


async def issue_plate(
    gateway: GatewayClient, application: MachineryApplication, plate: str
) -> None:
    recipient = (
        {"iin": application.applicant_iin}
        if application.applicant_iin
        else {"bin": application.applicant_bin}
    )
    request = {
        "plate": plate,
        **recipient,
        "machineId": application.machine_id,
        # One key per application: a retry after a crash or a lost answer gets БМГ's first
        # issue instead of PLATE_ALREADY_ISSUED, and an entry with another plate after an
        # issue whose answer was lost is refused by БМГ (the key is taken) instead of giving
        # the machine a second plate. A refusal is not kept under the key: another plate
        # may be entered after one.
        "idempotencyKey": f"{application.id}:M12",
    }
    await _ask_bmg(gateway, ISSUE, request, plate)
