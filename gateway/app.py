from fastapi import FastAPI

from gateway.repository import ServiceRepository
from gateway.routes import router, sync_channel
from gateway.routing import Forwarder, Route
from gateway.seed import make_seed
from gateway.settings import Settings
from servicekit.app import ServiceDefinition, create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    async def load_routes(app: FastAPI) -> None:
        async with app.state.db.sessionmaker() as session:
            services = await ServiceRepository(session).all()
        app.state.forwarder.routes = {
            s.service_id: Route(
                service_id=s.service_id,
                provider=s.provider,
                url=settings.providers[s.provider].rstrip("/") + s.path,
                timeout_ms=s.timeout_ms,
            )
            for s in services
            if s.provider in settings.providers
        }

    async def stop_forwarder(app: FastAPI) -> None:
        await app.state.forwarder.close()

    app = create_service_app(
        ServiceDefinition(
            settings=settings,
            title="ШЭП — шлюз электронного правительства",
            description="The e-government gateway: routes envelopes to the registries behind it.",
            routers=[sync_channel, router],
            migrations="gateway:migrations",
            seed=make_seed(settings.registry_file),
            on_start=[load_routes],
            on_stop=[stop_forwarder],
            health_route=False,
        )
    )
    app.state.forwarder = Forwarder({}, app.state.clock)
    return app
