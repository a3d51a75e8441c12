"""The provider's inbox: an application this officer's provider received."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.access import ProviderOfficer
from frontoffice_service.machinery.models import MachineryApplication
from frontoffice_service.provider.repository import ProviderRepository
from servicekit.correlation import correlate
from servicekit.errors import StepRefusal


async def application_of(
    session: AsyncSession, officer: ProviderOfficer, number: str, *, lock: bool = False
) -> MachineryApplication:
    """An application this officer's provider received; another region's is not found."""
    app = await ProviderRepository(session).in_region(officer.region, number, lock=lock)
    if app is None:
        raise StepRefusal(
            "MACHINERY_APPLICATION_NOT_FOUND", step="M10", status=404, field="number", number=number
        )
    correlate(app.id)
    return app
