"""БМГ in the M12 entry: the new plate must be free there, and БМГ issues it. БМГ's refusal of
the plate is a 409; БМГ out of reach a 503 to retry."""

from __future__ import annotations

from frontoffice_service.machinery.models import MachineryApplication
from frontoffice_service.provider.machine_registry.changes import ENTRY_STEP
from servicekit.errors import StepRefusal
from servicekit.gateway_client import GatewayClient
from servicekit.registries import Operation, RegistryRefused, RegistryUnavailable
from servicekit.registries.base import AnswerT, RequestT
from servicekit.registries.number_bank import (
    BMG,
    ISSUE,
    PLATE_STATUS,
    PlateOfObject,
    PlateStatusRequest,
    PlateView,
)


async def _ask_bmg(
    gateway: GatewayClient, operation: Operation[RequestT, AnswerT], request: RequestT, plate: str
) -> AnswerT:
    """БМГ's answer; its refusal of the plate is a 409, БМГ out of reach a 503 to retry."""
    try:
        reply = await operation(gateway, request)
    except RegistryRefused as refused:
        raise StepRefusal(
            "BMG_PLATE_REFUSED",
            ENTRY_STEP,
            status=409,
            field="plate",
            registry=BMG,
            plate=plate,
            reason=refused.code,
        ) from None
    except RegistryUnavailable as failed:
        raise failed.refusal(ENTRY_STEP, "PLATE_CHECK_UNAVAILABLE") from None
    return reply.answer


async def require_free(
    gateway: GatewayClient, application: MachineryApplication, plate: str
) -> None:
    answer = await _ask_bmg(gateway, PLATE_STATUS, PlateStatusRequest(plate=plate), plate)
    view = answer.plate if answer.found else None
    status = view.status if view is not None else None
    if status == "FREE":
        return
    if status == "ISSUED" and view is not None and _issued_to(view, application):
        return  # this entry's own issue, committed in БМГ before a crash here: BMG_Issue repeats it
    raise StepRefusal(
        "BMG_PLATE_NOT_FREE",
        ENTRY_STEP,
        status=409,
        field="plate",
        registry=BMG,
        plate=plate,
        bmg_status=status or "NOT_FOUND",
    )


def _issued_to(view: PlateView, application: MachineryApplication) -> bool:
    return (view.machine_id, view.iin, view.bin) == (
        application.machine_id,
        application.applicant_iin,
        application.applicant_bin,
    )


async def issue_plate(
    gateway: GatewayClient, application: MachineryApplication, plate: str
) -> None:
    request = PlateOfObject(
        plate=plate,
        # The recipient: a person or a legal entity, whichever the applicant is.
        iin=application.applicant_iin or None,
        bin=None if application.applicant_iin else application.applicant_bin,
        machine_id=application.machine_id,
        # One key per application: a retry after a crash or a lost answer gets БМГ's first
        # issue instead of PLATE_ALREADY_ISSUED, and an entry with another plate after an
        # issue whose answer was lost is refused by БМГ (the key is taken) instead of giving
        # the machine a second plate. A refusal is not kept under the key: another plate
        # may be entered after one.
        idempotency_key=f"{application.id}:M12",
    )
    await _ask_bmg(gateway, ISSUE, request, plate)
