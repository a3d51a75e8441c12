"""ИИС ЦОН 2.0 — the State Corporation's front offices: the electronic queue (V20, M5), the
pick-up of the VIN registration's documents (V20–V22), the machinery service's front-office
desk (M4–M9) and the provider's desk АРМ ГО (M10–M15), the archive (M16–M17), the digital
documents (M15) and the SMS centre."""

import asyncio
import contextlib

import structlog
from fastapi import FastAPI

from frontoffice_service import routes
from frontoffice_service.archive import routes as archive
from frontoffice_service.consumers import start_consumers, stop_consumers
from frontoffice_service.machinery.desk import routes as machinery_desk
from frontoffice_service.models import idempotency_keys, outbox
from frontoffice_service.pickup import routes as pickup
from frontoffice_service.provider import routes as provider
from frontoffice_service.provider.digital_documents import routes as digital_documents
from frontoffice_service.provider.machine_registry.seed import seed
from frontoffice_service.provider.metrics import Metrics, refresh_overdue
from frontoffice_service.queue import routes as queue
from frontoffice_service.settings import Settings
from frontoffice_service.sms import routes as sms
from frontoffice_service.working_days import WorkingCalendar
from servicekit.app import ServiceDefinition, create_service_app
from servicekit.idempotency import Idempotency
from servicekit.outbox import outbox_hooks

log = structlog.get_logger(__name__)

start_outbox, stop_outbox = outbox_hooks(outbox)


async def start_overdue_watch(app: FastAPI) -> None:
    """M14: keep the overdue gauge current between the inbox's own refreshes."""
    settings: Settings = app.state.settings

    async def watch() -> None:
        while True:
            try:
                async with app.state.db.transaction() as session:
                    await refresh_overdue(
                        session,
                        app.state.machinery_metrics,
                        settings.machinery_pilot_regions,
                        app.state.clock.now(),
                    )
            except Exception as exc:  # the gauge waits for the next round; the service stays up
                log.warning("overdue gauge not refreshed", error=str(exc))
            await asyncio.sleep(settings.overdue_refresh_seconds)

    app.state.overdue_watch = asyncio.create_task(watch())


async def stop_overdue_watch(app: FastAPI) -> None:
    task: asyncio.Task[None] | None = getattr(app.state, "overdue_watch", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def create_app(settings: Settings | None = None) -> FastAPI:
    app = create_service_app(
        ServiceDefinition(
            settings=settings or Settings(),
            title="ИИС ЦОН 2.0",
            description="The front offices (ЦОН) of the State Corporation «Правительство для "
            "граждан»: the electronic queue (V20, M5), the hand-over of the СРТС and the plate "
            "of a VIN registration (V21–V22), the machinery registration's front-office desk "
            "(M4–M9) and the provider's (akimat's) desk АРМ ГО (M10–M15), the digital "
            "documents (M15), and the SMS centre that keeps the texts the state services "
            "send. Desks take a token from the login by ЭЦП at НУЦ (audience "
            "`frontoffice_service`): a front-office worker's is bound to their office, an "
            "akimat officer's to their region.",
            routers=[
                routes.offices,
                queue.router,
                pickup.router,
                machinery_desk.router,
                provider.router,
                digital_documents.router,
                archive.provider_archive,
                archive.office_archive,
                sms.sms,
                sms.admin,
            ],
            migrations="frontoffice_service:migrations",
            seed=seed,
            on_start=[start_outbox, start_consumers, start_overdue_watch],
            on_stop=[stop_overdue_watch, stop_consumers, stop_outbox],
        )
    )
    app.state.idempotency = Idempotency(idempotency_keys, app.state.clock)
    app.state.calendar = WorkingCalendar()
    app.state.machinery_metrics = Metrics(app.state.metrics)
    return app
