from fastapi import FastAPI

from gbd_ul.routes import provider
from gbd_ul.seed import seed
from gbd_ul.settings import Settings
from servicekit.app import ServiceDefinition, create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        ServiceDefinition(
            settings=settings or Settings(),
            title="ГБД ЮЛ",
            description="Legal entities by БИН.",
            routers=[provider.router()],
            migrations="gbd_ul:migrations",
            seed=seed,
        )
    )
