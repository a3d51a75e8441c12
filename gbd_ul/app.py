from fastapi import FastAPI

from gbd_ul.routes import admin, provider
from gbd_ul.seed import seed
from gbd_ul.settings import Settings
from servicekit.app import ServiceDefinition, create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        ServiceDefinition(
            settings=settings or Settings(),
            title="ГБД ЮЛ",
            description="State database of legal entities: an entity by БИН with its status, "
            "head, address and ОКЭД codes, through the gateway; an admin API for test data.",
            routers=[provider.router(), admin],
            migrations="gbd_ul:migrations",
            seed=seed,
        )
    )
