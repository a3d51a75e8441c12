from fastapi import FastAPI

from pki import login
from pki.routes import admin, provider, public
from pki.seed import seed
from pki.settings import Settings
from servicekit.app import ServiceDefinition, create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        ServiceDefinition(
            settings=settings or Settings(),
            title="НУЦ",
            description="The test НУЦ РК: a root and an issuing CA (RSA 2048; GOST is not "
            "modelled), certificates of the test personas, OCSP, CRL, a time-stamping authority "
            "(RFC 3161, `POST /tsp`) and the check of CMS signatures (`PKI_VerifyCms`, "
            "`POST /cms/verify`, as NCANode answers).",
            routers=[provider.router(), public, admin, login.router, login.admin],
            migrations="pki:migrations",
            seed=seed,
            on_start=[load_login_keys],
            # The keys that signed the login tokens people hold: a reset must not void them.
            reset_keeps=frozenset({"token_keys"}),
        )
    )


async def load_login_keys(app: FastAPI) -> None:
    async with app.state.db.sessionmaker.begin() as session:
        app.state.login_keys = await login.load_keys(session, app.state.clock)
