"""The app factory every service uses, so they all start, report and fail the same way.

`create_service_app` gives a FastAPI app with problem-details errors, `/health` (liveness) and
`/ready` (readiness), its database (`app.state.db`), its message bus (`app.state.bus`:
RabbitMQ when `amqp_url` is set, else the in-process bus on `app.state.broker`: the broker
the services of one embedded bus share, set before start by whoever runs them
(`egov.services.build_app`), or one of its own when left None) and its client of the gateway
(`app.state.gateway`, as sender `sender_id`). Start-up work — creating the
database if missing, migrations, connecting to the broker, seed data, anything else the
service declares — runs in the background after the port is open, so
`/ready` can answer 503 with the reason until it is done; a failing step (say, PostgreSQL not
up yet) is retried with backoff rather than crashing the process. Until ready, every other
route answers 503 NOT_READY.

Every request a service answers is counted (`egov_http_requests_total` by method, route
template and status) on its `/metrics`, so a benchmark can tell how many HTTP requests a piece
of work caused across the whole bus, from the services' own figures.

Every request is held to the service's limits (`RequestLimits`) before any of its code runs:
a body larger than `max_body_bytes` is refused with 413, a body not sent within
`body_timeout` is cut off with 408. (Slow request lines and headers are cut off by the server
itself: `servicekit.serving`.)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any, NoReturn

import structlog
from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tenacity import AsyncRetrying, retry_if_exception_type, wait_exponential

from servicekit import incidents
from servicekit.admin import warn_about_default_token
from servicekit.app_state import AppSettings, BusClock, app_state
from servicekit.bus import create_bus
from servicekit.clock import Clock, bus_clock, instant
from servicekit.clock_sync import catch_up, follow_bus_clock
from servicekit.db import AppDatabase, Database
from servicekit.errors import (
    PROBLEM_JSON,
    Problem,
    ServiceUnavailable,
    install_problem_handlers,
    language_from,
)
from servicekit.gateway_client import GatewayClient
from servicekit.openapi import ASSETS, OPEN_PATHS
from servicekit.openapi import install as install_openapi
from servicekit.reset import reset_router
from servicekit.settings import ServiceSettings

log = structlog.get_logger(__name__)

Seed = Callable[[AsyncSession, Clock], Awaitable[None]]
StartHook = Callable[[FastAPI], Awaitable[None]]

ROUTE_TEMPLATE = "egov.route_template"
"""Scope key under which an ASGI handler that answers below FastAPI's routing (the gateway's
sync channel) names its route for the request counter."""


@dataclass
class Readiness:
    ready: bool = False
    step: str = "starting"
    last_error: str | None = None
    attempts: int = 0
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


AppReadiness = Annotated[Readiness, Depends(app_state("readiness"))]
"""How far the service's start-up has come."""


AppMetrics = Annotated[CollectorRegistry, Depends(app_state("metrics"))]
"""The app's own Prometheus registry, the one its `/metrics` serves."""


@dataclass(frozen=True)
class ServiceDefinition:
    """What makes one service different from its siblings."""

    settings: ServiceSettings
    title: str
    description: str
    routers: Sequence[APIRouter]
    migrations: str
    """Alembic script location, e.g. `gbd_fl:migrations`."""
    seed: Seed | None = None
    on_start: Sequence[StartHook] = ()
    on_stop: Sequence[StartHook] = ()
    reset_keeps: frozenset[str] = frozenset()
    """Tables `POST /admin/reset` leaves as they are (`servicekit.reset`)."""
    on_reset: Sequence[StartHook] = ()
    """What to reload after a reset: state the service keeps in memory from its tables."""
    health_route: bool = True
    metrics_route: bool = True
    """False when the service documents a `/metrics` of its own (the gateway): it must serve
    `app.state.metrics`, the registry the request counter is in."""
    version: str = "0.1.0"
    openapi: Callable[[dict[str, Any]], None] | None = None
    """Adds to the OpenAPI document what is served below FastAPI's routing (the gateway's
    sync channel); the kit completes it as it does the routes (`servicekit.openapi`)."""


def create_service_app(definition: ServiceDefinition, *, clock: Clock = bus_clock) -> FastAPI:
    settings = definition.settings

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        warn_about_default_token(settings)
        app.state.db = Database(settings.sqlalchemy_url())
        app.state.bus = create_bus(settings.amqp_url or None, app.state.broker)
        app.state.gateway = GatewayClient(
            settings.gateway_url,
            sender_id=settings.sender_id or settings.service_name,
            password=settings.sender_password or None,
            clock=clock,
            timeout=settings.gateway_timeout_seconds,
        )
        startup = asyncio.create_task(
            _start(app, definition), name=f"{settings.service_name}:start"
        )
        app.state.readiness.tasks.append(startup)
        try:
            yield
        finally:
            for task in app.state.readiness.tasks:
                task.cancel()
            await asyncio.gather(*app.state.readiness.tasks, return_exceptions=True)
            if app.state.readiness.ready:
                for hook in definition.on_stop:
                    await hook(app)
            await app.state.gateway.close()
            await app.state.bus.close()
            await app.state.db.dispose()

    app = _CountedApp(
        title=definition.title,
        description=definition.description,
        version=definition.version,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.definition = definition
    app.state.clock = clock
    app.state.broker = None
    app.state.readiness = Readiness()
    # One registry per app: in the embedded bus every service keeps its own figures.
    app.state.metrics = CollectorRegistry(auto_describe=True)
    install_problem_handlers(app)
    # First, so that readiness probes (a bus start asks every service /ready until it is)
    # are matched before the service's routes: FastAPI prepares an included router's routes
    # the first time a request is matched against them, and the first probe, matched last,
    # prepared them all — half of a bus start's CPU (measured). Documented last all the same.
    health = _health_router(settings.service_name, definition.health_route)
    app.include_router(health)
    for router in definition.routers:
        app.include_router(router)
    incidents.install(app)
    app.include_router(
        reset_router(
            settings.service_name, definition.seed, definition.reset_keeps, definition.on_reset
        )
    )
    if definition.metrics_route:
        app.include_router(_metrics_router())
    install_openapi(app, definition.openapi, listed_last=_paths(health))
    app.add_middleware(ReadinessGate)
    return app


Step = tuple[str, Callable[[], Awaitable[None]]]


def _schema_steps(definition: ServiceDefinition, database: Database) -> list[Step]:
    return [
        ("database", database.create_if_missing),
        ("migrations", lambda: database.migrate(definition.migrations)),
    ]


def _seed_steps(definition: ServiceDefinition, database: Database, clock: Clock) -> list[Step]:
    if definition.seed is None:
        return []
    seed = definition.seed

    async def load_seed() -> None:
        async with database.sessionmaker.begin() as session:
            await seed(session, clock)

    return [("seed", load_seed)]


async def prepare_database(app: FastAPI, *, clock: Clock = bus_clock) -> None:
    """What the service does to its database before it serves — create it if missing, migrate
    it, apply the seed — and nothing else (no broker, no start hooks), then let it go. For a
    tool that prepares databases ahead of the services: the tests copy such a database for
    each bus they start instead of migrating and seeding fourteen databases every time."""
    definition: ServiceDefinition = app.state.definition
    database = Database(definition.settings.sqlalchemy_url())
    try:
        for _name, step in [
            *_schema_steps(definition, database),
            *_seed_steps(definition, database, clock),
        ]:
            await step()
    finally:
        await database.dispose()


async def _start(app: FastAPI, definition: ServiceDefinition) -> None:
    readiness: Readiness = app.state.readiness
    database: Database = app.state.db
    # The seed after the clock: a service in a process of its own stamps its seed with the
    # bus's time, which it learns by catching up.
    steps = [
        *_schema_steps(definition, database),
        ("broker", app.state.bus.start),
        ("clock", lambda: _follow_clock(app, definition.settings)),
        *_seed_steps(definition, database, app.state.clock),
    ]
    steps.extend((f"start:{hook.__name__}", _bind(hook, app)) for hook in definition.on_start)

    for name, step in steps:
        readiness.step = name
        async for attempt in AsyncRetrying(
            wait=wait_exponential(multiplier=0.2, max=5),
            retry=retry_if_exception_type(Exception),
            before_sleep=lambda state: _note_failure(readiness, state.outcome),
        ):
            with attempt:
                await step()
    readiness.ready, readiness.step, readiness.last_error = True, "ready", None
    log.info("service ready", service=definition.settings.service_name)


async def _follow_clock(app: FastAPI, settings: ServiceSettings) -> None:
    # The subscription ends when the bus closes at shutdown.
    await follow_bus_clock(app.state.bus, app.state.clock, settings.service_name)
    # In one process every service shares the clock; a process of its own must catch up.
    if settings.amqp_url and settings.service_name != "gateway":
        await catch_up(settings.gateway_url, app.state.clock)


def _bind(hook: StartHook, app: FastAPI) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        await hook(app)

    return run


def _note_failure(readiness: Readiness, outcome: Any) -> None:
    readiness.attempts += 1
    error = outcome.exception() if outcome is not None else None
    readiness.last_error = f"{type(error).__name__}: {error}"[:500]
    log.warning("start-up step failed, retrying", step=readiness.step, error=readiness.last_error)


def _health_router(service: str, with_health: bool) -> APIRouter:
    router = APIRouter(tags=["health"])

    if with_health:

        @router.get("/health", summary="Liveness: the process answers")
        async def health() -> dict[str, str]:
            return {"service": service, "status": "alive"}

    @router.get(
        "/ready",
        summary="Readiness: migrations and seed data are in",
        responses={503: {"description": "still starting; `step` and `lastError` say where"}},
    )
    async def ready(
        readiness: AppReadiness, database: AppDatabase, settings: AppSettings, clock: BusClock
    ) -> JSONResponse:
        body = {
            "service": service,
            "status": "ready" if readiness.ready else "starting",
            "step": readiness.step,
            "lastError": readiness.last_error,
            "attempts": readiness.attempts,
            "database": database.url.get_backend_name(),
            "broker": "rabbitmq" if settings.amqp_url else "in-process",
            "now": instant(clock.now()),
        }
        return JSONResponse(body, status_code=200 if readiness.ready else 503)

    return router


def _paths(router: APIRouter) -> list[str]:
    return [route.path for route in router.routes if isinstance(route, APIRoute)]


def _metrics_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    # Operational, not part of a service's contract (its OpenAPI document).
    @router.get("/metrics", include_in_schema=False)
    async def metrics(registry: AppMetrics) -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router


class _CountedApp(FastAPI):
    """A FastAPI app whose outermost layers are the request counter and the request limits:
    outside every middleware a service adds, so that requests answered below FastAPI's routing
    (the gateway's sync channel) are counted and limited too."""

    def build_middleware_stack(self) -> ASGIApp:
        limited = RequestLimits(
            super().build_middleware_stack(),
            self.state.settings,
            getattr(self.state, "refusal_renderer", None),
        )
        return RequestCounter(limited, self.state.metrics)


class RequestCounter:
    """Counts each answered request by method, route template (not the raw path, so the
    labels stay few) and status, when its response starts (a live stream counts at once)."""

    def __init__(self, app: ASGIApp, registry: CollectorRegistry) -> None:
        self.app = app
        self.counter = Counter(
            "egov_http_requests",
            "HTTP requests answered by this service",
            ("method", "route", "status"),
            registry=registry,
        )
        # `labels()` validates and locks on every call; a request only needs the child.
        self._children: dict[tuple[str, str, int], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._count(scope, int(message["status"]))
            await send(message)

        await self.app(scope, receive, counted)

    def _count(self, scope: Scope, status: int) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or scope.get(ROUTE_TEMPLATE) or "unmatched"
        key = (scope["method"], template, status)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = self.counter.labels(*key)
        child.inc()


def _always_open(path: str) -> bool:
    return path in OPEN_PATHS or path.startswith(f"{ASSETS}/")


class ReadinessGate:
    """Answer 503 for business routes until the service is ready (pure ASGI: no overhead)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not _always_open(scope["path"]):
            readiness: Readiness = scope["app"].state.readiness
            if not readiness.ready:
                body = ServiceUnavailable().to_dict()
                body["instance"] = scope["path"]
                response = JSONResponse(body, status_code=503, media_type=PROBLEM_JSON)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


RefusalRenderer = Callable[[Scope, Problem], Response | None]
"""How a service answers a refusal of its request limits on a path that does not speak problem
documents (the gateway's SOAP paths answer a SOAP fault); None: the problem document. Set as
`app.state.refusal_renderer`."""


class RequestLimits:
    """What one request may cost before the service's code sees it.

    A body larger than `max_body_bytes` is refused with 413 REQUEST_TOO_LARGE: by its
    Content-Length before a byte of it is read, or, sent chunked, as soon as the bytes read
    pass the limit (the server reads ahead at most one buffer, so nothing much past the limit
    is ever held; the rest is discarded as it comes, see `servicekit.serving`). A body not in
    within `body_timeout` of the service first asking for it is cut off with 408
    REQUEST_TIMEOUT and the connection closed. A refusal is the answer, sent at once; the
    service's code, which was reading, gets the problem raised, and whatever it answers then
    is dropped.

    (Outermost, it also keeps an error the service answered from being logged twice.)
    """

    def __init__(
        self, app: ASGIApp, settings: ServiceSettings, render: RefusalRenderer | None = None
    ) -> None:
        self.app = app
        self.max_bytes = settings.max_body_bytes
        self.timeout = settings.body_timeout
        self.render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = _LimitedRequest(self, scope, receive, send)
        if request.declared is not None and request.declared > self.max_bytes:
            await request.answer(request.too_large())
            return
        try:
            await self.app(scope, request.receive, request.send)
        except Exception as error:
            # Starlette re-raises what its error handler answered and logged, for the server
            # to log again: once answered in full, once is enough. An answer cut short must
            # still reach the server, which then closes the connection.
            if error is not request.refusal and not request.answered:
                raise


class _LimitedRequest:
    def __init__(self, limits: RequestLimits, scope: Scope, receive: Receive, send: Send) -> None:
        self.limits, self.scope, self._receive, self._send = limits, scope, receive, send
        self.headers = dict(scope["headers"])
        length = self.headers.get(b"content-length", b"")
        self.declared = int(length) if length.isdigit() else None
        chunked = b"chunked" in self.headers.get(b"transfer-encoding", b"").lower()
        self.body_done = not chunked and not self.declared
        self.received = 0
        self.deadline: float | None = None
        self.started = False
        self.answered = False
        self.refusal: Problem | None = None

    def too_large(self) -> Problem:
        return Problem("REQUEST_TOO_LARGE", status=413, field="body", limit=self.limits.max_bytes)

    async def receive(self) -> Message:
        if self.body_done:
            return await self._receive()
        if self.deadline is None:
            self.deadline = asyncio.get_running_loop().time() + self.limits.timeout
        try:
            async with asyncio.timeout_at(self.deadline):
                message = await self._receive()
        except TimeoutError:
            problem = Problem("REQUEST_TIMEOUT", status=408, seconds=self.limits.timeout)
            await self.refuse(problem, close=True)
        if message["type"] != "http.request":
            self.body_done = True
            return message
        self.received += len(message.get("body", b""))
        if self.received > self.limits.max_bytes:
            await self.refuse(self.too_large())
        self.body_done = not message.get("more_body", False)
        return message

    async def send(self, message: Message) -> None:
        if self.refusal is not None:
            return  # the refusal was the answer
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            self.answered = True

    async def refuse(self, problem: Problem, *, close: bool = False) -> NoReturn:
        if not self.started:
            await self.answer(problem, close=close)
        self.refusal = problem
        raise problem

    async def answer(self, problem: Problem, *, close: bool = False) -> None:
        rendered = self.limits.render(self.scope, problem) if self.limits.render else None
        if rendered is None:
            language = language_from(self.headers.get(b"accept-language", b"").decode("latin-1"))
            body = problem.to_dict(language)
            body["instance"] = self.scope["path"]
            rendered = JSONResponse(body, status_code=problem.status, media_type=PROBLEM_JSON)
        response = rendered
        if close:
            response.headers["connection"] = "close"
        self.started = True
        await response(self.scope, self._receive, self._send)
