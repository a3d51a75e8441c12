"""ЕРАП — the unified register of administrative cases: fines by ИИН (V14)."""

from fastapi import FastAPI

from erap_fines.routes import admin, provider
from erap_fines.seed import seed
from erap_fines.settings import Settings
from servicekit.app import ServiceDefinition, create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        ServiceDefinition(
            settings=settings or Settings(),
            title="ЕРАП",
            description="Unified register of administrative cases (ЕРАП): fines by ИИН, "
            "through the gateway; paying a fine changes the next answer.",
            routers=[provider.router(), admin],
            migrations="erap_fines:migrations",
            seed=seed,
        )
    )
