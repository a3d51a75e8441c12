"""Who may work a ЦОН's desks (M3: no access to the data without the right at application
level): a front-office worker signed in with ЭЦП, at the office their token names, and no
other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path

from servicekit.errors import Problem
from servicekit.service_centres import ServiceCentre, service_centre
from servicekit.tokens import SignedIn

WORKER_ROLE = "frontoffice_worker"

OfficeId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=20,
        pattern=r"^[A-Z]{3}-[A-Z]+$",
        description="the ЦОН office (GET /offices lists them): ALM-ALMALY, KST-KOSTANAY…",
    ),
]


@dataclass(frozen=True, slots=True)
class Worker:
    iin: str
    office: ServiceCentre


async def _office_worker(office: OfficeId, principal: SignedIn) -> Worker:
    if not principal.has(WORKER_ROLE):
        raise Problem("FRONTOFFICE_WORKER_REQUIRED", status=403, field="Authorization")
    centre = service_centre(office)
    # A worker's token names one office (НУЦ knows only real ones), so an office that does
    # not exist is simply another office.
    if centre is None or principal.attributes.get("office") != office:
        raise Problem("OFFICE_FORBIDDEN", status=403, field="office", office=office)
    return Worker(principal.iin, centre)


OfficeWorker = Annotated[Worker, Depends(_office_worker)]
"""Declare on an endpoint under `/offices/{office}`: a worker of that office is calling."""


HEAD_ROLE = "frontoffice_head"


async def _office_head(worker: OfficeWorker, principal: SignedIn) -> Worker:
    if not principal.has(HEAD_ROLE):
        raise Problem("FRONTOFFICE_HEAD_REQUIRED", status=403, field="Authorization")
    return worker


OfficeHead = Annotated[Worker, Depends(_office_head)]
"""The head of the front office (or the deputy): signs the archive's acceptance act (M17)."""


PROVIDER_ROLE = "akimat_officer"


@dataclass(frozen=True, slots=True)
class ProviderOfficer:
    """An officer of the service provider (the akimat of a region), working in АРМ ГО."""

    iin: str
    region: str
    """The region code (02, 10) whose applications the officer decides, and no other."""
    organisation_bin: str | None


async def _provider_officer(principal: SignedIn) -> ProviderOfficer:
    region = principal.attributes.get("region")
    if not principal.has(PROVIDER_ROLE) or not region:
        raise Problem("PROVIDER_OFFICER_REQUIRED", status=403, field="Authorization")
    return ProviderOfficer(principal.iin, region, principal.bin)


Provider = Annotated[ProviderOfficer, Depends(_provider_officer)]
"""Declare on an endpoint of the provider's desk: an akimat officer is calling; their region
limits what they see (another region's application is 404, as if it did not exist)."""
