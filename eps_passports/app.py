from fastapi import FastAPI

from eps_passports.routes import provider
from eps_passports.seed import seed
from eps_passports.settings import Settings
from servicekit.app import ServiceDefinition, create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        ServiceDefinition(
            settings=settings or Settings(),
            title="ЭПТС / ЭПСМ",
            description="Electronic passports by VIN.",
            routers=[provider.router()],
            migrations="eps_passports:migrations",
            seed=seed,
        )
    )
