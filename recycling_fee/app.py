from fastapi import FastAPI

from recycling_fee.routes import admin, provider
from recycling_fee.seed import seed
from recycling_fee.settings import Settings
from servicekit.app import ServiceDefinition, create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        ServiceDefinition(
            settings=settings or Settings(),
            title="Утилизационный платёж (АО «Жасыл даму»)",
            description="Recycling fee by VIN, as its operator АО «Жасыл даму» records it: "
            "payer, amount (50 МРП × coefficient), status and certificate, through the "
            "gateway; an admin API for test data.",
            routers=[provider.router(), admin],
            migrations="recycling_fee:migrations",
            seed=seed,
        )
    )
