"""ПШЭП — the e-government payment gateway: invoices for duties and fees priced in МРП,
payments with idempotency keys, and checks that a payer has paid (V17, M6.3)."""

from fastapi import FastAPI

from payments.routes import admin, provider, public
from payments.seed import seed
from payments.settings import Settings
from servicekit.app import ServiceDefinition, create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        ServiceDefinition(
            settings=settings or Settings(),
            title="ПШЭП",
            description="The e-government payment gateway (ПШЭП): invoices for duties and fees "
            "priced in МРП, idempotent payments, and checks that a payer has paid.",
            routers=[provider.router(), public, admin],
            migrations="payments:migrations",
            seed=seed,
        )
    )
