"""Operational data: how many calls each service got, how many failed, how long they took.

Kept two ways from the same observations: exact figures for the operational-data endpoint
(count, failures, min/avg/max, and p50/p99 over the most recent calls), and Prometheus
metrics for scraping, in the app's own Prometheus registry (`app.state.metrics`, beside the
kit's request counter), so several gateways in one process (tests) never collide.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client import Counter as PromCounter
from prometheus_client import Histogram as PromHistogram
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from gateway.admin import AdminOnly
from gateway.exchange import Exchange
from servicekit.app import AppMetrics

RECENT = 10_000
"""Percentiles are over this many most recent calls per service: exact, bounded memory."""

_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class ServiceFigures(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    service_id: str
    count: int
    failures: int
    min_ms: float
    avg_ms: float
    max_ms: float
    p50_ms: float
    p99_ms: float
    codes: dict[str, int]


@dataclass
class _Series:
    count: int = 0
    failures: int = 0
    total_ms: float = 0.0
    min_ms: float = float("inf")
    max_ms: float = 0.0
    recent: deque[float] = field(default_factory=lambda: deque(maxlen=RECENT))
    codes: Counter[str] = field(default_factory=Counter)

    def add(self, exchange: Exchange) -> None:
        duration = exchange.duration_ms
        self.count += 1
        self.failures += not exchange.ok
        self.total_ms += duration
        self.min_ms = min(self.min_ms, duration)
        self.max_ms = max(self.max_ms, duration)
        self.recent.append(duration)
        self.codes[exchange.code] += 1

    def figures(self, service_id: str) -> ServiceFigures:
        ordered = sorted(self.recent)
        return ServiceFigures(
            service_id=service_id,
            count=self.count,
            failures=self.failures,
            min_ms=round(self.min_ms, 3),
            avg_ms=round(self.total_ms / self.count, 3),
            max_ms=round(self.max_ms, 3),
            p50_ms=round(_percentile(ordered, 0.50), 3),
            p99_ms=round(_percentile(ordered, 0.99), 3),
            codes=dict(self.codes),
        )


def _percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return 0.0
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


class OperationalData:
    """An `ExchangeObserver`: in-memory figures per service plus Prometheus metrics."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self._requests = PromCounter(
            "egov_gateway_requests",
            "Calls answered by the gateway",
            ("channel", "operation", "service", "code"),
            registry=self.registry,
        )
        self._duration = PromHistogram(
            "egov_gateway_request_duration_seconds",
            "Time the gateway took to answer a call",
            ("channel", "service"),
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self._series: dict[str, _Series] = {}

    def observe(self, exchange: Exchange) -> None:
        service = exchange.service_id or "-"
        self._series.setdefault(service, _Series()).add(exchange)
        self._requests.labels(exchange.channel, exchange.operation, service, exchange.code).inc()
        self._duration.labels(exchange.channel, service).observe(exchange.duration_ms / 1000)

    def figures(self) -> list[ServiceFigures]:
        return [series.figures(name) for name, series in sorted(self._series.items())]

    def reset(self) -> None:
        """Forget the figures (Prometheus counters keep counting, as counters must)."""
        self._series.clear()


async def _operational(request: Request) -> OperationalData:
    data: OperationalData = request.app.state.operational
    return data


OperationalDep = Annotated[OperationalData, Depends(_operational)]
"""The gateway's figures per service, kept from what the channels observe."""

router = APIRouter(tags=["operational data"])


@router.get("/admin/operational", summary="Per-service counts, failures and durations")
async def operational_figures(_: AdminOnly, data: OperationalDep) -> list[ServiceFigures]:
    return data.figures()


@router.delete("/admin/operational", status_code=204, summary="Start the figures afresh")
async def reset_figures(_: AdminOnly, data: OperationalDep) -> Response:
    data.reset()
    return Response(status_code=204)


@router.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
async def metrics(registry: AppMetrics) -> Response:
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
