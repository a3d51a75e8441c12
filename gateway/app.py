import logging
import secrets

from fastapi import FastAPI

from gateway import texts  # noqa: F401 — registers the gateway's problem texts
from gateway.admin_routes import router as admin_router
from gateway.async_channel import AsyncChannel, AsyncSettings
from gateway.async_routes import admin_router as async_admin_router
from gateway.async_routes import router as async_router
from gateway.clock_routes import restore_clock
from gateway.clock_routes import router as clock_router
from gateway.exchange import ExchangeObserver
from gateway.fault_rules import FaultRules
from gateway.journal import Journal
from gateway.message_log import MessageLog
from gateway.message_log import router as message_log_router
from gateway.openapi import add_sync_channel
from gateway.operational import OperationalData
from gateway.operational import router as operational_router
from gateway.redaction import Redacting
from gateway.registry import Registry
from gateway.routes import router
from gateway.seed import make_seed
from gateway.settings import Settings
from gateway.soap.async_endpoint import SoapAsyncEndpoint, SoapAsyncMiddleware
from gateway.soap.payloads import default_catalogue
from gateway.soap.provider import SoapProviders
from gateway.soap.security import ResponseSigner
from gateway.soap.sync import SoapSyncEndpoint
from gateway.sync_channel import ConnectionDropped, SyncChannel, SyncChannelMiddleware
from gateway.tester_routes import router as tester_router
from servicekit.app import ServiceDefinition, create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    async def load_registry(app: FastAPI) -> None:
        async with app.state.db.sessionmaker() as session:
            channel.registry = await Registry.load(session, settings.providers)

    async def forget_run_state(app: FastAPI) -> None:
        """A reset bus has no fault rules and an empty journal, as at start."""
        app.state.fault_rules.clear()
        app.state.journal.reset()
        app.state.operational.reset()

    async def close_channel(app: FastAPI) -> None:
        await channel.close()

    async def start_async_channel(app: FastAPI) -> None:
        # Built here: the database and the bus exist once the app is starting.
        app.state.async_channel = AsyncChannel(
            channel,
            app.state.db,
            app.state.bus,
            AsyncSettings(
                max_attempts=settings.async_max_attempts,
                backoff=settings.async_backoff,
                relay_interval=settings.async_relay_interval,
                outage_budget=settings.bus_retry_budget,
            ),
        )
        await app.state.async_channel.start()

    async def stop_async_channel(app: FastAPI) -> None:
        await app.state.async_channel.stop()

    async def start_message_log(app: FastAPI) -> None:
        message_log.start(app.state.db, app.state.clock)

    async def stop_message_log(app: FastAPI) -> None:
        await message_log.stop()

    app = create_service_app(
        ServiceDefinition(
            settings=settings,
            title="ШЭП — шлюз электронного правительства",
            description="The e-government gateway: routes envelopes to the registries behind "
            "it, checks who may call what, logs every message, and lets testers steer it.",
            routers=[
                router,
                admin_router,
                clock_router,
                operational_router,
                tester_router,
                message_log_router,
                async_router,
                async_admin_router,
            ],
            migrations="gateway:migrations",
            seed=make_seed(settings.registry_file),
            on_start=[restore_clock, load_registry, start_message_log, start_async_channel],
            on_stop=[stop_async_channel, close_channel, stop_message_log],
            # The clock and the hash-chained log are the bus's history, not its seed.
            reset_keeps=frozenset({"bus_clock", "message_log", "message_log_anchor"}),
            on_reset=[load_registry, forget_run_state],
            health_route=False,
            # The operational router documents /metrics and serves the app's registry.
            metrics_route=False,
            openapi=add_sync_channel,
        )
    )
    channel = SyncChannel(
        Registry.build([], [], [], settings.providers), app.state.clock, app.state.readiness
    )
    app.state.sync_channel = channel
    app.state.operational = OperationalData(app.state.metrics)
    channel.observers.append(app.state.operational)
    app.state.fault_rules = FaultRules(clock=app.state.clock)
    channel.faults = app.state.fault_rules
    app.state.journal = Journal(
        run_capacity=settings.journal_run_capacity, capacity=settings.journal_capacity
    )
    message_log = MessageLog(settings)
    app.state.message_log = message_log
    # What keeps bodies sees them redacted, so no clear text is kept anywhere, even in memory.
    keepers: list[ExchangeObserver] = [app.state.journal]
    if settings.message_log_enabled:
        keepers.append(message_log.writer)
    digest_key = (
        settings.digest_key.get_secret_value().encode()
        if settings.digest_key
        else secrets.token_bytes(32)
    )
    channel.observers.append(
        Redacting(keepers, clear_text=settings.keep_clear_text, digest_key=digest_key)
    )
    signer = (
        ResponseSigner.load(
            settings.soap_signing_key, settings.soap_signing_password.get_secret_value()
        )
        if settings.soap_signing_key
        else None
    )
    soap = SoapSyncEndpoint(
        channel,
        settings.soap_sync_paths,
        default_catalogue(),
        settings.soap_fault_http_status,
        signer,
    )
    channel.soap_providers = SoapProviders(default_catalogue())
    channel.sender_id = settings.sender_id
    app.add_middleware(SyncChannelMiddleware, channel=channel, soap=soap)
    soap_async = SoapAsyncEndpoint(
        channel, settings.soap_async_paths, default_catalogue(), settings.soap_fault_http_status
    )
    # Outside the sync channel's: a SOAP call is run as the JSON operation by the app below.
    app.add_middleware(SoapAsyncMiddleware, endpoint=soap_async)
    app.state.refusal_renderer = lambda scope, problem: (
        soap.render_refusal(scope, problem) or soap_async.render_refusal(scope, problem)
    )
    logging.getLogger("uvicorn.error").addFilter(_quiet_dropped_connections)
    return app


def _quiet_dropped_connections(record: logging.LogRecord) -> bool:
    """A connection dropped by a fault rule is the tester's wish, not a server error."""
    return not (record.exc_info and isinstance(record.exc_info[1], ConnectionDropped))
