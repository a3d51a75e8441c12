"""NCALayer, emulated: the wss listener pages sign through, and the tester's HTTP side."""

from fastapi import FastAPI

from ncalayer import server
from ncalayer.keys import Chooser
from ncalayer.routes import router
from ncalayer.settings import Settings
from servicekit.app import ServiceDefinition, create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = create_service_app(
        ServiceDefinition(
            settings=settings,
            title="NCALayer (emulator)",
            description="NCALayer, the signing application every Kazakh e-government page "
            "reaches over a WebSocket, emulated: `wss://127.0.0.1:13579` answers the "
            "`kz.gov.pki.knca.commonUtils` and `kz.gov.pki.knca.basics` modules with the "
            "personas' test keys, signing at the bus clock. This HTTP side chooses the persona "
            "(the user's pick in NCALayer's key dialog) and names the listener.",
            routers=[router],
            migrations="ncalayer:migrations",
            on_start=[server.start],
            on_stop=[server.stop],
        )
    )
    app.state.chooser = Chooser(
        keys_dir=settings.keys_dir,
        key_password=settings.key_password,
        persona=settings.persona or None,
        password=settings.key_password,
    )
    return app
