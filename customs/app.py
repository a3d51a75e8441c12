from fastapi import FastAPI

from customs.routes import provider
from customs.seed import seed
from customs.settings import Settings
from servicekit.app import ServiceDefinition, create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        ServiceDefinition(
            settings=settings or Settings(),
            title="customs payments by VIN",
            description="Customs payments by VIN.",
            routers=[provider.router()],
            migrations="customs:migrations",
            seed=seed,
        )
    )
