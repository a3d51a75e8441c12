from fastapi import FastAPI

from gbd_fl.admin_routes import router as admin_router
from gbd_fl.routes import provider
from gbd_fl.seed import seed
from gbd_fl.settings import Settings
from servicekit.app import ServiceDefinition, create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        ServiceDefinition(
            settings=settings or Settings(),
            title="ГБД ФЛ",
            description="State database of private persons: a person by ИИН, through the gateway.",
            routers=[provider.router(), admin_router],
            migrations="gbd_fl:migrations",
            seed=seed,
        )
    )
