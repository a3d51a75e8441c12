from fastapi import FastAPI

from number_bank.routes import provider
from number_bank.seed import seed
from number_bank.settings import Settings
from servicekit.app import ServiceDefinition, create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        ServiceDefinition(
            settings=settings or Settings(),
            title="БМГ",
            description="The bank of number plates.",
            routers=[provider.router()],
            migrations="number_bank:migrations",
            seed=seed,
        )
    )
