"""The admin credential: every /admin route of every service needs
`Authorization: Bearer <admin token>` (the service's `admin_token` setting)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from servicekit.errors import Problem
from servicekit.messages import Texts, register

register(
    {
        "ADMIN_CREDENTIAL_REQUIRED": Texts(
            "Нужен административный ключ: заголовок Authorization: Bearer <токен>",
            "Әкімшілік кілт қажет: Authorization: Bearer <токен> тақырыбы",
            "The admin credential is required: Authorization: Bearer <token>",
        ),
    }
)


async def require_admin(request: Request) -> None:
    expected = request.app.state.settings.admin_token.get_secret_value()
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), expected.encode()):
        raise Problem("ADMIN_CREDENTIAL_REQUIRED", status=401, field="Authorization")


AdminOnly = Annotated[None, Depends(require_admin)]
"""Declare on an admin endpoint (or router dependency) to require the admin credential."""
