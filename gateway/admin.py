"""The admin credential: every /admin route needs `Authorization: Bearer <admin token>`."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from servicekit.errors import Problem


async def _require_admin(request: Request) -> None:
    expected = request.app.state.settings.admin_token.get_secret_value()
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), expected.encode()):
        raise Problem("ADMIN_CREDENTIAL_REQUIRED", status=401, field="Authorization")


AdminOnly = Annotated[None, Depends(_require_admin)]
"""Declare on an admin endpoint (or router dependency) to require the admin credential."""
