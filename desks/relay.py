"""What the desks pass on to a page's script as the service answered it: a document for
NCALayer to sign, a scan or a PDF; a refusal goes on with its status and problem document (the
script shows its text in the page's language)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from fastapi.responses import JSONResponse, Response

from desks.bus import Refused
from desks.login import Person


async def relayed(answer: Awaitable[Any]) -> Response:
    try:
        return JSONResponse(await answer)
    except Refused as refused:
        return JSONResponse(refused.body, status_code=refused.status)


async def relayed_file(who: Person, path: str) -> Response:
    try:
        data, kind = await who.fetch(path)
    except Refused as refused:
        return JSONResponse(refused.body, status_code=refused.status)
    return Response(data, media_type=kind)
