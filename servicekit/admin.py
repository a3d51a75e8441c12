"""The admin credential: every /admin route of every service needs
`Authorization: Bearer <admin token>` (the service's `admin_token` setting).

The default token is public (it is in the README): a service still using it says so at start,
and refuses it when it listens beyond loopback, where anyone who can reach the port could use
it.
"""

from __future__ import annotations

import hmac
from typing import Annotated

import structlog
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from servicekit.errors import Problem
from servicekit.messages import Texts, register
from servicekit.settings import BUS_ADMIN_TOKEN, DEFAULT_ADMIN_TOKEN, ServiceSettings

log = structlog.get_logger(__name__)

register(
    {
        "ADMIN_CREDENTIAL_REQUIRED": Texts(
            "Нужен административный ключ: заголовок Authorization: Bearer <токен>",
            "Әкімшілік кілт қажет: Authorization: Bearer <токен> тақырыбы",
            "The admin credential is required: Authorization: Bearer <token>",
        ),
        "ADMIN_TOKEN_DEFAULT": Texts(
            "Административный ключ по умолчанию не принимается: сервис доступен не только с "
            "этой машины ({host}); задайте свой ключ в {setting}",
            "Әдепкі әкімшілік кілт қабылданбайды: сервис тек осы машинадан ғана емес қолжетімді "
            "({host}); өз кілтіңізді {setting} ішінде орнатыңыз",
            "The default admin token is refused: the service is reachable beyond this machine "
            "({host}); set a token of your own in {setting}",
        ),
    }
)


def _setting(settings: ServiceSettings) -> str:
    """Where a token of one's own goes: the bus's, or this service's alone."""
    return f"{BUS_ADMIN_TOKEN} ({settings.model_config.get('env_prefix', '')}ADMIN_TOKEN)"


def uses_default_token(settings: ServiceSettings) -> bool:
    return settings.admin_token.get_secret_value() == DEFAULT_ADMIN_TOKEN


def warn_about_default_token(settings: ServiceSettings) -> None:
    """Say at start that the admin API takes the public default token, if it does."""
    if not uses_default_token(settings):
        return
    if settings.on_loopback:
        log.warning(
            "the admin API takes the default token; set your own outside a laptop",
            service=settings.service_name,
            setting=_setting(settings),
        )
    else:
        log.warning(
            "the admin API is closed: its token is the default, refused beyond loopback",
            service=settings.service_name,
            host=settings.host,
            setting=_setting(settings),
        )


# Declared as a dependency so that the OpenAPI document names the scheme on every admin
# operation; the refusals are ours (problems), not FastAPI's.
_ADMIN_TOKEN = HTTPBearer(
    scheme_name="adminToken",
    description="The admin token of the bus (`EGOV_ADMIN_TOKEN`) or of this service "
    "(`<SERVICE>_ADMIN_TOKEN`); `egov-admin` in development.",
    auto_error=False,
)


async def require_admin(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_ADMIN_TOKEN)],
) -> None:
    settings: ServiceSettings = request.app.state.settings
    expected = settings.admin_token.get_secret_value().encode()
    token = credentials.credentials.encode() if credentials is not None else b""
    if credentials is None or not hmac.compare_digest(token, expected):
        raise Problem("ADMIN_CREDENTIAL_REQUIRED", status=401, field="Authorization")
    if uses_default_token(settings) and not settings.on_loopback:
        raise Problem(
            "ADMIN_TOKEN_DEFAULT",
            status=403,
            field="Authorization",
            host=settings.host,
            setting=_setting(settings),
        )


AdminOnly = Annotated[None, Depends(require_admin)]
"""Declare on an admin endpoint (or router dependency) to require the admin credential."""
