from fastapi import FastAPI

from recycling_fee.routes import provider
from recycling_fee.seed import seed
from recycling_fee.settings import Settings
from servicekit.app import ServiceDefinition, create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        ServiceDefinition(
            settings=settings or Settings(),
            title="recycling fee (Жасыл даму) by VIN",
            description="Recycling fee (Жасыл даму) by VIN.",
            routers=[provider.router()],
            migrations="recycling_fee:migrations",
            seed=seed,
        )
    )
