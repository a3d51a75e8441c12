"""The desks: the bus's web pages, a client of the services' public APIs like any other."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from desks import console, frontoffice, home, login, vin
from desks.bus import BusApi
from desks.login import Login, LoginRequired, to_login
from desks.pages import templates
from desks.settings import Settings
from servicekit.app import ServiceDefinition, create_service_app

STATIC = Path(__file__).parent / "static"


async def _open(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    app.state.desks_bus = BusApi(settings)
    app.state.desks_login = Login(settings)
    # How often a live page renews itself (the police's and the akimat's inboxes, the console).
    templates.env.globals["refresh_ms"] = settings.refresh_ms


async def _close(app: FastAPI) -> None:
    await app.state.desks_bus.close()
    await app.state.desks_login.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = create_service_app(
        ServiceDefinition(
            settings=settings,
            title="Desks",
            description="The bus's web pages, served with their own scripts and styles (no "
            "CDN): login by ЭЦП through NCALayer at `/login` (НУЦ's challenge signed with the "
            "AUTH key; the token is kept on the desks under a session cookie); the VIN "
            "registration's desks (V1–V19) at `/vin/dealer`, `/vin/cabinet` and `/vin/police`, "
            "each signature made by the page through NCALayer; the machinery registration's "
            "(M5–M17) at `/tson` (the ЦОН operator: queue, pick-up V20–V22, the application, "
            "the head's signature under the archive act) and `/akimat` (the akimat officer's "
            "АРМ ГО), the SMS inbox at `/sms`; the tester's console at "
            "`/console` — health and readiness of every service, the bus clock, the message "
            "flow of a correlationId as a sequence diagram, the journal, fault rules, "
            "scenarios, parked messages with redrive, and the message log's hash chain. It "
            "reads and acts only through the services' public HTTP APIs: the desks with the "
            "token of the person signed in, the console with the bus's admin token.",
            routers=[home.router, login.router, vin.router, frontoffice.router, console.router],
            migrations="desks:migrations",
            on_start=[_open],
            on_stop=[_close],
        )
    )
    app.add_exception_handler(LoginRequired, to_login)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
