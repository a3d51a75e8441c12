"""ЭПТС / ЭПСМ — electronic passports of vehicles and self-propelled machines by VIN."""

from fastapi import FastAPI

from eps_passports import admin_routes
from eps_passports.routes import provider
from eps_passports.seed import seed
from eps_passports.settings import Settings
from servicekit.app import ServiceDefinition, create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        ServiceDefinition(
            settings=settings or Settings(),
            title="ЭПТС / ЭПСМ",
            description="Electronic passports by VIN, through the gateway: vehicles and chassis "
            "(ЭПТС, ЭПШТС) and self-propelled machines (ЭПСМ).",
            routers=[provider.router(), admin_routes.router],
            migrations="eps_passports:migrations",
            seed=seed,
        )
    )
