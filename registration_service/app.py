"""ПЭП — the e-government portal's primary registration of a vehicle by VIN (V1–V22): the
dealer's API, the buyer's cabinet, the police desk and the printing centre (ИПЦ)."""

from fastapi import FastAPI

from registration_service.consumers import start_consumers, stop_consumers
from registration_service.models import idempotency_keys, outbox
from registration_service.notices import NoticeBoard, StreamSlots
from registration_service.routes import (
    admin_router,
    cabinet_router,
    dealer_router,
    police_router,
    reference_router,
)
from registration_service.settings import Settings
from servicekit.app import ServiceDefinition, create_service_app
from servicekit.idempotency import Idempotency
from servicekit.outbox import outbox_hooks

start_outbox, stop_outbox = outbox_hooks(outbox)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = create_service_app(
        ServiceDefinition(
            settings=settings,
            title="ПЭП — registration of a vehicle by VIN",
            description="Primary registration of a vehicle produced in Kazakhstan, started by "
            "the dealer and finished by the buyer in the personal cabinet (V1–V22).",
            routers=[dealer_router, cabinet_router, police_router, reference_router, admin_router],
            migrations="registration_service:migrations",
            on_start=[start_outbox, start_consumers],
            on_stop=[stop_consumers, stop_outbox],
        )
    )
    app.state.idempotency = Idempotency(idempotency_keys, app.state.clock)
    app.state.notices = NoticeBoard()
    app.state.streams = StreamSlots(settings.streams_per_principal)
    return app
