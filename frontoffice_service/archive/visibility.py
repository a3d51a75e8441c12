"""Who sees which office and act: an officer the offices and acts of their own region (an
office of another region is 403, an act of another region 404, as if it did not exist); an
office its own acts."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.access import ProviderOfficer, Worker
from frontoffice_service.archive.models import ArchiveAct
from frontoffice_service.archive.repository import ArchiveRepository
from servicekit.errors import Problem, StepRefusal
from servicekit.service_centres import ServiceCentre, service_centre


def provider_office(officer: ProviderOfficer, office: str) -> ServiceCentre:
    """An office whose archive this officer takes: one of the officer's region."""
    centre = service_centre(office)
    if centre is None or centre.region_code != officer.region:
        raise Problem(
            "PROVIDER_OFFICE_FORBIDDEN",
            status=403,
            field="office",
            office=office,
            region=officer.region,
        )
    return centre


def _act_not_found(act_id: str) -> StepRefusal:
    return StepRefusal(
        "ARCHIVE_ACT_NOT_FOUND", step="M17", status=404, field="actId", act_id=act_id
    )


async def provider_act(session: AsyncSession, officer: ProviderOfficer, act_id: str) -> ArchiveAct:
    act = await ArchiveRepository(session).act(act_id)
    if act is None or act.region != officer.region:
        raise _act_not_found(act_id)
    return act


async def office_act(session: AsyncSession, worker: Worker, act_id: str) -> ArchiveAct:
    act = await ArchiveRepository(session).act(act_id)
    if act is None or act.office != worker.office.id:
        raise _act_not_found(act_id)
    return act
