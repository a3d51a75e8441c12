"""ИИС ЦОН 2.0 — the State Corporation's front offices: the electronic queue (V20, M5), the
pick-up of the VIN registration's documents (V20–V22) and the SMS centre."""

from fastapi import FastAPI

from frontoffice_service.consumers import start_consumers, stop_consumers
from frontoffice_service.models import idempotency_keys, outbox
from frontoffice_service.routes import admin, desk, offices, queue, sms
from frontoffice_service.settings import Settings
from servicekit.app import ServiceDefinition, create_service_app
from servicekit.idempotency import Idempotency
from servicekit.outbox import outbox_hooks

start_outbox, stop_outbox = outbox_hooks(outbox)


def create_app(settings: Settings | None = None) -> FastAPI:
    app = create_service_app(
        ServiceDefinition(
            settings=settings or Settings(),
            title="ИИС ЦОН 2.0",
            description="The front offices (ЦОН) of the State Corporation «Правительство для "
            "граждан»: the electronic queue (V20, M5), the hand-over of the СРТС and the plate "
            "of a VIN registration (V21–V22), and the SMS centre that keeps the texts the "
            "state services send. Desks take a front-office worker's token (login by ЭЦП at "
            "НУЦ, audience `frontoffice_service`) bound to their office.",
            routers=[offices, queue, desk, sms, admin],
            migrations="frontoffice_service:migrations",
            on_start=[start_outbox, start_consumers],
            on_stop=[stop_consumers, stop_outbox],
        )
    )
    app.state.idempotency = Idempotency(idempotency_keys, app.state.clock)
    return app
