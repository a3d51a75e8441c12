"""E-signed sale contracts (ЭДО): the contract for a vehicle between a seller and a buyer."""

from fastapi import FastAPI

from sale_contracts import admin_routes
from sale_contracts.routes import provider
from sale_contracts.seed import seed
from sale_contracts.settings import Settings
from servicekit.app import ServiceDefinition, create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        ServiceDefinition(
            settings=settings or Settings(),
            title="e-signed sale contracts",
            description="E-signed sale contracts (systems of electronic signing, ЭДО), through "
            "the gateway: the contract for a VIN between a seller (БИН) and a buyer (ИИН).",
            routers=[provider.router(), admin_routes.router],
            migrations="sale_contracts:migrations",
            seed=seed,
        )
    )
