from fastapi import FastAPI

from payments.routes import provider
from payments.seed import seed
from payments.settings import Settings
from servicekit.app import ServiceDefinition, create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        ServiceDefinition(
            settings=settings or Settings(),
            title="ПШЭП",
            description="Payments of duties and fees.",
            routers=[provider.router()],
            migrations="payments:migrations",
            seed=seed,
        )
    )
