from fastapi import FastAPI

from number_bank.admin_routes import router as admin_router
from number_bank.routes import provider
from number_bank.seed import seed
from number_bank.settings import Settings
from servicekit.app import ServiceDefinition, create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        ServiceDefinition(
            settings=settings or Settings(),
            title="БМГ",
            description="The bank of state number plates (ГРНЗ, МТНБ): free numbers of a "
            "region, reservation for a person (V16), issue (V19, M12), status and archive "
            "(M10.3), through the gateway; plates as testers arrange them under /admin.",
            routers=[provider.router(), admin_router],
            migrations="number_bank:migrations",
            seed=seed,
        )
    )
