"""ЕНИС, the unified notary information system: powers of attorney of representatives."""

from fastapi import FastAPI

from notary import admin_routes
from notary.routes import provider
from notary.seed import seed
from notary.settings import Settings
from servicekit.app import ServiceDefinition, create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        ServiceDefinition(
            settings=settings or Settings(),
            title="ЕНИС",
            description="ЕНИС — единая нотариальная информационная система, through the "
            "gateway: the power of attorney by which a representative (ИИН) acts for a "
            "principal (ИИН), its status at the bus clock and whether it lets the "
            "representative register machinery (M6.1).",
            routers=[provider.router(), admin_routes.router],
            migrations="notary:migrations",
            seed=seed,
        )
    )
