from fastapi import FastAPI

from pki.routes import provider
from pki.seed import seed
from pki.settings import Settings
from servicekit.app import ServiceDefinition, create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        ServiceDefinition(
            settings=settings or Settings(),
            title="НУЦ",
            description="Test CA, OCSP, CRL, signature checks.",
            routers=[provider.router()],
            migrations="pki:migrations",
            seed=seed,
        )
    )
