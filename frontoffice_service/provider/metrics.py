"""The provider desk's figures (M3, M10.4, M14)."""

from __future__ import annotations

from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge
from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.provider.repository import ProviderRepository


class Metrics:
    """The desk's figures, in the app's own registry (each service of the embedded bus keeps
    its own)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.overdue = Gauge(
            "frontoffice_machinery_overdue_applications",
            "M14: applications in the provider's desk past their term and not decided",
            ["region"],
            registry=registry,
        )
        self.decisions = Counter(
            "frontoffice_machinery_decisions_total",
            "M10.4: the provider's decisions, by outcome and whether they came within the term",
            ["region", "outcome", "in_term"],
            registry=registry,
        )
        self.rejected = Counter(
            "frontoffice_machinery_deliveries_rejected_total",
            "M3: applications that arrived altered (digest or signature) and were not received",
            ["region"],
            registry=registry,
        )


async def refresh_overdue(
    session: AsyncSession, metrics: Metrics, regions: tuple[str, ...], now: datetime
) -> None:
    """Set the overdue gauge of every region from the database (M14)."""
    counts = await ProviderRepository(session).overdue_by_region(now)
    for region in {*regions, *counts}:
        metrics.overdue.labels(region).set(counts.get(region, 0))
