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
