from fastapi import FastAPI

from sale_contracts.routes import provider
from sale_contracts.seed import seed
from sale_contracts.settings import Settings
from servicekit.app import ServiceDefinition, create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        ServiceDefinition(
            settings=settings or Settings(),
            title="e-signed sale contracts",
            description="E-signed sale contracts.",
            routers=[provider.router()],
            migrations="sale_contracts:migrations",
            seed=seed,
        )
    )
