import logging

from fastapi import FastAPI

from gateway import texts  # noqa: F401 — registers the gateway's problem texts
from gateway.admin_routes import router as admin_router
from gateway.clock_routes import router as clock_router
from gateway.openapi import install_openapi
from gateway.operational import OperationalData
from gateway.operational import router as operational_router
from gateway.registry import Registry
from gateway.routes import router
from gateway.seed import make_seed
from gateway.settings import Settings
from gateway.sync_channel import ConnectionDropped, SyncChannel, SyncChannelMiddleware
from servicekit.app import ServiceDefinition, create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    async def load_registry(app: FastAPI) -> None:
        async with app.state.db.sessionmaker() as session:
            channel.registry = await Registry.load(session, settings.providers)

    async def close_channel(app: FastAPI) -> None:
        await channel.close()

    app = create_service_app(
        ServiceDefinition(
            settings=settings,
            title="ШЭП — шлюз электронного правительства",
            description="The e-government gateway: routes envelopes to the registries behind "
            "it, checks who may call what, logs every message, and lets testers steer it.",
            routers=[router, admin_router, clock_router, operational_router],
            migrations="gateway:migrations",
            seed=make_seed(settings.registry_file),
            on_start=[load_registry],
            on_stop=[close_channel],
            health_route=False,
        )
    )
    channel = SyncChannel(
        Registry.build([], [], [], settings.providers), app.state.clock, app.state.readiness
    )
    app.state.sync_channel = channel
    app.state.operational = OperationalData()
    channel.observers.append(app.state.operational)
    app.add_middleware(SyncChannelMiddleware, channel=channel)
    install_openapi(app)
    logging.getLogger("uvicorn.error").addFilter(_quiet_dropped_connections)
    return app


def _quiet_dropped_connections(record: logging.LogRecord) -> bool:
    """A connection dropped by a fault rule is the tester's wish, not a server error."""
    return not (record.exc_info and isinstance(record.exc_info[1], ConnectionDropped))
