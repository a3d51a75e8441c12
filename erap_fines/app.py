from fastapi import FastAPI

from erap_fines.routes import provider
from erap_fines.seed import seed
from erap_fines.settings import Settings
from servicekit.app import ServiceDefinition, create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        ServiceDefinition(
            settings=settings or Settings(),
            title="ЕРАП",
            description="Administrative fines by ИИН.",
            routers=[provider.router()],
            migrations="erap_fines:migrations",
            seed=seed,
        )
    )
