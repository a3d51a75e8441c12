from fastapi import FastAPI

from customs.routes import admin, provider
from customs.seed import seed
from customs.settings import Settings
from servicekit.app import ServiceDefinition, create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        ServiceDefinition(
            settings=settings or Settings(),
            title="Таможенные платежи",
            description="Customs payments by VIN: the goods declaration (ДТ), duty, VAT, excise "
            "and fees and whether they are paid, through the gateway; an admin API for test "
            "data.",
            routers=[provider.router(), admin],
            migrations="customs:migrations",
            seed=seed,
        )
    )
